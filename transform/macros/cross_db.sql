{#- The few places where DuckDB and Databricks SQL differ, dispatched per adapter (default = Databricks/Spark). -#}

{#- Select-list columns that turn one row into one row per element of an array column:
    `line_index` (0-based position) and `<alias>` (the element). -#}
{% macro explode_with_index(column, alias) %}
  {{ return(adapter.dispatch('explode_with_index', 'qbo_finance')(column, alias)) }}
{% endmacro %}

{% macro default__explode_with_index(column, alias) -%}
  posexplode({{ column }}) as (line_index, {{ alias }})
{%- endmacro %}

{% macro duckdb__explode_with_index(column, alias) -%}
  generate_subscripts({{ column }}, 1) - 1 as line_index, unnest({{ column }}) as {{ alias }}
{%- endmacro %}

{#- A one-column query (period_start) with the first day of every month from start to end, inclusive. -#}
{% macro month_spine(start_date, end_date) %}
  {{ return(adapter.dispatch('month_spine', 'qbo_finance')(start_date, end_date)) }}
{% endmacro %}

{% macro default__month_spine(start_date, end_date) -%}
  select explode(sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 month))
    as period_start
{%- endmacro %}

{% macro duckdb__month_spine(start_date, end_date) -%}
  select cast(unnest(generate_series(cast({{ start_date }} as date), cast({{ end_date }} as date),
    interval 1 month)) as date) as period_start
{%- endmacro %}

{#- Exact money: every amount is DECIMAL(38, 9) (what the target lands), never a float. -#}
{% macro money(expr) -%}
  cast({{ expr }} as decimal(38, 9))
{%- endmacro %}

{#- Home-currency amount of a transaction-currency amount: QBO rounds each converted amount to the cent. -#}
{% macro home(amount, rate) -%}
  cast(round(cast({{ amount }} as decimal(38, 9)) * cast({{ rate }} as decimal(38, 9)), 2) as decimal(38, 9))
{%- endmacro %}

{% macro month_start(expr) -%}
  cast({{ dbt.date_trunc('month', expr) }} as date)
{%- endmacro %}

{% macro month_end(expr) -%}
  cast({{ dbt.last_day(expr, 'month') }} as date)
{%- endmacro %}

{#- The as-of date for aging: the `as_of_date` var, or today. -#}
{% macro as_of_date() -%}
  {%- set value = var('as_of_date', '') -%}
  {%- if value -%} cast('{{ value }}' as date) {%- else -%} current_date {%- endif -%}
{%- endmacro %}

{#- Number of elements of an array column (0 for NULL). -#}
{% macro array_size(column) %}
  {{ return(adapter.dispatch('array_size', 'qbo_finance')(column)) }}
{% endmacro %}

{% macro default__array_size(column) -%}
  coalesce(greatest(size({{ column }}), 0), 0)
{%- endmacro %}

{% macro duckdb__array_size(column) -%}
  coalesce(len({{ column }}), 0)
{%- endmacro %}

{#- QBO's aging columns: Current, 1-30, 31-60, 61-90, 91 and over (days past due). -#}
{% macro aging_bucket(days_past_due) -%}
  case
    when {{ days_past_due }} <= 0 then 'Current'
    when {{ days_past_due }} <= 30 then '1-30'
    when {{ days_past_due }} <= 60 then '31-60'
    when {{ days_past_due }} <= 90 then '61-90'
    else '91 and over'
  end
{%- endmacro %}
