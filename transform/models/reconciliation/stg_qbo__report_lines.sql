-- QBO's own TrialBalance, ProfitAndLoss and BalanceSheet figures, one row per realm, basis, period and account,
-- in the contract of transform/README.md ("Report tables"). Disabled until the report streams land
-- (var reconcile_reports); this model is the one place to adapt if their columns differ.
{{ config(enabled=qbo_finance.reports_enabled()) }}
{% set reports = [('trial_balance', 'TrialBalance'), ('profit_and_loss', 'ProfitAndLoss'),
                  ('balance_sheet', 'BalanceSheet')] %}
{% for table, report in reports %}
select
    cast(realm_id as {{ dbt.type_string() }}) as realm_id,
    '{{ report }}' as report,
    cast(basis as {{ dbt.type_string() }}) as basis,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(nullif(account_id, '') as {{ dbt.type_string() }}) as account_id,
    cast(account_name as {{ dbt.type_string() }}) as account_name,
    cast(amount as decimal(38, 9)) as amount
from {{ source('quickbooks', table) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
