from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from finance import selectors
from finance.models import Budget, BudgetStatus, DuesBatch, LedgerEntry, MonthClose
from members.models import OrgUnit
from union_office.models import AuditEntry


@pytest.mark.django_db
def test_demo_books_are_created_once_after_seed_demo():
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo_finance", stdout=out)
    assert "已生成" in out.getvalue()
    call_command("seed_demo_finance", stdout=StringIO())
    school = OrgUnit.objects.get(name="清河县第一中学工会")
    budget = Budget.objects.get(org_unit=school, year=timezone.localdate().year)
    assert budget.status == BudgetStatus.APPROVED
    assert DuesBatch.objects.filter(org_unit=school).count() == 4
    assert list(MonthClose.objects.filter(org_unit=school).values_list("month", flat=True).order_by("month")) == [1, 2]
    entries = LedgerEntry.objects.filter(org_unit=school, year=timezone.localdate().year)
    assert entries.filter(is_reversal=True).count() == 1
    count = entries.count()
    assert sorted(entries.values_list("voucher_number", flat=True)) == list(range(1, count + 1))
    rows = {row.account.code: row for row in selectors.budget_rows(budget)}
    assert rows["50201"].adjusted == Decimal("5000.00") and rows["50201"].actual == Decimal("5000.00")
    assert rows["401"].actual == sum(DuesBatch.objects.values_list("total", flat=True), Decimal(0))
    assert AuditEntry.objects.filter(action="finance.entry.book").count() == count - 1


@pytest.mark.django_db
def test_demo_books_need_the_demo_union():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_finance", stdout=StringIO())


@pytest.mark.django_db
def test_demo_books_early_in_the_year_hold_only_what_has_happened(monkeypatch):
    """Loaded on 10 February, the demo books January and early February of the current year and
    closes January: no voucher is dated after the day the demo is loaded."""
    import datetime as dt
    from types import SimpleNamespace

    from finance.management.commands import seed_demo_finance

    monkeypatch.setattr(seed_demo_finance, "timezone", SimpleNamespace(localdate=lambda: dt.date(2026, 2, 10)))
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo_finance", stdout=StringIO())
    school = OrgUnit.objects.get(name="清河县第一中学工会")
    entries = LedgerEntry.objects.filter(org_unit=school)
    assert entries.exists()
    assert max(entries.values_list("date", flat=True)) <= dt.date(2026, 2, 10)
    assert not entries.filter(is_reversal=True).exists()
    assert list(MonthClose.objects.filter(org_unit=school).values_list("month", flat=True)) == [1]
