-- Our statements against QBO's own reports, per realm, report, basis, period and account, to the cent:
-- one row per figure on either side. status is 'ties', 'differs', 'missing in ours' (QBO shows an amount we
-- do not) or 'missing in QBO'; difference = ours - qbo. Only the periods QBO's report tables hold are
-- compared, accrual basis only (the models are accrual). Trial balance and balance sheet rows compare
-- balances at period_end; P&L rows compare the period's activity. Disabled (not faked) until the report
-- tables exist: var reconcile_reports.
{{ config(enabled=qbo_finance.reports_enabled()) }}
with qbo as (
    select * from {{ ref('stg_qbo__report_lines') }} where basis = 'Accrual'
),
ours as (
    select realm_id, 'TrialBalance' as report, basis, period_end, account_id, account_name, balance as amount
    from {{ ref('trial_balance') }}
    union all
    select realm_id, 'ProfitAndLoss', basis, period_end, account_id, account_name, amount
    from {{ ref('profit_and_loss') }}
    union all
    select realm_id, 'BalanceSheet', basis, period_end, account_id, account_name, amount
    from {{ ref('balance_sheet') }}
),
periods as (
    select distinct realm_id, report, basis, period_start, period_end from qbo
),
ours_compared as (
    -- Our P&L rows are calendar months: a QBO P&L period is compared only when it is one of them.
    select o.*, p.period_start
    from ours as o
    inner join periods as p
        on p.realm_id = o.realm_id and p.report = o.report and p.basis = o.basis and p.period_end = o.period_end
        and (o.report <> 'ProfitAndLoss' or p.period_start = {{ qbo_finance.month_start('p.period_end') }})
),
keyed_ours as (
    select *, coalesce(account_id, account_name) as account_key from ours_compared
),
keyed_qbo as (
    select *, coalesce(account_id, account_name) as account_key from qbo
),
joined as (
    select
        coalesce(o.realm_id, q.realm_id) as realm_id,
        coalesce(o.report, q.report) as report,
        coalesce(o.basis, q.basis) as basis,
        coalesce(q.period_start, o.period_start) as period_start,
        coalesce(o.period_end, q.period_end) as period_end,
        coalesce(o.account_id, q.account_id) as account_id,
        coalesce(q.account_name, o.account_name) as account_name,
        o.amount as ours,
        q.amount as qbo
    from keyed_ours as o
    full outer join keyed_qbo as q
        on q.realm_id = o.realm_id and q.report = o.report and q.basis = o.basis
        and q.period_start = o.period_start and q.period_end = o.period_end and q.account_key = o.account_key
)
select
    realm_id,
    report,
    basis,
    period_start,
    period_end,
    account_id,
    account_name,
    cast(coalesce(ours, 0) as decimal(38, 9)) as ours,
    cast(coalesce(qbo, 0) as decimal(38, 9)) as qbo,
    cast(coalesce(ours, 0) - coalesce(qbo, 0) as decimal(38, 9)) as difference,
    case
        when abs(coalesce(ours, 0) - coalesce(qbo, 0)) <= {{ var('tieout_tolerance', 0) }} then 'ties'
        when qbo is null then 'missing in QBO'
        when ours is null then 'missing in ours'
        else 'differs'
    end as status
from joined
