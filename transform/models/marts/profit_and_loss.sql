-- Profit and loss by month and account, accrual basis, home currency, in QBO's sections. amount is on the
-- report's side (income and other income positive when earned, costs and expenses positive when incurred);
-- net_income_effect is what the row adds to net income.
select
    {{ qbo_finance.statement_columns() }},
    case account_type
        when 'Income' then 'Income'
        when 'Cost of Goods Sold' then 'Cost of Goods Sold'
        when 'Other Income' then 'Other Income'
        when 'Other Expense' then 'Other Expenses'
        else 'Expenses'
    end as section,
    cast(normal_sign * movement as decimal(38, 9)) as amount,
    cast(-movement as decimal(38, 9)) as net_income_effect
from {{ ref('int_qbo__account_months') }}
where is_profit_and_loss and movement <> 0
