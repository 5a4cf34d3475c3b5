-- One row per debit or credit leg, inferred from the synced transactions the way QBO posts them
-- (int_qbo__*_postings, converted to home currency in int_qbo__home_currency_legs). amount/debit/credit are in the transaction's currency, *_home in the company's home
-- currency; signed_amount is the home amount on the account's normal side (debit-normal assets and expenses
-- positive when debited, credit-normal liabilities, equity and income positive when credited), and
-- running_balance accumulates it per account in posting order.
with legs as (
    select * from {{ ref('int_qbo__home_currency_legs') }}
),
accounts as (
    select * from {{ ref('stg_qbo__accounts') }}
),
enriched as (
    select
        legs.*,
        {{ qbo_finance.month_start('legs.txn_date') }} as period_start,
        {{ qbo_finance.account_columns('a') }},
        a.is_payroll as is_payroll_account
    from legs
    left join accounts as a on a.realm_id = legs.realm_id and a.account_id = legs.account_id
    where legs.amount <> 0 or legs.amount_home <> 0
)
select
    {{ dbt.concat(["e.realm_id", "'-'", "e.txn_type", "'-'", "e.txn_id", "'-'", "e.leg_kind", "'-'",
                   "coalesce(e.line_id, '')"]) }} as gl_leg_id,
    e.realm_id,
    e.txn_type,
    e.txn_id,
    e.txn_date,
    e.period_start,
    e.line_id,
    e.leg_kind,
    e.account_id,
    e.account_name,
    e.account_number,
    e.account_type,
    e.account_sub_type,
    e.classification,
    e.class_id,
    c.class_name,
    e.department_id,
    dep.department_name,
    e.customer_id,
    cu.customer_name,
    e.vendor_id,
    v.vendor_name,
    e.employee_id,
    em.employee_name,
    e.item_id,
    e.description,
    e.amount,
    case when e.amount > 0 then e.amount else 0 end as debit,
    case when e.amount < 0 then -e.amount else 0 end as credit,
    e.amount_home,
    case when e.amount_home > 0 then e.amount_home else 0 end as debit_home,
    case when e.amount_home < 0 then -e.amount_home else 0 end as credit_home,
    e.normal_sign * e.amount_home as signed_amount,
    sum(e.normal_sign * e.amount_home) over (
        partition by e.realm_id, e.account_id
        order by e.txn_date, e.txn_type, e.txn_id, e.leg_kind, e.line_id
        rows between unbounded preceding and current row
    ) as running_balance,
    e.txn_type = 'JournalEntry' and max(
        case when e.is_payroll_account or e.employee_id is not null then 1 else 0 end
    ) over (partition by e.realm_id, e.txn_type, e.txn_id) = 1 as is_payroll
from enriched as e
left join {{ ref('stg_qbo__classes') }} as c on c.realm_id = e.realm_id and c.class_id = e.class_id
left join {{ ref('stg_qbo__departments') }} as dep
    on dep.realm_id = e.realm_id and dep.department_id = e.department_id
left join {{ ref('stg_qbo__customers') }} as cu on cu.realm_id = e.realm_id and cu.customer_id = e.customer_id
left join {{ ref('stg_qbo__vendors') }} as v on v.realm_id = e.realm_id and v.vendor_id = e.vendor_id
left join {{ ref('stg_qbo__employees') }} as em on em.realm_id = e.realm_id and em.employee_id = e.employee_id
