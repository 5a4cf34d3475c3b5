{{ qbo_finance.qbo_transactions('bills', 'Bill', {
    'vendor_id': 'VendorRef.value',
    'ap_account_id': 'APAccountRef.value',
    'total_tax': 'cast(TxnTaxDetail.TotalTax as decimal(38, 9))',
    'due_date': 'DueDate',
    'balance': 'cast(Balance as decimal(38, 9))',
    'home_balance': 'cast(HomeBalance as decimal(38, 9))'
}) }}
