{{ qbo_finance.qbo_linked_txns('deposits', 'Deposit') }}
