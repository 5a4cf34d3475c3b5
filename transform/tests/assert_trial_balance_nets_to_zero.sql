-- Every month's trial balance nets to zero (debits = credits), per realm.
select realm_id, period_end, sum(debit) as debits, sum(credit) as credits, sum(balance) as difference
from {{ ref('trial_balance') }}
group by realm_id, period_end
having sum(balance) <> 0
