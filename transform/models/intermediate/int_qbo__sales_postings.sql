-- How QBO posts the sales side (debit positive; a credit memo or refund posts its invoice/receipt reversed):
--   Invoice:       Dr A/R total;                     Cr each item's income account; Dr discount; Cr sales tax
--   CreditMemo:    Cr A/R total;                     the invoice's lines reversed
--   SalesReceipt:  Dr deposit account (else Undeposited Funds) total; lines as an invoice
--   RefundReceipt: Cr deposit account total;         lines reversed
--   Payment:       Dr deposit account (else Undeposited Funds) total; Cr A/R total
{% set forms = [
    ('stg_qbo__invoices', 'stg_qbo__invoices_lines', 1, 'ar'),
    ('stg_qbo__credit_memos', 'stg_qbo__credit_memos_lines', -1, 'ar'),
    ('stg_qbo__sales_receipts', 'stg_qbo__sales_receipts_lines', 1, 'deposit'),
    ('stg_qbo__refund_receipts', 'stg_qbo__refund_receipts_lines', -1, 'deposit'),
] %}
with defaults as (
    select * from {{ ref('int_qbo__default_accounts') }}
),
items as (
    select realm_id, item_id, income_account_id from {{ ref('stg_qbo__items') }}
)
{% for header, lines, sign, side in forms %}
, form_{{ loop.index }}_total as (
    select {{ qbo_finance.leg('h',
        account_id=('coalesce(h.ar_account_id, d.ar_account_id)' if side == 'ar'
                    else 'coalesce(h.deposit_to_account_id, d.undeposited_funds_account_id)'),
        amount=sign ~ ' * h.total_amt', amount_home=sign ~ ' * h.home_total_amt', leg_kind='total',
        class_id='h.class_id', department_id='h.department_id', customer_id='h.customer_id') }}
    from {{ ref(header) }} as h
    left join defaults as d on d.realm_id = h.realm_id
)
, form_{{ loop.index }}_lines as (
    select {{ qbo_finance.leg('lines',
        account_id="case when lines.detail_type = 'DiscountLineDetail' then lines.discount_account_id
                         else i.income_account_id end",
        amount="case when lines.detail_type = 'DiscountLineDetail' then 1 else -1 end * " ~ sign ~ " * lines.amount",
        amount_home="case when lines.detail_type = 'DiscountLineDetail' then 1 else -1 end * " ~ sign
                    ~ " * lines.amount_home",
        line_id='lines.line_id', class_id='coalesce(lines.class_id, h.class_id)',
        department_id='h.department_id', customer_id='h.customer_id', item_id='lines.item_id',
        description='lines.description') }}
    from {{ ref(lines) }} as lines
    inner join {{ ref(header) }} as h on h.realm_id = lines.realm_id and h.txn_id = lines.txn_id
    left join items as i on i.realm_id = lines.realm_id and i.item_id = lines.item_id
    where lines.detail_type in ('SalesItemLineDetail', 'DiscountLineDetail')
)
, form_{{ loop.index }}_tax as (
    select {{ qbo_finance.leg('h',
        account_id='d.sales_tax_account_id', amount='-(' ~ sign ~ ') * h.total_tax',
        amount_home="-(" ~ sign ~ ") * cast(round(h.total_tax * h.exchange_rate, 2) as decimal(38, 9))",
        leg_kind='tax', class_id='h.class_id', department_id='h.department_id', customer_id='h.customer_id') }}
    from {{ ref(header) }} as h
    left join defaults as d on d.realm_id = h.realm_id
    where h.total_tax <> 0
)
{% endfor %}
, payment_legs as (
    select {{ qbo_finance.leg('p',
        account_id='coalesce(p.deposit_to_account_id, d.undeposited_funds_account_id)',
        amount='p.total_amt', amount_home='p.home_total_amt', leg_kind='total',
        department_id='p.department_id', customer_id='p.customer_id') }}
    from {{ ref('stg_qbo__payments') }} as p
    left join defaults as d on d.realm_id = p.realm_id
    union all
    select {{ qbo_finance.leg('p',
        account_id='coalesce(p.ar_account_id, d.ar_account_id)',
        amount='-p.total_amt', amount_home='-p.home_total_amt', leg_kind='ar',
        department_id='p.department_id', customer_id='p.customer_id') }}
    from {{ ref('stg_qbo__payments') }} as p
    left join defaults as d on d.realm_id = p.realm_id
)
{% for header, lines, sign, side in forms %}
select * from form_{{ loop.index }}_total
union all select * from form_{{ loop.index }}_lines
union all select * from form_{{ loop.index }}_tax
union all
{% endfor %}
select * from payment_legs
