-- Open payables at as_of_date add up to the A/P balance in the ledger at that date. Warns rather than
-- fails: a journal entry straight to A/P moves the balance without an open document.
{{ config(severity='warn') }}
{% set as_of = qbo_finance.as_of_date() %}
with ledger as (
    select realm_id, -sum(amount_home) as ap_balance
    from {{ ref('general_ledger') }}
    where account_type = 'Accounts Payable' and txn_date <= {{ as_of }}
    group by realm_id
),
open_items as (
    select realm_id, sum(open_amount_home) as open_total from {{ ref('open_payables') }} group by realm_id
)
select l.realm_id, l.ap_balance, coalesce(o.open_total, 0) as open_total
from ledger as l
left join open_items as o on o.realm_id = l.realm_id
where l.ap_balance <> coalesce(o.open_total, 0)
