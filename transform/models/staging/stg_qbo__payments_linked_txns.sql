{{ qbo_finance.qbo_linked_txns('payments', 'Payment') }}
