select
    realm_id,
    Id as department_id,
    FullyQualifiedName as department_name,
    coalesce(Active, true) as is_active
from {{ ref('base_qbo__departments') }}
