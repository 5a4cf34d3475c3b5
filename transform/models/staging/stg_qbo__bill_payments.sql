{{ qbo_finance.qbo_transactions('bill_payments', 'BillPayment', {
    'vendor_id': 'VendorRef.value',
    'ap_account_id': 'APAccountRef.value',
    'pay_type': 'PayType',
    'payment_account_id': 'coalesce(CheckPayment.BankAccountRef.value, CreditCardPayment.CCAccountRef.value)',
    'total_amt': 'cast(TotalAmt as decimal(38, 9))',
    'home_total_amt': 'cast(round(cast(TotalAmt as decimal(38, 9)) * cast(coalesce(ExchangeRate, 1) as decimal(38, 9)), 2) as decimal(38, 9))'
}) }}
