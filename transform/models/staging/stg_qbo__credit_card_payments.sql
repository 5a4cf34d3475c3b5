{{ qbo_finance.qbo_transactions('credit_card_payments', 'CreditCardPayment', {
    'credit_card_account_id': 'CreditCardAccountRef.value',
    'bank_account_id': 'BankAccountRef.value',
    'vendor_id': 'VendorRef.value'
}, total='Amount') }}
