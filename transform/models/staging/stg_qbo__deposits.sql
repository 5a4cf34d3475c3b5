{{ qbo_finance.qbo_transactions('deposits', 'Deposit', {
    'deposit_to_account_id': 'DepositToAccountRef.value',
    'total_amt': 'cast(TotalAmt as decimal(38, 9))',
    'home_total_amt': 'coalesce(cast(HomeTotalAmt as decimal(38, 9)), cast(round(cast(TotalAmt as decimal(38, 9)) * cast(coalesce(ExchangeRate, 1) as decimal(38, 9)), 2) as decimal(38, 9)))',
    'cash_back_account_id': 'CashBack.AccountRef.value',
    'cash_back_amount': 'cast(CashBack.Amount as decimal(38, 9))'
}) }}
