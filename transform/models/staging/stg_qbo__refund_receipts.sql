{{ qbo_finance.qbo_transactions('refund_receipts', 'RefundReceipt', {
    'customer_id': 'CustomerRef.value',
    'class_id': 'ClassRef.value',
    'total_tax': 'cast(TxnTaxDetail.TotalTax as decimal(38, 9))',
    'deposit_to_account_id': 'DepositToAccountRef.value'
}, home_total='HomeTotalAmt') }}
