{{ qbo_finance.qbo_transactions('estimates', 'Estimate', {
    'customer_id': 'CustomerRef.value',
    'class_id': 'ClassRef.value',
    'total_tax': 'cast(TxnTaxDetail.TotalTax as decimal(38, 9))',
    'status': 'TxnStatus'
}, home_total='HomeTotalAmt') }}
