{#- Column lists the ledger models and statements share, so each is written once. -#}

{#- An account's descriptive columns from stg_qbo__accounts (alias `a`), as carried into the ledger. -#}
{% macro account_columns(alias='a') -%}
        {{ alias }}.account_name,
        {{ alias }}.account_number,
        {{ alias }}.account_type,
        {{ alias }}.account_sub_type,
        {{ alias }}.classification,
        {{ alias }}.normal_sign
{%- endmacro %}

{#- The leading columns of a monthly statement row (trial balance, P&L): realm, basis, period and account. -#}
{% macro statement_columns() -%}
    realm_id,
    'Accrual' as basis,
    period_start,
    period_end,
    account_id,
    account_name,
    account_number,
    account_type
{%- endmacro %}
