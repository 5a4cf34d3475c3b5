{#- QBO's report tables (source `qbo_reports`): whether the comparison runs, and whether a table is landed. -#}

{#- False only when the `reconcile_reports` var (env DBT_RECONCILE_REPORTS) is off. The default, `auto`,
    compares whatever report tables the tap has landed (report_source_exists) and nothing else. -#}
{% macro reports_enabled() -%}
  {{ return(var('reconcile_reports', 'auto') | string | lower not in ['false', '0', 'no', 'off']) }}
{%- endmacro %}

{#- True when source('qbo_reports', table) has been landed. Asked at run time only (parse time says true, so
    dbt records the dependency); a report stream the job deselected then reads as no rows, not an error. -#}
{% macro report_source_exists(table) %}
  {% if not execute %}{{ return(true) }}{% endif %}
  {% set node = graph.sources['source.qbo_finance.qbo_reports.' ~ table] %}
  {{ return(adapter.dispatch('report_source_exists', 'qbo_finance')(node)) }}
{% endmacro %}

{% macro default__report_source_exists(node) %}
  {% set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.identifier) %}
  {{ return(relation is not none) }}
{% endmacro %}

{#- dbt-duckdb reads the table from its Delta folder: it exists when the folder has a transaction log. -#}
{% macro duckdb__report_source_exists(node) %}
  {% set found = run_query("select count(*) from glob('" ~ node.meta.delta_table_path ~ "/_delta_log/*.json')") %}
  {{ return(found.columns[0].values()[0] > 0) }}
{% endmacro %}

{#- The rows of one report table that QBO still shows, or no rows when it is not landed: data rows (never
    QBO's subtotals) that are live and that the latest read of their window returned. A re-read window is
    QBO's whole answer for it, so a row an earlier read left behind (a deleted transaction, in a month whose
    earlier keys the tap's state no longer holds and so could not flag) is not QBO's figure any more.
    `columns`: (name, SQL over the report row, type) triples. -#}
{% macro report_rows(table, columns, where='true') -%}
{%- set landed = qbo_finance.report_source_exists(table) -%}
select
  {%- for name, expr, type in columns %}
    cast({{ expr if landed else 'null' }} as {{ type }}) as {{ name }}{{ "," if not loop.last }}
  {%- endfor %}
{%- if landed %}
from (
    select *, max(synced_at) over (partition by realm_id, basis, period_start) as window_read_at
    from {{ source('qbo_reports', table) }}
) as window_rows
where row_kind = 'data' and _sdc_deleted_at is null and synced_at = window_read_at and {{ where }}
{%- else %}
where 1 = 0
{%- endif %}
{%- endmacro %}

{#- The entity name (general_ledger.txn_type) of a transaction type as QBO's detail reports word it. -#}
{% macro gl_report_txn_type(column) -%}
case
    when {{ column }} like 'Bill Payment%' then 'BillPayment'
    when {{ column }} in ('Expense', 'Check', 'Cash Expense', 'Credit Card Expense', 'Credit Card Credit')
        then 'Purchase'
    when {{ column }} = 'Refund' then 'RefundReceipt'
    when {{ column }} = 'Credit Card Payment' then 'CreditCardPayment'
    else replace({{ column }}, ' ', '')
end
{%- endmacro %}
