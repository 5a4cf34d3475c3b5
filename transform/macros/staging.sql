{#- Staging building blocks shared by every transaction entity: live rows only, QBO names mapped once. -#}

{#- Header columns of a transaction entity. `extra` maps output column -> SQL expression over the source row.
    `total` is the entity's total amount field; `home_total` its home-currency total where QBO sends one
    (HomeTotalAmt), else the total is converted at the transaction's rate, rounded to the cent as QBO does. -#}
{% macro qbo_transactions(table, txn_type, extra={}, total='TotalAmt', home_total=none) -%}
{%- set converted = qbo_finance.home(total, 'coalesce(ExchangeRate, 1)') -%}
select
    realm_id,
    Id as txn_id,
    '{{ txn_type }}' as txn_type,
    TxnDate as txn_date,
    DocNumber as doc_number,
    CurrencyRef.value as currency,
    cast(coalesce(ExchangeRate, 1) as decimal(38, 9)) as exchange_rate,
    {{ qbo_finance.money(total) }} as total_amt,
    {% if home_total -%}
    coalesce({{ qbo_finance.money(home_total) }}, {{ converted }})
    {%- else -%}
    {{ converted }}
    {%- endif %} as home_total_amt,
    DepartmentRef.value as department_id,
    PrivateNote as private_note,
    {%- for name, expr in extra.items() %}
    {{ expr }} as {{ name }},
    {%- endfor %}
    LastUpdatedTime as last_updated_at
from {{ ref('base_qbo__' ~ table) }}
{%- endmacro %}

{#- One row per element of a transaction's Line array, with every detail type's account/item/class/entity
    flattened into the same columns. Lines of soft-deleted transactions are excluded. -#}
{% macro qbo_lines(table, txn_type) -%}
with exploded as (
    select
        realm_id,
        Id as txn_id,
        TxnDate as txn_date,
        cast(coalesce(ExchangeRate, 1) as decimal(38, 9)) as exchange_rate,
        {{ qbo_finance.explode_with_index('Line', 'line') }}
    from {{ ref('base_qbo__' ~ table) }}
)
select
    realm_id,
    txn_id,
    '{{ txn_type }}' as txn_type,
    coalesce(line.Id, cast(line_index as {{ dbt.type_string() }})) as line_id,
    line_index,
    line.LineNum as line_num,
    line.DetailType as detail_type,
    line.Description as description,
    txn_date,
    {{ qbo_finance.money('line.Amount') }} as amount,
    {{ qbo_finance.home('line.Amount', 'exchange_rate') }} as amount_home,
    coalesce(
        line.SalesItemLineDetail.ItemRef.value,
        line.ItemBasedExpenseLineDetail.ItemRef.value,
        line.GroupLineDetail.GroupItemRef.value
    ) as item_id,
    coalesce(
        line.AccountBasedExpenseLineDetail.AccountRef.value,
        line.DepositLineDetail.AccountRef.value,
        line.JournalEntryLineDetail.AccountRef.value
    ) as account_id,
    line.DiscountLineDetail.DiscountAccountRef.value as discount_account_id,
    coalesce(
        line.SalesItemLineDetail.ClassRef.value,
        line.ItemBasedExpenseLineDetail.ClassRef.value,
        line.AccountBasedExpenseLineDetail.ClassRef.value,
        line.DepositLineDetail.ClassRef.value,
        line.JournalEntryLineDetail.ClassRef.value,
        line.DiscountLineDetail.ClassRef.value
    ) as class_id,
    line.JournalEntryLineDetail.DepartmentRef.value as department_id,
    line.JournalEntryLineDetail.PostingType as posting_type,
    coalesce(
        line.JournalEntryLineDetail.Entity.Type,
        line.DepositLineDetail.Entity.type,
        case when line.AccountBasedExpenseLineDetail.CustomerRef.value is not null
             or line.ItemBasedExpenseLineDetail.CustomerRef.value is not null then 'Customer' end
    ) as entity_type,
    coalesce(
        line.JournalEntryLineDetail.Entity.EntityRef.value,
        line.DepositLineDetail.Entity.value,
        line.AccountBasedExpenseLineDetail.CustomerRef.value,
        line.ItemBasedExpenseLineDetail.CustomerRef.value
    ) as entity_id,
    coalesce(line.SalesItemLineDetail.Qty, line.ItemBasedExpenseLineDetail.Qty) as quantity,
    coalesce(line.SalesItemLineDetail.UnitPrice, line.ItemBasedExpenseLineDetail.UnitPrice) as unit_price,
    coalesce(
        line.SalesItemLineDetail.TaxCodeRef.value,
        line.ItemBasedExpenseLineDetail.TaxCodeRef.value,
        line.AccountBasedExpenseLineDetail.TaxCodeRef.value
    ) as tax_code_id,
    line.LinkedTxn as linked_txns
from exploded
{%- endmacro %}

{#- One row per transaction a payment-like line is applied to (Payment, BillPayment, Deposit lines). -#}
{% macro qbo_linked_txns(table, txn_type) -%}
with lines as (
    select realm_id, txn_id, txn_date, line_id, amount, amount_home, linked_txns
    from {{ ref('stg_qbo__' ~ table ~ '_lines') }}
),
linked as (
    select
        realm_id, txn_id, txn_date, line_id, amount, amount_home,
        {{ qbo_finance.explode_with_index('linked_txns', 'linked') }}
    from lines
)
select
    realm_id,
    txn_id,
    '{{ txn_type }}' as txn_type,
    txn_date,
    line_id,
    line_index as link_index,
    linked.TxnType as linked_txn_type,
    linked.TxnId as linked_txn_id,
    amount,
    amount_home
from linked
{%- endmacro %}
