{{ qbo_finance.qbo_transactions('invoices', 'Invoice', {
    'customer_id': 'CustomerRef.value',
    'class_id': 'ClassRef.value',
    'total_amt': 'cast(TotalAmt as decimal(38, 9))',
    'home_total_amt': 'coalesce(cast(HomeTotalAmt as decimal(38, 9)), cast(round(cast(TotalAmt as decimal(38, 9)) * cast(coalesce(ExchangeRate, 1) as decimal(38, 9)), 2) as decimal(38, 9)))',
    'total_tax': 'cast(TxnTaxDetail.TotalTax as decimal(38, 9))',
    'ar_account_id': 'ARAccountRef.value',
    'due_date': 'DueDate',
    'balance': 'cast(Balance as decimal(38, 9))',
    'home_balance': 'cast(HomeBalance as decimal(38, 9))'
}) }}
