{{ qbo_finance.qbo_lines('payments', 'Payment') }}
