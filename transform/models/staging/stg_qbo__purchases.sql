{{ qbo_finance.qbo_transactions('purchases', 'Purchase', {
    'payment_account_id': 'AccountRef.value',
    'payment_type': 'PaymentType',
    'entity_type': 'EntityRef.type',
    'entity_id': 'EntityRef.value',
    'is_credit': 'coalesce(Credit, false)',
    'total_tax': 'cast(TxnTaxDetail.TotalTax as decimal(38, 9))'
}) }}
