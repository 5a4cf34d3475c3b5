{{ qbo_finance.qbo_lines('invoices', 'Invoice') }}
