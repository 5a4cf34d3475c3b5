-- Our books against QBO's own reports, to the cent, one row per figure on either side:
-- - TrialBalance, ProfitAndLoss, BalanceSheet: per realm, basis, period and account (trial balance and
--   balance sheet compare balances at period_end, the P&L the month's activity). Accrual basis only (the
--   models are accrual), and only the periods QBO's report tables hold.
-- - GeneralLedger: per realm, month, transaction and account (reconciliation_general_ledger).
-- status is 'ties', 'differs', 'missing in ours' (QBO shows an amount we do not) or 'missing in QBO';
-- difference = ours - qbo. The ties_to_quickbooks test fails the build on any other status.
{{ config(enabled=qbo_finance.reports_enabled()) }}
with qbo_lines as (
    select *, coalesce(account_id, account_name) as account_key
    from {{ ref('stg_qbo__report_lines') }}
    where basis = 'Accrual'
),
periods as (
    select distinct realm_id, report, basis, period_start, period_end from qbo_lines
),
statements as (
    select realm_id, 'TrialBalance' as report, basis, period_end, account_id, account_name, balance as amount
    from {{ ref('trial_balance') }}
    union all
    select realm_id, 'ProfitAndLoss', basis, period_end, account_id, account_name, amount
    from {{ ref('profit_and_loss') }}
    union all
    select realm_id, 'BalanceSheet', basis, period_end, account_id, account_name, amount
    from {{ ref('balance_sheet') }}
),
ours as (
    -- Our P&L rows are calendar months: a QBO P&L period is compared only when it is one of them.
    select s.*, p.period_start, coalesce(s.account_id, s.account_name) as account_key
    from statements as s
    inner join periods as p
        on p.realm_id = s.realm_id and p.report = s.report and p.basis = s.basis and p.period_end = s.period_end
        and (s.report <> 'ProfitAndLoss' or p.period_start = {{ qbo_finance.month_start('p.period_end') }})
),
qbo as (
    select realm_id, report, basis, period_start, period_end, account_key, account_id, account_name, amount
    from qbo_lines
),
statement_rows as (
    {{ qbo_finance.tieout_compare(
        'ours', 'qbo', ['realm_id', 'report', 'basis', 'period_start', 'period_end', 'account_key'],
        carried=['account_id', 'account_name']) }}
)
{% set columns = ['realm_id', 'report', 'basis', 'period_start', 'period_end', 'account_id', 'account_name'] %}
select
    {{ columns | join(', ') }},
    cast(null as {{ dbt.type_string() }}) as txn_type,
    cast(null as {{ dbt.type_string() }}) as txn_id,
    cast(null as {{ dbt.type_string() }}) as doc_number,
    {{ qbo_finance.money('coalesce(ours, 0)') }} as ours,
    {{ qbo_finance.money('coalesce(qbo, 0)') }} as qbo,
    difference,
    status
from statement_rows
union all
select
    {{ columns | join(', ') }}, txn_type, txn_id, doc_number,
    {{ qbo_finance.money('coalesce(ours, 0)') }} as ours,
    {{ qbo_finance.money('coalesce(qbo, 0)') }} as qbo,
    difference,
    status
from {{ ref('reconciliation_general_ledger') }}
