-- What the company owes vendors as of the `as_of_date` var (default today), home currency, with aging
-- buckets by days past due: bills less the bill payments applied to them by that date, and vendor credits
-- (negative) less what was applied of them. The total equals the A/P balance on the trial balance at that
-- date when A/P moves only through these documents.
{% set as_of = qbo_finance.as_of_date() %}
with applied as (
    select realm_id, linked_txn_type, linked_txn_id, sum(amount) as applied_amount
    from {{ ref('stg_qbo__bill_payments_linked_txns') }}
    where txn_date <= {{ as_of }}
    group by realm_id, linked_txn_type, linked_txn_id
),
documents as (
    select realm_id, 'Bill' as txn_type, txn_id, doc_number, txn_date, coalesce(due_date, txn_date) as due_date,
           vendor_id, currency, exchange_rate, total_amt, 1 as sign
    from {{ ref('stg_qbo__bills') }}
    union all
    select realm_id, 'VendorCredit', txn_id, doc_number, txn_date, txn_date, vendor_id, currency,
           exchange_rate, total_amt, -1
    from {{ ref('stg_qbo__vendor_credits') }}
),
open_items as (
    select
        d.realm_id, d.txn_type, d.txn_id, d.doc_number, d.txn_date, d.due_date, d.vendor_id, d.currency,
        d.exchange_rate,
        cast(d.sign * (d.total_amt - coalesce(a.applied_amount, 0)) as decimal(38, 9)) as open_amount
    from documents as d
    left join applied as a
        on a.realm_id = d.realm_id and a.linked_txn_type = d.txn_type and a.linked_txn_id = d.txn_id
    where d.txn_date <= {{ as_of }}
)
select
    o.realm_id,
    {{ as_of }} as as_of_date,
    o.txn_type,
    o.txn_id,
    o.doc_number,
    o.txn_date,
    o.due_date,
    o.vendor_id,
    v.vendor_name,
    o.currency,
    o.open_amount,
    cast(round(o.open_amount * o.exchange_rate, 2) as decimal(38, 9)) as open_amount_home,
    {{ dbt.datediff('o.due_date', as_of, 'day') }} as days_past_due,
    {{ qbo_finance.aging_bucket(dbt.datediff('o.due_date', as_of, 'day')) }} as aging_bucket
from open_items as o
left join {{ ref('stg_qbo__vendors') }} as v on v.realm_id = o.realm_id and v.vendor_id = o.vendor_id
where o.open_amount <> 0
