{{ qbo_finance.qbo_lines('bill_payments', 'BillPayment') }}
