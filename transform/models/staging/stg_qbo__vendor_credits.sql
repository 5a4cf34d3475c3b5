{{ qbo_finance.qbo_transactions('vendor_credits', 'VendorCredit', {
    'vendor_id': 'VendorRef.value',
    'ap_account_id': 'APAccountRef.value',
    'total_tax': 'cast(TxnTaxDetail.TotalTax as decimal(38, 9))',
    'balance': 'cast(Balance as decimal(38, 9))'
}) }}
