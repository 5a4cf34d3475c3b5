{{ qbo_finance.qbo_linked_txns('bill_payments', 'BillPayment') }}
