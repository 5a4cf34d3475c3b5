-- Trial balance at each month end, accrual basis, home currency: balance-sheet accounts at their balance to
-- date, income and expense accounts at their fiscal-year-to-date total, and earlier fiscal years' net income
-- closed into Retained Earnings (as QBO does at the fiscal year start). balance is debit-positive; every
-- month nets to zero (tests/assert_trial_balance_nets_to_zero.sql).
with months as (
    select * from {{ ref('int_qbo__account_months') }}
),
closed_profit as (
    -- Net income of the fiscal years before the month's, to be carried in Retained Earnings.
    select realm_id, period_start, sum(balance_to_date - fiscal_ytd) as prior_years
    from months
    where is_profit_and_loss
    group by realm_id, period_start
),
retained as (
    select realm_id, retained_earnings_account_id from {{ ref('int_qbo__default_accounts') }}
),
balances as (
    select
        m.*,
        cast(
            case when m.is_profit_and_loss then m.fiscal_ytd else m.balance_to_date end
            + case when m.account_id = r.retained_earnings_account_id then coalesce(cp.prior_years, 0) else 0 end
        as decimal(38, 9)) as balance
    from months as m
    left join retained as r on r.realm_id = m.realm_id
    left join closed_profit as cp on cp.realm_id = m.realm_id and cp.period_start = m.period_start
)
select
    {{ qbo_finance.statement_columns() }},
    classification,
    balance,
    case when balance > 0 then balance else 0 end as debit,
    case when balance < 0 then -balance else 0 end as credit
from balances
where balance <> 0
