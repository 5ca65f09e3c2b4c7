"""The treasurer's reports, a plain registry of report classes (STYLE.md: exports and documents).

Each report (`ReportSpec`) turns a unit and a period into a `Report`: columns, rows and totals read
from aggregate queries. finance/views/reports.py shows it as a page, a formatted .xlsx
(union_office.xlsx.write_report) or a PDF (union_office.pdf.render_pdf); docs/finance.md, "Reports".
"""

from .aid import AidUsage
from .base import DATA, SECTION, SUBTOTAL, Params, Report, ReportRow, ReportSpec, period_label
from .ledger import AccountLedger
from .statements import BudgetExecution, IncomeExpense

REPORTS: dict[str, ReportSpec] = {
    spec.key: spec for spec in (IncomeExpense(), BudgetExecution(), AccountLedger(), AidUsage())
}

__all__ = [
    "DATA",
    "REPORTS",
    "SECTION",
    "SUBTOTAL",
    "AccountLedger",
    "AidUsage",
    "BudgetExecution",
    "IncomeExpense",
    "Params",
    "Report",
    "ReportRow",
    "ReportSpec",
    "period_label",
]
