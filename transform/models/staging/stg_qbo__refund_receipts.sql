{{ qbo_finance.qbo_transactions('refund_receipts', 'RefundReceipt', {
    'customer_id': 'CustomerRef.value',
    'class_id': 'ClassRef.value',
    'total_amt': 'cast(TotalAmt as decimal(38, 9))',
    'home_total_amt': 'coalesce(cast(HomeTotalAmt as decimal(38, 9)), cast(round(cast(TotalAmt as decimal(38, 9)) * cast(coalesce(ExchangeRate, 1) as decimal(38, 9)), 2) as decimal(38, 9)))',
    'total_tax': 'cast(TxnTaxDetail.TotalTax as decimal(38, 9))',
    'deposit_to_account_id': 'DepositToAccountRef.value'
}) }}
