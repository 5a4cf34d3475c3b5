{{ qbo_finance.qbo_transactions('credit_card_payments', 'CreditCardPayment', {
    'credit_card_account_id': 'CreditCardAccountRef.value',
    'bank_account_id': 'BankAccountRef.value',
    'vendor_id': 'VendorRef.value',
    'total_amt': 'cast(Amount as decimal(38, 9))',
    'home_total_amt': 'cast(round(cast(Amount as decimal(38, 9)) * cast(coalesce(ExchangeRate, 1) as decimal(38, 9)), 2) as decimal(38, 9))'
}) }}
