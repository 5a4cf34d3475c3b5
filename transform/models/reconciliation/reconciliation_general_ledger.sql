-- QBO's GeneralLedger report against our general_ledger, per realm, month, transaction and account: every
-- transaction QBO shows must be synced, with the same home-currency amount on each account. One row per
-- (transaction, account) on either side, over the months QBO's report covers; a lost entity row shows as
-- 'missing in ours', a changed amount or a wrong account as 'differs' on the accounts it moved between.
{{ config(enabled=qbo_finance.reports_enabled()) }}
with qbo as (
    select realm_id, period_start, period_end, txn_type, txn_id, account_id,
           max(account_name) as account_name, max(doc_number) as doc_number, sum(amount) as amount
    from {{ ref('stg_qbo__report_gl_lines') }}
    group by realm_id, period_start, period_end, txn_type, txn_id, account_id
),
periods as (
    select distinct realm_id, period_start, period_end from qbo
),
ours as (
    select gl.realm_id, p.period_start, p.period_end, gl.txn_type, gl.txn_id, gl.account_id,
           max(gl.account_name) as account_name, cast(null as {{ dbt.type_string() }}) as doc_number,
           sum(gl.amount_home) as amount
    from {{ ref('general_ledger') }} as gl
    inner join periods as p
        on p.realm_id = gl.realm_id and gl.txn_date between p.period_start and p.period_end
    group by gl.realm_id, p.period_start, p.period_end, gl.txn_type, gl.txn_id, gl.account_id
)
{{ qbo_finance.tieout_compare(
    'ours', 'qbo', ['realm_id', 'period_start', 'period_end', 'txn_type', 'txn_id', 'account_id'],
    carried=['account_name', 'doc_number'], constants={'report': "'GeneralLedger'", 'basis': "'Accrual'"}) }}
