{{ qbo_finance.qbo_lines('estimates', 'Estimate') }}
