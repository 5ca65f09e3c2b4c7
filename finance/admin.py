"""The system administrator edits the chart of accounts here; the books are read-only.

Entries, closings, budgets and dues are written only through finance/services/ (the rules and
the audit live there), so their admin pages show and never change or delete.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from union_office.audit import audit_record, field_changes

from .models import Account, Budget, BudgetAdjustment, BudgetLine, DuesBatch, LedgerEntry, MonthClose


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    ordering = ["code"]

    def get_readonly_fields(self, request: HttpRequest, obj: Account | None = None) -> list[str]:
        # A code, kind or parent that entries already use would move those entries between lines.
        return ["code", "kind", "parent"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Account, form: Any, change: bool) -> None:
        fields = ["code", "name", "kind", "parent", "is_active"]
        if change:
            changes = field_changes(Account.objects.get(pk=obj.pk), {f: getattr(obj, f) for f in fields})
        else:
            changes = {f: [None, str(getattr(obj, f))] for f in fields}
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action="finance.account.change", obj=obj, changes=changes)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["voucher_label", "org_unit", "date", "account", "signed_amount", "summary", "booked_by"]
    list_filter = ["year", "is_reversal"]
    search_fields = ["summary", "counterparty", "source_key"]
    list_select_related = ["org_unit", "account", "booked_by"]


@admin.register(MonthClose)
class MonthCloseAdmin(ReadOnlyAdmin):
    list_display = ["org_unit", "year", "month", "income_total", "expense_total", "closed_by", "closed_at"]


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    fields = ["account", "previous_actual", "planned", "approved"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Budget)
class BudgetAdmin(ReadOnlyAdmin):
    list_display = ["org_unit", "year", "status", "approved_at"]
    list_filter = ["status", "year"]
    inlines = [BudgetLineInline]


@admin.register(BudgetAdjustment)
class BudgetAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["line", "amount", "reason", "recorded_by", "created_at"]


@admin.register(DuesBatch)
class DuesBatchAdmin(ReadOnlyAdmin):
    list_display = ["org_unit", "year", "month", "member_count", "total", "entry"]
