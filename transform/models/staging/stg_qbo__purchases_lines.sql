{{ qbo_finance.qbo_lines('purchases', 'Purchase') }}
