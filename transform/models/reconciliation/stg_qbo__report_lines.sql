-- QBO's own TrialBalance, ProfitAndLoss and BalanceSheet figures as the tap's report streams land them
-- (docs/reports.md): one row per realm, report, basis, period and account. Only live data rows (never QBO's
-- subtotal rows, nor rows a later read of the window no longer showed). Each window is one calendar month:
-- trial balance and balance sheet are balances at its last day, the P&L is the month's activity
-- (its month column). The balance sheet's Net Income row has no account id. A report table the job did not
-- land gives no rows (macro report_rows). This model is the one place to adapt to the report tables' layout.
{{ config(enabled=qbo_finance.reports_enabled()) }}
{% set reports = [('trial_balance', 'TrialBalance'), ('profit_and_loss', 'ProfitAndLoss'),
                  ('balance_sheet', 'BalanceSheet')] %}
{% for table, report in reports %}
{{ qbo_finance.report_rows(table, [
    ('realm_id', 'realm_id', dbt.type_string()),
    ('report', "'" ~ report ~ "'", dbt.type_string()),
    ('basis', 'basis', dbt.type_string()),
    ('period_start', 'coalesce(column_start, period_start)', 'date'),
    ('period_end', 'coalesce(column_end, period_end)', 'date'),
    ('account_id', "nullif(account_id, '')", dbt.type_string()),
    ('account_name', 'coalesce(account_name, label)', dbt.type_string()),
    ('amount', 'amount', 'decimal(38, 9)'),
]) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
