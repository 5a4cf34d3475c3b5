{{ qbo_finance.qbo_lines('bills', 'Bill') }}
