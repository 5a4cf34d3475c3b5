-- Double entry: every transaction's debits equal its credits, in its own currency and in home currency.
-- A row here names the transaction that does not balance and by how much.
select
    realm_id,
    txn_type,
    txn_id,
    min(txn_date) as txn_date,
    sum(amount) as difference,
    sum(amount_home) as difference_home
from {{ ref('general_ledger') }}
group by realm_id, txn_type, txn_id
having sum(amount) <> 0 or sum(amount_home) <> 0
