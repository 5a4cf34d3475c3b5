{{ qbo_finance.qbo_transactions('deposits', 'Deposit', {
    'deposit_to_account_id': 'DepositToAccountRef.value',
    'cash_back_account_id': 'CashBack.AccountRef.value',
    'cash_back_amount': 'cast(CashBack.Amount as decimal(38, 9))'
}, home_total='HomeTotalAmt') }}
