{#- Generic test on `reconciliation`: every figure ties. A failure lists report, period, account and amounts. -#}
{% test ties_to_quickbooks(model) %}
select report, basis, period_start, period_end, account_id, account_name, ours, qbo, difference, status
from {{ model }}
where status <> 'ties'
{% endtest %}
