-- Per realm, account and month (from the first month with a posting through the current month, or the
-- as_of_date's if later: QBO's reports show balances in months without activity too): the month's net debit
-- movement in home currency, the balance to date, and the movement since the start of the fiscal year the
-- month falls in (fiscal year start month from stg_qbo__company).
with gl as (
    select realm_id, account_id, period_start, sum(amount_home) as movement
    from {{ ref('general_ledger') }}
    group by realm_id, account_id, period_start
),
bounds as (
    select
        min(period_start) as first_month,
        greatest(max(period_start), {{ qbo_finance.month_start('current_date') }},
                 {{ qbo_finance.month_start(qbo_finance.as_of_date()) }}) as last_month
    from gl
),
months as (
    {{ qbo_finance.month_spine('(select first_month from bounds)', '(select last_month from bounds)') }}
),
realm_months as (
    select r.realm_id, r.first_month, m.period_start
    from (select realm_id, min(period_start) as first_month from gl group by realm_id) as r
    inner join months as m on m.period_start >= r.first_month
),
grid as (
    select
        rm.realm_id,
        rm.period_start,
        a.account_id,
        {{ qbo_finance.account_columns('a') }},
        a.is_profit_and_loss,
        coalesce(c.fiscal_year_start_month, 1) as fiscal_year_start_month
    from realm_months as rm
    inner join {{ ref('stg_qbo__accounts') }} as a on a.realm_id = rm.realm_id
    left join {{ ref('stg_qbo__company') }} as c on c.realm_id = rm.realm_id
),
with_movement as (
    select
        grid.*,
        cast({{ dbt.dateadd('month', 'grid.fiscal_year_start_month - 1',
            dbt.date_trunc('year', dbt.dateadd('month', '1 - grid.fiscal_year_start_month', 'grid.period_start')))
        }} as date) as fiscal_year_start,
        cast(coalesce(gl.movement, 0) as decimal(38, 9)) as movement
    from grid
    left join gl
        on gl.realm_id = grid.realm_id and gl.account_id = grid.account_id and gl.period_start = grid.period_start
)
select
    realm_id,
    period_start,
    {{ qbo_finance.month_end('period_start') }} as period_end,
    fiscal_year_start,
    account_id,
    account_name,
    account_number,
    account_type,
    account_sub_type,
    classification,
    normal_sign,
    is_profit_and_loss,
    movement,
    cast(sum(movement) over (
        partition by realm_id, account_id order by period_start rows between unbounded preceding and current row
    ) as decimal(38, 9)) as balance_to_date,
    cast(sum(movement) over (
        partition by realm_id, account_id, fiscal_year_start order by period_start
        rows between unbounded preceding and current row
    ) as decimal(38, 9)) as fiscal_ytd
from with_movement
