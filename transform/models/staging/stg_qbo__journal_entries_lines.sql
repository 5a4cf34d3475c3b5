{{ qbo_finance.qbo_lines('journal_entries', 'JournalEntry') }}
