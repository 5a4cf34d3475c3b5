-- Assets = liabilities + equity (net income included) at every month end, per realm.
select
    realm_id,
    period_end,
    sum(case when section = 'Assets' then amount else 0 end) as assets,
    sum(case when section <> 'Assets' then amount else 0 end) as liabilities_and_equity
from {{ ref('balance_sheet') }}
group by realm_id, period_end
having sum(case when section = 'Assets' then amount else -amount end) <> 0
