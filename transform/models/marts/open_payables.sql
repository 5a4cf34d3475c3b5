-- What the company owes vendors as of the `as_of_date` var (default today), home currency, with aging
-- buckets by days past due: bills less the bill payments applied to them by that date, and vendor credits
-- (negative) less what was applied of them. The total equals the A/P balance on the trial balance at that
-- date when A/P moves only through these documents. Shared steps: macros/open_items.sql.
{% set as_of = qbo_finance.as_of_date() %}
with applied as (
    {{ qbo_finance.open_items_applied('stg_qbo__bill_payments_linked_txns', as_of) }}
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
    {{ qbo_finance.open_documents('vendor', as_of) }}
)
{{ qbo_finance.aged_open_items('vendor', as_of) }}
