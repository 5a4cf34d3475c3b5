{{ qbo_finance.qbo_lines('purchase_orders', 'PurchaseOrder') }}
