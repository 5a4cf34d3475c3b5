{{ qbo_finance.qbo_lines('credit_memos', 'CreditMemo') }}
