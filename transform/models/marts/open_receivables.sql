-- What customers owe as of the `as_of_date` var (default today), home currency, with aging buckets by days
-- past due: invoices less the payments applied to them by that date, credit memos less what was applied of
-- them, and payments not applied to anything (negative: credit the customer holds). The total equals the
-- A/R balance on the trial balance at that date when A/R moves only through these documents. Shared steps:
-- macros/open_items.sql.
{% set as_of = qbo_finance.as_of_date() %}
with applied as (
    {{ qbo_finance.open_items_applied('stg_qbo__payments_linked_txns', as_of) }}
),
payments_applied as (
    select
        realm_id, txn_id,
        sum(case when linked_txn_type = 'CreditMemo' then -amount else amount end) as applied_amount
    from {{ ref('stg_qbo__payments_linked_txns') }}
    group by realm_id, txn_id
),
documents as (
    select realm_id, 'Invoice' as txn_type, txn_id, doc_number, txn_date, due_date, customer_id, currency,
           exchange_rate, total_amt, 1 as sign
    from {{ ref('stg_qbo__invoices') }}
    union all
    select realm_id, 'CreditMemo', txn_id, doc_number, txn_date, txn_date, customer_id, currency,
           exchange_rate, total_amt, -1
    from {{ ref('stg_qbo__credit_memos') }}
),
open_documents as (
    {{ qbo_finance.open_documents('customer', as_of) }}
),
unapplied_payments as (
    select
        p.realm_id, 'Payment' as txn_type, p.txn_id, p.doc_number, p.txn_date, p.txn_date as due_date,
        p.customer_id, p.currency, p.exchange_rate,
        cast(-(p.total_amt - coalesce(pa.applied_amount, 0)) as decimal(38, 9)) as open_amount
    from {{ ref('stg_qbo__payments') }} as p
    left join payments_applied as pa on pa.realm_id = p.realm_id and pa.txn_id = p.txn_id
    where p.txn_date <= {{ as_of }}
),
open_items as (
    select * from open_documents
    union all
    select * from unapplied_payments
)
{{ qbo_finance.aged_open_items('customer', as_of) }}
