"""The 审计日志 page's reads: the entries of the reader's units, filtered, and their .xlsx export.

The 经费审查委员会 (auditor) and the chair read the log of their subtree (`audit.view_log`); the
kernel's entries carry the key of the object's org unit (`AuditEntry.org_unit_pk`), so the scope is
one `IN (units of the subtree)`. Entries with no unit (sign-ins, system jobs) are for superusers.
"""

from collections.abc import Iterator
from typing import IO, Any

import django_filters
from django import forms
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from union_office.models import AuditEntry, AuditKind
from union_office.registry import AUDIT_ACTION_LABELS
from union_office.xlsx import Column, write_report_into

from . import access
from .models import OrgUnit

VIEW_LOG = "audit.view_log"
# An export of more rows is refused with a message: narrow the filter (the file is for a review,
# not a copy of the table).
EXPORT_MAX_ROWS = 100_000


def audit_entries_visible(user: Any) -> QuerySet[AuditEntry]:
    """The entries `user` may read, newest first, with the unit's name (one query however many)."""
    entries = AuditEntry.objects.annotate(
        unit_name=Subquery(OrgUnit.objects.filter(pk=OuterRef("org_unit_pk")).values("name")[:1])
    ).order_by("-at", "-pk")
    if user.is_superuser and user.is_active:
        return entries
    return entries.filter(org_unit_pk__in=access.units(user, VIEW_LOG).values("pk"))


def _action_choices() -> list[tuple[str, str]]:
    return sorted(((code, str(label)) for code, label in AUDIT_ACTION_LABELS.items()), key=lambda c: c[1])


class AuditLogFilter(django_filters.FilterSet):
    """Who, what, when and which object: every field optional, all combinable."""

    actor = django_filters.CharFilter(label=_("操作人"), method="by_actor", max_length=50)
    kind = django_filters.ChoiceFilter(label=_("类别"), choices=AuditKind.choices, empty_label=_("全部类别"))
    action = django_filters.ChoiceFilter(label=_("操作"), choices=(), empty_label=_("全部操作"))
    date_from = django_filters.DateFilter(
        label=_("起始日期"), field_name="at", lookup_expr="date__gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("截止日期"), field_name="at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"})
    )
    obj = django_filters.CharFilter(label=_("对象"), field_name="object_repr", lookup_expr="icontains", max_length=50)

    class Meta:
        model = AuditEntry
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read per request: every app registers its actions in ready(), in the reader's language.
        self.filters["action"].extra["choices"] = _action_choices()

    def by_actor(self, queryset: QuerySet[AuditEntry], name: str, value: str) -> QuerySet[AuditEntry]:
        return queryset.filter(Q(actor_repr__icontains=value) | Q(actor__username__iexact=value))


AUDIT_COLUMNS = [
    Column(_("时间"), 18),
    Column(_("操作人"), 12),
    Column(_("类别"), 8),
    Column(_("操作"), 26),
    Column(_("对象"), 30),
    Column(_("单位"), 20),
    Column(_("变更内容"), 40),
    Column(_("地址"), 16),
    Column(_("浏览器"), 30),
]


def _rows(entries: QuerySet[AuditEntry]) -> Iterator[list[Any]]:
    kinds = dict(AuditKind.choices)
    for entry in entries.iterator(chunk_size=2_000):
        yield [
            timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor_repr,
            str(kinds.get(entry.kind, entry.kind)),
            entry.action_label,
            entry.object_repr,
            entry.unit_name or "",
            _changes_text(entry.changes),
            entry.ip_address or "",
            entry.user_agent,
        ]


def _changes_text(changes: dict[str, Any]) -> str:
    return "；".join(f"{name}: {value}" for name, value in changes.items())


def audit_log_xlsx_into(target: IO[bytes], *, entries: QuerySet[AuditEntry], query: str) -> None:
    """The filtered entries as a formatted .xlsx; `query` (the filter) is printed as the period line."""
    write_report_into(
        target,
        title=gettext("审计日志"),
        unit=gettext("按查询条件"),
        period=query or gettext("全部"),
        period_label=gettext("查询条件"),
        columns=AUDIT_COLUMNS,
        rows=_rows(entries),
        sheet_title=gettext("审计日志"),
        empty_text=gettext("没有符合条件的记录"),
    )
