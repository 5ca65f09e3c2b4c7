"""Every write to the books, and the finance app's API for the other apps.

Other apps book through `finance.services` (`book_income`, `book_payout`, `bookkeeping_unit`, …)
and never reach into the modules below, so the split can change without touching them:
ledger.py (booking, reversing, closing a month, the opening balance, the budget and its
adjustments), dues.py (会费 batches, finance's own screens only). docs/finance.md explains the
rules.
"""

from .ledger import (
    APPROVE_BUDGET,
    BOOKKEEPING_KINDS,
    BUDGET,
    BUDGET_CHECK_MODES,
    CHANGE_LEDGER,
    FinanceError,
    LineValues,
    book_entry,
    book_income,
    book_payout,
    bookkeeping_unit,
    budget_adjust,
    budget_check_mode,
    budget_create,
    budget_perform,
    budget_problem,
    budget_save_lines,
    budget_transition,
    clean_amount,
    close_month,
    line_available,
    opening_balance_record,
    previous_year_actuals,
    require_bookkeeping_unit,
    resolve_account,
    reverse_entry,
    spent_on,
)

__all__ = [
    "APPROVE_BUDGET",
    "BOOKKEEPING_KINDS",
    "BUDGET",
    "BUDGET_CHECK_MODES",
    "CHANGE_LEDGER",
    "FinanceError",
    "LineValues",
    "book_entry",
    "book_income",
    "book_payout",
    "bookkeeping_unit",
    "budget_adjust",
    "budget_check_mode",
    "budget_create",
    "budget_perform",
    "budget_problem",
    "budget_save_lines",
    "budget_transition",
    "clean_amount",
    "close_month",
    "line_available",
    "opening_balance_record",
    "previous_year_actuals",
    "require_bookkeeping_unit",
    "resolve_account",
    "reverse_entry",
    "spent_on",
]
