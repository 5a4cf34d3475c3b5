{{ qbo_finance.qbo_transactions('bill_payments', 'BillPayment', {
    'vendor_id': 'VendorRef.value',
    'ap_account_id': 'APAccountRef.value',
    'pay_type': 'PayType',
    'payment_account_id': 'coalesce(CheckPayment.BankAccountRef.value, CreditCardPayment.CCAccountRef.value)'
}) }}
