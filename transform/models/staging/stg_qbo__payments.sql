{{ qbo_finance.qbo_transactions('payments', 'Payment', {
    'customer_id': 'CustomerRef.value',
    'ar_account_id': 'ARAccountRef.value',
    'deposit_to_account_id': 'DepositToAccountRef.value',
    'total_amt': 'cast(TotalAmt as decimal(38, 9))',
    'home_total_amt': 'cast(round(cast(TotalAmt as decimal(38, 9)) * cast(coalesce(ExchangeRate, 1) as decimal(38, 9)), 2) as decimal(38, 9))',
    'unapplied_amt': 'cast(UnappliedAmt as decimal(38, 9))'
}) }}
