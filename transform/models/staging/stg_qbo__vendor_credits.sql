{{ qbo_finance.qbo_transactions('vendor_credits', 'VendorCredit', {
    'vendor_id': 'VendorRef.value',
    'ap_account_id': 'APAccountRef.value',
    'total_amt': 'cast(TotalAmt as decimal(38, 9))',
    'home_total_amt': 'cast(round(cast(TotalAmt as decimal(38, 9)) * cast(coalesce(ExchangeRate, 1) as decimal(38, 9)), 2) as decimal(38, 9))',
    'total_tax': 'cast(TxnTaxDetail.TotalTax as decimal(38, 9))',
    'balance': 'cast(Balance as decimal(38, 9))'
}) }}
