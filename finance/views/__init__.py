"""Finance screens: ledger.py (entries, months), budget.py, dues.py; reports in reports.py."""
