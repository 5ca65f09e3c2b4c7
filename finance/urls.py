from django.urls import path

from .views import budget, dues, ledger, opening, reports

app_name = "finance"
urlpatterns = [
    path("", ledger.entry_list, name="index"),
    path("entries/new/", ledger.entry_create, name="entry_create"),
    path("entries/<int:pk>/", ledger.entry_detail, name="entry_detail"),
    path("entries/<int:pk>/reverse/", ledger.entry_reverse, name="entry_reverse"),
    path("months/", ledger.month_list, name="months"),
    path("months/close/", ledger.month_close, name="month_close"),
    path("budgets/", budget.budget_list, name="budget_list"),
    path("budgets/new/", budget.budget_create, name="budget_create"),
    path("budgets/<int:pk>/", budget.budget_detail, name="budget_detail"),
    path("budgets/<int:pk>/lines/", budget.budget_lines, name="budget_lines"),
    path("budgets/<int:pk>/transition/<slug:action>/", budget.budget_transition, name="budget_transition"),
    path("budgets/<int:pk>/adjust/", budget.budget_adjust, name="budget_adjust"),
    path("opening-balances/", opening.opening_balance_list, name="opening_balances"),
    path("opening-balances/record/", opening.opening_balance_record, name="opening_balance_record"),
    path("opening-balances/<int:pk>/confirm/", opening.opening_balance_confirm, name="opening_balance_confirm"),
    path("dues/", dues.dues_index, name="dues"),
    path("dues/create/", dues.dues_create, name="dues_create"),
    path("dues/<int:pk>/", dues.dues_detail, name="dues_detail"),
    path("reports/", reports.report_index, name="reports"),
    path("reports/<slug:key>/", reports.report_detail, name="report"),
    path("reports/<slug:key>/xlsx/", reports.report_xlsx, name="report_xlsx"),
    path("reports/<slug:key>/pdf/", reports.report_pdf, name="report_pdf"),
    path("export/", reports.ledger_export, name="ledger_export"),
    path("import/", reports.ledger_import, name="ledger_import"),
]
