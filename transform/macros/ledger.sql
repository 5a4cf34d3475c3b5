{#- One general-ledger leg as a select list, so every posting rule yields the same columns in the same order.
    `amount` is debit-positive in the transaction's currency, `amount_home` in the company's home currency.
    `src` is the alias of the row with realm_id, txn_type, txn_id and txn_date. -#}
{% macro leg(src, account_id, amount, amount_home, leg_kind='line', line_id='null', class_id='null',
             department_id='null', customer_id='null', vendor_id='null', employee_id='null', item_id='null',
             description='null') -%}
    {{ src }}.realm_id,
    {{ src }}.txn_type,
    {{ src }}.txn_id,
    {{ src }}.txn_date,
    cast({{ line_id }} as {{ dbt.type_string() }}) as line_id,
    '{{ leg_kind }}' as leg_kind,
    cast({{ account_id }} as {{ dbt.type_string() }}) as account_id,
    cast({{ amount }} as decimal(38, 9)) as amount,
    cast({{ amount_home }} as decimal(38, 9)) as amount_home,
    cast({{ class_id }} as {{ dbt.type_string() }}) as class_id,
    cast({{ department_id }} as {{ dbt.type_string() }}) as department_id,
    cast({{ customer_id }} as {{ dbt.type_string() }}) as customer_id,
    cast({{ vendor_id }} as {{ dbt.type_string() }}) as vendor_id,
    cast({{ employee_id }} as {{ dbt.type_string() }}) as employee_id,
    cast({{ item_id }} as {{ dbt.type_string() }}) as item_id,
    cast({{ description }} as {{ dbt.type_string() }}) as description
{%- endmacro %}

{#- The entity of a journal or deposit line, by type. -#}
{% macro line_entity(kind) -%}
case when lines.entity_type = '{{ kind }}' then lines.entity_id end
{%- endmacro %}
