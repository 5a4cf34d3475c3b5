{#- Generic test on `reconciliation`: every figure ties. A failure names the report, period, account (and, for
    the general ledger, the transaction) with both amounts. -#}
{% test ties_to_quickbooks(model) %}
select report, basis, period_start, period_end, account_id, account_name, txn_type, txn_id, doc_number,
       ours, qbo, difference, status
from {{ model }}
where status <> 'ties'
{% endtest %}
