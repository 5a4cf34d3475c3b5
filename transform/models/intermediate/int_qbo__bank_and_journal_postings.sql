-- How QBO posts deposits, transfers and journal entries (debit positive):
--   Deposit:      Dr the deposit account total; Dr the cash-back account (cash back); Cr each line's account,
--                 or Undeposited Funds for a line that deposits an earlier payment or receipt (LinkedTxn)
--   Transfer:     Dr ToAccountRef; Cr FromAccountRef
--   CreditCardPayment: Dr CreditCardAccountRef (the card's balance falls); Cr BankAccountRef
--   JournalEntry: each line as posted (PostingType Debit / Credit), with its own entity, class and department
with defaults as (
    select * from {{ ref('int_qbo__default_accounts') }}
),
deposit_total as (
    select {{ qbo_finance.leg('h', account_id='h.deposit_to_account_id', amount='h.total_amt',
        amount_home='h.home_total_amt', leg_kind='total', department_id='h.department_id') }}
    from {{ ref('stg_qbo__deposits') }} as h
),
deposit_cash_back as (
    select {{ qbo_finance.leg('h', account_id='h.cash_back_account_id', amount='h.cash_back_amount',
        amount_home="cast(round(h.cash_back_amount * h.exchange_rate, 2) as decimal(38, 9))",
        leg_kind='cash_back', department_id='h.department_id') }}
    from {{ ref('stg_qbo__deposits') }} as h
    where h.cash_back_amount <> 0
),
deposit_lines as (
    select {{ qbo_finance.leg('lines',
        account_id="case when lines.account_id is null and " ~ qbo_finance.array_size('lines.linked_txns')
                   ~ " > 0 then d.undeposited_funds_account_id else lines.account_id end",
        amount='-lines.amount', amount_home='-lines.amount_home', line_id='lines.line_id',
        class_id='lines.class_id', department_id='h.department_id',
        customer_id=qbo_finance.line_entity('Customer'), vendor_id=qbo_finance.line_entity('Vendor'),
        employee_id=qbo_finance.line_entity('Employee'), description='lines.description') }}
    from {{ ref('stg_qbo__deposits_lines') }} as lines
    inner join {{ ref('stg_qbo__deposits') }} as h on h.realm_id = lines.realm_id and h.txn_id = lines.txn_id
    left join defaults as d on d.realm_id = lines.realm_id
),
transfer_legs as (
    select {{ qbo_finance.leg('t', account_id='t.to_account_id', amount='t.total_amt',
        amount_home='t.home_total_amt', leg_kind='to', class_id='t.class_id', department_id='t.department_id') }}
    from {{ ref('stg_qbo__transfers') }} as t
    union all
    select {{ qbo_finance.leg('t', account_id='t.from_account_id', amount='-t.total_amt',
        amount_home='-t.home_total_amt', leg_kind='from', class_id='t.class_id',
        department_id='t.department_id') }}
    from {{ ref('stg_qbo__transfers') }} as t
),
card_payment_legs as (
    select {{ qbo_finance.leg('c', account_id='c.credit_card_account_id', amount='c.total_amt',
        amount_home='c.home_total_amt', leg_kind='card', vendor_id='c.vendor_id',
        department_id='c.department_id') }}
    from {{ ref('stg_qbo__credit_card_payments') }} as c
    union all
    select {{ qbo_finance.leg('c', account_id='c.bank_account_id', amount='-c.total_amt',
        amount_home='-c.home_total_amt', leg_kind='bank', vendor_id='c.vendor_id',
        department_id='c.department_id') }}
    from {{ ref('stg_qbo__credit_card_payments') }} as c
),
journal_legs as (
    select {{ qbo_finance.leg('lines', account_id='lines.account_id',
        amount="case when lines.posting_type = 'Credit' then -1 else 1 end * lines.amount",
        amount_home="case when lines.posting_type = 'Credit' then -1 else 1 end * lines.amount_home",
        line_id='lines.line_id', class_id='lines.class_id',
        department_id='coalesce(lines.department_id, h.department_id)',
        customer_id=qbo_finance.line_entity('Customer'), vendor_id=qbo_finance.line_entity('Vendor'),
        employee_id=qbo_finance.line_entity('Employee'), description='lines.description') }}
    from {{ ref('stg_qbo__journal_entries_lines') }} as lines
    inner join {{ ref('stg_qbo__journal_entries') }} as h
        on h.realm_id = lines.realm_id and h.txn_id = lines.txn_id
    where lines.detail_type = 'JournalEntryLineDetail'
)
select * from deposit_total
union all select * from deposit_cash_back
union all select * from deposit_lines
union all select * from transfer_legs
union all select * from card_payment_legs
union all select * from journal_legs
