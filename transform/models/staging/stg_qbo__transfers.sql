{{ qbo_finance.qbo_transactions('transfers', 'Transfer', {
    'from_account_id': 'FromAccountRef.value',
    'to_account_id': 'ToAccountRef.value',
    'class_id': 'ClassRef.value',
    'total_amt': 'cast(Amount as decimal(38, 9))',
    'home_total_amt': 'cast(round(cast(Amount as decimal(38, 9)) * cast(coalesce(ExchangeRate, 1) as decimal(38, 9)), 2) as decimal(38, 9))'
}) }}
