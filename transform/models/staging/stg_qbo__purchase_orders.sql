{{ qbo_finance.qbo_transactions('purchase_orders', 'PurchaseOrder', {
    'vendor_id': 'VendorRef.value',
    'class_id': 'ClassRef.value',
    'total_amt': 'cast(TotalAmt as decimal(38, 9))',
    'home_total_amt': 'cast(round(cast(TotalAmt as decimal(38, 9)) * cast(coalesce(ExchangeRate, 1) as decimal(38, 9)), 2) as decimal(38, 9))',
    'status': 'POStatus'
}) }}
