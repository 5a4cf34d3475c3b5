{{ qbo_finance.qbo_transactions('credit_memos', 'CreditMemo', {
    'customer_id': 'CustomerRef.value',
    'class_id': 'ClassRef.value',
    'total_tax': 'cast(TxnTaxDetail.TotalTax as decimal(38, 9))',
    'ar_account_id': 'ARAccountRef.value',
    'remaining_credit': 'cast(RemainingCredit as decimal(38, 9))'
}, home_total='HomeTotalAmt') }}
