-- QBO's GeneralLedger report, one row per transaction line and account as the tap's general_ledger stream
-- lands it (accrual basis, one window per month). txn_type is mapped from the report's wording ("Bill
-- Payment (Check)", "Expense", ...) to the entity names of general_ledger (BillPayment, Purchase, ...), so
-- a report line finds its synced transaction by (realm, txn_type, txn_id). amount is in home currency
-- (QBO's home-currency column when it sends one), debit-positive. Balance lines have no transaction and
-- are not here.
{{ config(enabled=qbo_finance.reports_enabled()) }}
{{ qbo_finance.report_rows('general_ledger', [
    ('realm_id', 'realm_id', dbt.type_string()),
    ('period_start', 'period_start', 'date'),
    ('period_end', 'period_end', 'date'),
    ('txn_date', 'txn_date', 'date'),
    ('qbo_txn_type', 'txn_type', dbt.type_string()),
    ('txn_type', qbo_finance.gl_report_txn_type('txn_type'), dbt.type_string()),
    ('txn_id', 'txn_id', dbt.type_string()),
    ('doc_number', 'doc_number', dbt.type_string()),
    ('account_id', "nullif(account_id, '')", dbt.type_string()),
    ('account_name', 'account_name', dbt.type_string()),
    ('amount', 'coalesce(home_amount, amount)', 'decimal(38, 9)'),
], where='txn_id is not null') }}
