select
    realm_id,
    Id as employee_id,
    DisplayName as employee_name,
    coalesce(Active, true) as is_active
from {{ ref('base_qbo__employees') }}
