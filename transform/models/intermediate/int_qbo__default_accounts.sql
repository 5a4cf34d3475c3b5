-- Per realm, the accounts QBO posts to when a transaction does not name one: A/R and A/P (the first such
-- account by Id), Undeposited Funds (payments without DepositToAccountRef), Sales Tax Payable, Retained Earnings.
select
    realm_id,
    min(case when account_type = 'Accounts Receivable' then account_id end) as ar_account_id,
    min(case when account_type = 'Accounts Payable' then account_id end) as ap_account_id,
    min(case when account_sub_type = 'UndepositedFunds' then account_id end) as undeposited_funds_account_id,
    min(case when account_sub_type in ('SalesTaxPayable', 'GlobalTaxPayable') then account_id end)
        as sales_tax_account_id,
    min(case when account_sub_type = 'RetainedEarnings' then account_id end) as retained_earnings_account_id
from {{ ref('stg_qbo__accounts') }}
group by realm_id
