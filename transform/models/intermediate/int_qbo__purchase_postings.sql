-- How QBO posts the purchase side (debit positive; a vendor credit or a card credit posts reversed):
--   Bill:         Dr each line's expense account (account lines; item lines: the item's expense account); Cr A/P total
--   VendorCredit: the bill reversed
--   Purchase:     Dr each line's expense account; Cr the bank/card/cash account paid from (AccountRef) total
--   BillPayment:  Dr A/P total; Cr the bank account (check) or the card account (credit card) total
{% set forms = [
    ('stg_qbo__bills', 'stg_qbo__bills_lines', '1', 'coalesce(h.ap_account_id, d.ap_account_id)'),
    ('stg_qbo__vendor_credits', 'stg_qbo__vendor_credits_lines', '-1', 'coalesce(h.ap_account_id, d.ap_account_id)'),
    ('stg_qbo__purchases', 'stg_qbo__purchases_lines', 'case when h.is_credit then -1 else 1 end',
     'h.payment_account_id'),
] %}
{% set vendor = {'stg_qbo__purchases': "case when h.entity_type = 'Vendor' then h.entity_id end"} %}
{% set employee = {'stg_qbo__purchases': "case when h.entity_type = 'Employee' then h.entity_id end"} %}
with defaults as (
    select * from {{ ref('int_qbo__default_accounts') }}
),
items as (
    select realm_id, item_id, coalesce(expense_account_id, asset_account_id) as expense_account_id
    from {{ ref('stg_qbo__items') }}
)
{% for header, lines, sign, credit_account in forms %}
, form_{{ loop.index }}_total as (
    select {{ qbo_finance.leg('h',
        account_id=credit_account, amount='-(' ~ sign ~ ') * h.total_amt',
        amount_home='-(' ~ sign ~ ') * h.home_total_amt', leg_kind='total', department_id='h.department_id',
        vendor_id=vendor.get(header, 'h.vendor_id'), employee_id=employee.get(header, 'null'),
        customer_id=("case when h.entity_type = 'Customer' then h.entity_id end"
                     if header == 'stg_qbo__purchases' else 'null')) }}
    from {{ ref(header) }} as h
    left join defaults as d on d.realm_id = h.realm_id
)
, form_{{ loop.index }}_lines as (
    select {{ qbo_finance.leg('lines',
        account_id="coalesce(lines.account_id, i.expense_account_id)",
        amount='(' ~ sign ~ ') * lines.amount', amount_home='(' ~ sign ~ ') * lines.amount_home',
        line_id='lines.line_id', class_id='lines.class_id', department_id='h.department_id',
        customer_id=qbo_finance.line_entity('Customer'), vendor_id=vendor.get(header, 'h.vendor_id'),
        employee_id=employee.get(header, 'null'), item_id='lines.item_id', description='lines.description') }}
    from {{ ref(lines) }} as lines
    inner join {{ ref(header) }} as h on h.realm_id = lines.realm_id and h.txn_id = lines.txn_id
    left join items as i on i.realm_id = lines.realm_id and i.item_id = lines.item_id
    where lines.detail_type in ('AccountBasedExpenseLineDetail', 'ItemBasedExpenseLineDetail')
)
{% endfor %}
, bill_payment_legs as (
    select {{ qbo_finance.leg('p',
        account_id='coalesce(p.ap_account_id, d.ap_account_id)', amount='p.total_amt',
        amount_home='p.home_total_amt', leg_kind='ap', department_id='p.department_id', vendor_id='p.vendor_id') }}
    from {{ ref('stg_qbo__bill_payments') }} as p
    left join defaults as d on d.realm_id = p.realm_id
    union all
    select {{ qbo_finance.leg('p',
        account_id='p.payment_account_id', amount='-p.total_amt', amount_home='-p.home_total_amt',
        leg_kind='total', department_id='p.department_id', vendor_id='p.vendor_id') }}
    from {{ ref('stg_qbo__bill_payments') }} as p
)
{% for f in forms %}
select * from form_{{ loop.index }}_total
union all select * from form_{{ loop.index }}_lines
union all
{% endfor %}
select * from bill_payment_legs
