{{ qbo_finance.qbo_lines('sales_receipts', 'SalesReceipt') }}
