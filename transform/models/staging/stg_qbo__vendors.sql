select
    realm_id,
    Id as vendor_id,
    DisplayName as vendor_name,
    coalesce(Active, true) as is_active
from {{ ref('base_qbo__vendors') }}
