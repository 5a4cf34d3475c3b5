-- Open receivables at as_of_date add up to the A/R balance in the ledger at that date. Warns rather than
-- fails: a journal entry straight to A/R moves the balance without an open document.
{{ config(severity='warn') }}
{{ qbo_finance.open_items_match_ledger('Accounts Receivable', 1, 'open_receivables', 'ar_balance') }}
