{{ qbo_finance.qbo_lines('vendor_credits', 'VendorCredit') }}
