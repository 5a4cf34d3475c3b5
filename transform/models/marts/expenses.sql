-- Expenses (cost of goods sold, expenses, other expenses) by month, department, class, vendor and account,
-- home currency, debit-positive (a vendor credit or card refund reduces them). Payroll journal entries are
-- flagged so wages can be read apart from vendor spend.
select
    realm_id,
    period_start,
    department_id,
    department_name,
    class_id,
    class_name,
    vendor_id,
    vendor_name,
    account_id,
    account_name,
    account_type,
    is_payroll,
    cast(sum(amount_home) as decimal(38, 9)) as amount,
    count(distinct {{ dbt.concat(["txn_type", "'-'", "txn_id"]) }}) as transactions
from {{ ref('general_ledger') }}
where classification = 'Expense'
group by realm_id, period_start, department_id, department_name, class_id, class_name, vendor_id, vendor_name,
         account_id, account_name, account_type, is_payroll
