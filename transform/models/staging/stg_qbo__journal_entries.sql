{{ qbo_finance.qbo_transactions('journal_entries', 'JournalEntry', {
    'is_adjustment': 'coalesce(Adjustment, false)',
    'total_amt': 'cast(TotalAmt as decimal(38, 9))',
    'home_total_amt': 'coalesce(cast(HomeTotalAmt as decimal(38, 9)), cast(round(cast(TotalAmt as decimal(38, 9)) * cast(coalesce(ExchangeRate, 1) as decimal(38, 9)), 2) as decimal(38, 9)))'
}) }}
