{{ qbo_finance.qbo_transactions('transfers', 'Transfer', {
    'from_account_id': 'FromAccountRef.value',
    'to_account_id': 'ToAccountRef.value',
    'class_id': 'ClassRef.value'
}, total='Amount') }}
