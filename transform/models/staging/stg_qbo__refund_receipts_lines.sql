{{ qbo_finance.qbo_lines('refund_receipts', 'RefundReceipt') }}
