-- Every posting rule's legs, with home-currency amounts as QBO books a foreign-currency transaction
-- (a multicurrency company; gen_fx.py in the QBO emulator shows the same rules):
-- 1. A Payment (BillPayment) clears A/R (A/P) at the exchange rate of the invoice (bill) it pays, the first
--    one it links to, and moves money at its own rate; the difference is the realised exchange gain
--    (credit) or loss (debit), a leg of its own on the realm's Exchange Gain or Loss account.
-- 2. Any other transaction converts each amount at its own rate, rounded to the cent; the cents the
--    rounding leaves go to its first leg that is not A/R or A/P, so A/R and A/P equal the document's home
--    total. Only a rounding rest (at most half a cent a leg) is moved: a bigger gap is a missing posting
--    rule, and assert_transactions_balance must still see it.
-- Home-currency transactions (every amount equal to its home amount) pass through unchanged.
with legs as (
    select * from {{ ref('int_qbo__sales_postings') }}
    union all select * from {{ ref('int_qbo__purchase_postings') }}
    union all select * from {{ ref('int_qbo__bank_and_journal_postings') }}
),
accounts as (
    select realm_id, account_id, account_type, account_sub_type from {{ ref('stg_qbo__accounts') }}
),
documents as (
    select realm_id, 'Invoice' as txn_type, txn_id, exchange_rate from {{ ref('stg_qbo__invoices') }}
    union all
    select realm_id, 'Bill', txn_id, exchange_rate from {{ ref('stg_qbo__bills') }}
),
links as (
    select realm_id, txn_type, txn_id, line_id, link_index, linked_txn_type, linked_txn_id
    from {{ ref('stg_qbo__payments_linked_txns') }} where linked_txn_type = 'Invoice'
    union all
    select realm_id, txn_type, txn_id, line_id, link_index, linked_txn_type, linked_txn_id
    from {{ ref('stg_qbo__bill_payments_linked_txns') }} where linked_txn_type = 'Bill'
),
settled_rates as (
    select realm_id, txn_type, txn_id, exchange_rate
    from (
        select l.realm_id, l.txn_type, l.txn_id, d.exchange_rate,
               row_number() over (partition by l.realm_id, l.txn_type, l.txn_id
                                  order by length(l.line_id), l.line_id, l.link_index) as n
        from links as l
        inner join documents as d
            on d.realm_id = l.realm_id and d.txn_type = l.linked_txn_type and d.txn_id = l.linked_txn_id
    ) as ranked
    where n = 1
),
settled as (
    -- Rule 1's A/R (A/P) leg at the paid document's rate.
    select
        legs.realm_id, legs.txn_type, legs.txn_id, legs.txn_date, legs.line_id, legs.leg_kind, legs.account_id,
        legs.amount,
        case when legs.leg_kind in ('ar', 'ap') and r.exchange_rate is not null
             then {{ qbo_finance.home('legs.amount', 'r.exchange_rate') }} else legs.amount_home end as amount_home,
        legs.class_id, legs.department_id, legs.customer_id, legs.vendor_id, legs.employee_id, legs.item_id,
        legs.description,
        a.account_type,
        sum(case when legs.amount <> legs.amount_home then 1 else 0 end)
            over (partition by legs.realm_id, legs.txn_type, legs.txn_id) > 0 as is_foreign
    from legs
    left join settled_rates as r
        on r.realm_id = legs.realm_id and r.txn_type = legs.txn_type and r.txn_id = legs.txn_id
    left join accounts as a on a.realm_id = legs.realm_id and a.account_id = legs.account_id
),
rests as (
    select
        *,
        -sum(amount_home) over (partition by realm_id, txn_type, txn_id) as rest,
        count(*) over (partition by realm_id, txn_type, txn_id) as leg_count,
        row_number() over (
            partition by realm_id, txn_type, txn_id
            order by case when account_type in ('Accounts Receivable', 'Accounts Payable') then 1 else 0 end,
                     case leg_kind when 'total' then 0 when 'line' then 1 else 2 end,
                     length(line_id), line_id
        ) as rest_rank
    from settled
),
fx_accounts as (
    select realm_id, min(account_id) as account_id
    from accounts where account_sub_type = 'ExchangeGainOrLoss' group by realm_id
)
select
    realm_id, txn_type, txn_id, txn_date, line_id, leg_kind, account_id, amount,
    cast(amount_home + case
        when is_foreign and rest_rank = 1 and txn_type not in ('Payment', 'BillPayment')
             and abs(rest) <= 0.005 * leg_count then rest else 0 end as decimal(38, 9)) as amount_home,
    class_id, department_id, customer_id, vendor_id, employee_id, item_id, description
from rests
union all
select {{ qbo_finance.leg('g', 'fx.account_id', '0', 'g.rest', leg_kind='fx_gain_loss',
                          customer_id='g.customer_id', vendor_id='g.vendor_id') }}
from (
    select distinct realm_id, txn_type, txn_id, txn_date, rest, customer_id, vendor_id
    from rests
    where is_foreign and rest <> 0 and txn_type in ('Payment', 'BillPayment') and leg_kind in ('ar', 'ap')
) as g
left join fx_accounts as fx on fx.realm_id = g.realm_id
