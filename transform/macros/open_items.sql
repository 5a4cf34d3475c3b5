{#- The building blocks open_receivables and open_payables share: what was applied to each document by the
    as-of date, what is still open of each, and the aged rows. The callers' CTEs are `documents` (realm_id,
    txn_type, txn_id, doc_number, txn_date, due_date, <party>_id, currency, exchange_rate, total_amt, sign)
    and, for the last step, `open_items`. -#}

{#- Per linked document: the amount the payments (`linked_model`) dated by `as_of` applied to it. -#}
{% macro open_items_applied(linked_model, as_of) -%}
    select realm_id, linked_txn_type, linked_txn_id, sum(amount) as applied_amount
    from {{ ref(linked_model) }}
    where txn_date <= {{ as_of }}
    group by realm_id, linked_txn_type, linked_txn_id
{%- endmacro %}

{#- Each document dated by `as_of` with its open amount (credits negative), from CTEs documents and applied. -#}
{% macro open_documents(party, as_of) -%}
    select
        d.realm_id, d.txn_type, d.txn_id, d.doc_number, d.txn_date, d.due_date, d.{{ party }}_id, d.currency,
        d.exchange_rate,
        cast(d.sign * (d.total_amt - coalesce(a.applied_amount, 0)) as decimal(38, 9)) as open_amount
    from documents as d
    left join applied as a
        on a.realm_id = d.realm_id and a.linked_txn_type = d.txn_type and a.linked_txn_id = d.txn_id
    where d.txn_date <= {{ as_of }}
{%- endmacro %}

{#- The aged rows of CTE open_items: home amount at the document's rate, days past due and QBO's bucket. -#}
{% macro aged_open_items(party, as_of) -%}
select
    o.realm_id,
    {{ as_of }} as as_of_date,
    o.txn_type,
    o.txn_id,
    o.doc_number,
    o.txn_date,
    o.due_date,
    o.{{ party }}_id,
    p.{{ party }}_name,
    o.currency,
    o.open_amount,
    {{ qbo_finance.home('o.open_amount', 'o.exchange_rate') }} as open_amount_home,
    {{ dbt.datediff('o.due_date', as_of, 'day') }} as days_past_due,
    {{ qbo_finance.aging_bucket(dbt.datediff('o.due_date', as_of, 'day')) }} as aging_bucket
from open_items as o
left join {{ ref('stg_qbo__' ~ party ~ 's') }} as p on p.realm_id = o.realm_id and p.{{ party }}_id = o.{{ party }}_id
where o.open_amount <> 0
{%- endmacro %}

{#- Data test body: the open documents at as_of_date add up to the ledger's balance of `account_type`
    (`sign` turns the debit-positive ledger into the open items' side). A row names the realm and both totals. -#}
{% macro open_items_match_ledger(account_type, sign, open_model, balance_name) -%}
{% set as_of = qbo_finance.as_of_date() %}
with ledger as (
    select realm_id, {{ sign }} * sum(amount_home) as {{ balance_name }}
    from {{ ref('general_ledger') }}
    where account_type = '{{ account_type }}' and txn_date <= {{ as_of }}
    group by realm_id
),
open_items as (
    select realm_id, sum(open_amount_home) as open_total from {{ ref(open_model) }} group by realm_id
)
select l.realm_id, l.{{ balance_name }}, coalesce(o.open_total, 0) as open_total
from ledger as l
left join open_items as o on o.realm_id = l.realm_id
where l.{{ balance_name }} <> coalesce(o.open_total, 0)
{%- endmacro %}
