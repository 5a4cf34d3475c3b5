{{ qbo_finance.qbo_transactions('payments', 'Payment', {
    'customer_id': 'CustomerRef.value',
    'ar_account_id': 'ARAccountRef.value',
    'deposit_to_account_id': 'DepositToAccountRef.value',
    'unapplied_amt': 'cast(UnappliedAmt as decimal(38, 9))'
}) }}
