{{ qbo_finance.qbo_transactions('purchase_orders', 'PurchaseOrder', {
    'vendor_id': 'VendorRef.value',
    'class_id': 'ClassRef.value',
    'status': 'POStatus'
}) }}
