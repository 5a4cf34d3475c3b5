select
    realm_id,
    Id as class_id,
    FullyQualifiedName as class_name,
    coalesce(Active, true) as is_active
from {{ ref('base_qbo__classes') }}
