{{ qbo_finance.qbo_transactions('invoices', 'Invoice', {
    'customer_id': 'CustomerRef.value',
    'class_id': 'ClassRef.value',
    'total_tax': 'cast(TxnTaxDetail.TotalTax as decimal(38, 9))',
    'ar_account_id': 'ARAccountRef.value',
    'due_date': 'DueDate',
    'balance': 'cast(Balance as decimal(38, 9))',
    'home_balance': 'cast(HomeBalance as decimal(38, 9))'
}, home_total='HomeTotalAmt') }}
