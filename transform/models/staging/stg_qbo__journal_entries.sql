{{ qbo_finance.qbo_transactions('journal_entries', 'JournalEntry', {
    'is_adjustment': 'coalesce(Adjustment, false)'
}, home_total='HomeTotalAmt') }}
