{{ qbo_finance.qbo_lines('deposits', 'Deposit') }}
