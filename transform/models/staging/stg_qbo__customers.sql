select
    realm_id,
    Id as customer_id,
    DisplayName as customer_name,
    coalesce(Active, true) as is_active
from {{ ref('base_qbo__customers') }}
