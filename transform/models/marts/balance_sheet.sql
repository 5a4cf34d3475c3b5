-- Balance sheet at each month end, accrual basis, home currency. amount is on the account's normal side
-- (assets debit-positive; liabilities and equity credit-positive). Retained Earnings carries earlier fiscal
-- years' net income; this fiscal year's is the 'Net Income' row (account_id NULL) under Equity, as in QBO.
-- Per month, assets = liabilities + equity (tests/assert_balance_sheet_balances.sql).
with tb as (
    select * from {{ ref('trial_balance') }}
),
accounts as (
    select
        realm_id, basis, period_start, period_end, account_id, account_name, account_number, account_type,
        classification,
        cast(case when classification = 'Asset' then balance else -balance end as decimal(38, 9)) as amount
    from tb
    where classification in ('Asset', 'Liability', 'Equity')
),
net_income as (
    select
        realm_id, basis, period_start, period_end,
        cast(null as {{ dbt.type_string() }}) as account_id,
        'Net Income' as account_name,
        cast(null as {{ dbt.type_string() }}) as account_number,
        'Equity' as account_type,
        'Equity' as classification,
        cast(-sum(balance) as decimal(38, 9)) as amount
    from tb
    where classification in ('Revenue', 'Expense')
    group by realm_id, basis, period_start, period_end
)
select
    *,
    case classification when 'Asset' then 'Assets' when 'Liability' then 'Liabilities' else 'Equity' end
        as section
from (
    select * from accounts
    union all
    select * from net_income
) as rows
