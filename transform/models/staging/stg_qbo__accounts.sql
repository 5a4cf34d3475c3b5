-- The chart of accounts. normal_sign is +1 for accounts whose balance is a debit (assets, expenses) and -1
-- for credit-normal ones (liabilities, equity, income), so signed_amount = debit-positive amount * normal_sign.
select
    realm_id,
    Id as account_id,
    Name as account_name,
    FullyQualifiedName as account_full_name,
    AcctNum as account_number,
    ParentRef.value as parent_account_id,
    Classification as classification,
    AccountType as account_type,
    AccountSubType as account_sub_type,
    CurrencyRef.value as currency,
    coalesce(Active, true) as is_active,
    case when Classification in ('Asset', 'Expense') then 1 else -1 end as normal_sign,
    Classification in ('Revenue', 'Expense') as is_profit_and_loss,
    AccountSubType in (
        'PayrollExpenses', 'PayrollTaxPayable', 'PayrollClearing', 'PayrollWageExpenses',
        'PayrollTaxExpenses', 'PayrollExpenseReimbursements', 'OfficersCompensation'
    ) as is_payroll
from {{ ref('base_qbo__accounts') }}
