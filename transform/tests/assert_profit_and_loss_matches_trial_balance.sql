-- Each month's net income (P&L) equals the change in the trial balance's fiscal-year-to-date income and
-- expense accounts, so the statements are cut from the same ledger.
with pnl as (
    select realm_id, period_start, sum(net_income_effect) as net_income
    from {{ ref('profit_and_loss') }}
    group by realm_id, period_start
),
months as (
    select realm_id, period_start, -sum(movement) as net_income
    from {{ ref('int_qbo__account_months') }}
    where is_profit_and_loss
    group by realm_id, period_start
)
select m.realm_id, m.period_start, m.net_income as ledger_net_income, coalesce(p.net_income, 0) as pnl_net_income
from months as m
left join pnl as p on p.realm_id = m.realm_id and p.period_start = m.period_start
where m.net_income <> coalesce(p.net_income, 0)
