-- Live rows of the landed table: soft-deleted rows (_sdc_deleted_at set) never reach a model.
{{ config(materialized='view') }}
select * from {{ source('quickbooks', 'credit_card_payments') }} where _sdc_deleted_at is null
