-- Statement of cash flows by month (indirect method, home currency), as QBO builds it from account types:
-- net income, then the change in every non-cash balance-sheet account classed as operating (A/R, other
-- current assets, A/P, credit cards, other current liabilities), investing (fixed and other assets) or
-- financing (long-term liabilities, equity). amount is the cash effect; per month the rows add up to the
-- change in Bank accounts, given as the 'Net change in cash' row (tests/assert_cash_flow_explains_cash.sql).
with months as (
    select * from {{ ref('int_qbo__account_months') }}
),
adjustments as (
    select
        realm_id, period_start, period_end,
        case
            when account_type in ('Fixed Asset', 'Other Asset') then 'Investing'
            when account_type in ('Long Term Liability', 'Equity') then 'Financing'
            else 'Operating'
        end as activity,
        account_id,
        account_name,
        cast(-movement as decimal(38, 9)) as amount
    from months
    where not is_profit_and_loss and account_type <> 'Bank' and movement <> 0
),
net_income as (
    select
        realm_id, period_start, period_end, 'Operating' as activity,
        cast(null as {{ dbt.type_string() }}) as account_id, 'Net Income' as account_name,
        cast(-sum(movement) as decimal(38, 9)) as amount
    from months
    where is_profit_and_loss
    group by realm_id, period_start, period_end
),
cash as (
    select
        realm_id, period_start, period_end, 'Net change in cash' as activity,
        cast(null as {{ dbt.type_string() }}) as account_id, 'Net change in cash' as account_name,
        cast(sum(movement) as decimal(38, 9)) as amount
    from months
    where account_type = 'Bank'
    group by realm_id, period_start, period_end
)
select * from net_income
union all select * from adjustments
union all select * from cash
