-- Open payables at as_of_date add up to the A/P balance in the ledger at that date. Warns rather than
-- fails: a journal entry straight to A/P moves the balance without an open document.
{{ config(severity='warn') }}
{{ qbo_finance.open_items_match_ledger('Accounts Payable', -1, 'open_payables', 'ap_balance') }}
