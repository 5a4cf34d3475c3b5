-- Revenue (income and other income) by month, customer and item, home currency, credit-positive (credit
-- memos and refunds reduce it).
select
    gl.realm_id,
    gl.period_start,
    gl.customer_id,
    gl.customer_name,
    gl.item_id,
    i.item_name,
    gl.account_id,
    gl.account_name,
    gl.class_id,
    gl.class_name,
    gl.department_id,
    gl.department_name,
    cast(-sum(gl.amount_home) as decimal(38, 9)) as amount,
    count(distinct {{ dbt.concat(["gl.txn_type", "'-'", "gl.txn_id"]) }}) as transactions
from {{ ref('general_ledger') }} as gl
left join {{ ref('stg_qbo__items') }} as i on i.realm_id = gl.realm_id and i.item_id = gl.item_id
where gl.classification = 'Revenue'
group by gl.realm_id, gl.period_start, gl.customer_id, gl.customer_name, gl.item_id, i.item_name, gl.account_id,
         gl.account_name, gl.class_id, gl.class_name, gl.department_id, gl.department_name
