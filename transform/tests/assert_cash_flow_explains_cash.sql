-- Net income plus the operating, investing and financing adjustments equal the change in Bank accounts.
select
    realm_id,
    period_end,
    sum(case when activity <> 'Net change in cash' then amount else 0 end) as explained,
    sum(case when activity = 'Net change in cash' then amount else 0 end) as change_in_cash
from {{ ref('cash_flow') }}
group by realm_id, period_end
having sum(case when activity <> 'Net change in cash' then amount else -amount end) <> 0
