-- Journal entries that record payroll (any line on a payroll account sub-type, e.g. PayrollExpenses or
-- PayrollTaxPayable, or naming an employee), one row per leg, for the CFO's payroll view: gross wages,
-- employer taxes and benefits by department and month.
select
    realm_id,
    txn_id,
    txn_date,
    period_start,
    line_id,
    account_id,
    account_name,
    account_sub_type,
    department_id,
    department_name,
    employee_id,
    employee_name,
    description,
    debit_home,
    credit_home,
    amount_home
from {{ ref('general_ledger') }}
where is_payroll
