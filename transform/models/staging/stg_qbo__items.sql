select
    realm_id,
    Id as item_id,
    Name as item_name,
    FullyQualifiedName as item_full_name,
    Type as item_type,
    IncomeAccountRef.value as income_account_id,
    ExpenseAccountRef.value as expense_account_id,
    AssetAccountRef.value as asset_account_id,
    coalesce(Active, true) as is_active
from {{ ref('base_qbo__items') }}
