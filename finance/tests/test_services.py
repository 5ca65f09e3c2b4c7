"""The booking rules: amounts, accounts, vouchers without gaps, closed months, reversals, budget checks."""

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.urls import reverse
from django.utils import translation

from finance import services
from finance.models import Account, BudgetAdjustment, BudgetStatus, LedgerEntry, MonthClose, VoucherCounter
from finance.services import FinanceError
from finance.tests.builders import approved_budget, book
from members.tests.factories import MemberFactory
from union_office.models import AuditEntry

pytestmark = pytest.mark.django_db

JAN, FEB, MAR, APR = (dt.date(2026, m, 10) for m in (1, 2, 3, 4))


@pytest.fixture
def budget(org):
    return approved_budget(org.school, 2026, {"50201": "1000.00", "502": "1500.00", "50101": "800.00"})


# --- Vouchers -----------------------------------------------------------------------------------


def test_vouchers_are_numbered_per_unit_and_year(org, treasurer, budget):
    first = book(treasurer, org.school, "401", "100.00", JAN)
    second = book(treasurer, org.school, "50201", "50.00", JAN)
    other_unit = book(treasurer, org.hospital, "401", "10.00", JAN)
    last_year = book(treasurer, org.school, "401", "10.00", dt.date(2025, 12, 31))
    assert (first.voucher_number, second.voucher_number) == (1, 2)
    assert other_unit.voucher_number == 1 and last_year.voucher_number == 1
    assert first.voucher_label == "2026-0001" and first.year == 2026


def test_a_refused_booking_leaves_no_gap(org, treasurer, budget):
    book(treasurer, org.school, "401", "100.00", JAN)
    with pytest.raises(FinanceError):
        book(treasurer, org.school, "50201", "99999.00", JAN)  # over budget: refused after the lock
    assert book(treasurer, org.school, "401", "1.00", JAN).voucher_number == 2
    assert VoucherCounter.objects.get(org_unit=org.school, year=2026).last_number == 2


# --- Amounts and accounts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "金额必须大于零"),
        ("-5.00", "金额必须大于零"),
        ("abc", "不是有效的数字"),
        ("1.234", "最多两位小数"),
        ("NaN", "不是有效的数字"),
        ("1000000000000", "金额过大"),
    ],
)
def test_bad_amounts_are_refused_with_a_message(org, treasurer, amount, message):
    with pytest.raises(FinanceError) as exc:
        book(treasurer, org.school, "401", amount, JAN)
    assert message in exc.value.messages[0]
    assert not LedgerEntry.objects.exists()


def test_money_is_never_a_float(org, treasurer):
    with pytest.raises(TypeError):
        book(treasurer, org.school, "401", 1.5, JAN)


def test_amounts_with_thousands_separators_are_read(org, treasurer):
    assert book(treasurer, org.school, "401", "1,200.5", JAN).amount == Decimal("1200.50")


def test_account_rules(org, treasurer, budget):
    with pytest.raises(FinanceError, match="明细科目"):
        book(treasurer, org.school, "502", "10.00", JAN)
    with pytest.raises(FinanceError, match="收入科目"):
        services.book_payout(actor=treasurer, org_unit=org.school, date=JAN, account="401", amount="1", summary="x")
    with pytest.raises(FinanceError, match="没有科目"):
        book(treasurer, org.school, "999", "10.00", JAN)
    with pytest.raises(FinanceError, match="不独立记账"):
        book(treasurer, org.branch_a, "401", "10.00", JAN)
    with pytest.raises(FinanceError, match="摘要"):
        book(treasurer, org.school, "401", "10.00", JAN, summary="  ")
    with pytest.raises(FinanceError, match="晚于今天"):
        book(treasurer, org.school, "401", "10.00", dt.date.today() + dt.timedelta(days=2))


# --- Double booking -----------------------------------------------------------------------------


def test_one_source_is_booked_once(org, treasurer, budget):
    payee = MemberFactory(org_unit=org.school)
    book(treasurer, org.school, "50201", "100.00", JAN, source=payee)
    with pytest.raises(FinanceError, match="不能重复记账"):
        book(treasurer, org.school, "50201", "100.00", FEB, source=payee)
    with pytest.raises(FinanceError, match="不能重复记账"):
        book(treasurer, org.school, "50201", "1.00", dt.date(2025, 12, 1), source=payee)  # another year's lock
    book(treasurer, org.school, "401", "5.00", JAN, source_key="form:abc")
    with pytest.raises(FinanceError, match="不能重复记账"):
        book(treasurer, org.school, "401", "5.00", JAN, source_key="form:abc")
    assert LedgerEntry.objects.count() == 2
    entry = LedgerEntry.objects.get(source_id=str(payee.pk))
    assert entry.source_key == f"members.member:{payee.pk}"


# --- Budget check -------------------------------------------------------------------------------


def test_payout_needs_an_approved_budget(org, treasurer):
    with pytest.raises(FinanceError, match="预算尚未批复"):
        book(treasurer, org.school, "50201", "10.00", JAN)


def test_payout_needs_a_line_and_fits_its_remainder(org, treasurer, chair, budget):
    with pytest.raises(FinanceError, match="没有2026年预算"):
        book(treasurer, org.school, "503", "10.00", JAN)
    book(treasurer, org.school, "50201", "600.00", JAN)
    with pytest.raises(FinanceError) as exc:
        book(treasurer, org.school, "50201", "400.01", JAN)
    assert "余额 400.00 元" in exc.value.messages[0] and "本次支出 400.01 元" in exc.value.messages[0]
    book(treasurer, org.school, "50201", "400.00", JAN)
    # 50202 has no line of its own: the parent line 502 (1,500, of which 1,000 spent) governs it.
    with pytest.raises(FinanceError, match="502 维权支出"):
        book(treasurer, org.school, "50202", "500.01", JAN)
    book(treasurer, org.school, "50202", "500.00", JAN)
    services.budget_adjust(actor=chair, budget_id=budget.pk, account="50201", amount="200", reason="追加帮扶")
    services.budget_adjust(actor=chair, budget_id=budget.pk, account="502", amount="200", reason="追加帮扶")
    book(treasurer, org.school, "50201", "200.00", JAN)


def test_reversed_payouts_give_the_budget_back(org, treasurer, budget):
    entry = book(treasurer, org.school, "50101", "800.00", JAN)
    services.reverse_entry(actor=treasurer, entry_id=entry.pk, reason="发票作废", date=JAN)
    book(treasurer, org.school, "50101", "800.00", JAN)


def test_warn_mode_books_and_says_why(org, treasurer, settings):
    settings.FINANCE_BUDGET_CHECK = "warn"
    entry = book(treasurer, org.school, "50201", "10.00", JAN)
    assert entry.pk and "预算尚未批复" in entry.budget_warning
    audit = AuditEntry.objects.get(action="finance.entry.book")
    assert "预算尚未批复" in audit.changes["budget_warning"]


# --- Closing months -----------------------------------------------------------------------------


def test_closed_month_takes_no_entries(org, treasurer):
    book(treasurer, org.school, "401", "100.00", JAN)
    services.close_month(actor=treasurer, org_unit=org.school, year=2026, month=1)
    with pytest.raises(FinanceError, match="2026年1月已结账"):
        book(treasurer, org.school, "401", "1.00", dt.date(2026, 1, 31))
    book(treasurer, org.school, "401", "1.00", dt.date(2025, 12, 31))  # another year's books are open
    book(treasurer, org.school, "401", "1.00", FEB)


def test_months_close_in_order_and_only_once_over(org, treasurer):
    book(treasurer, org.school, "401", "100.00", JAN)
    book(treasurer, org.school, "401", "100.00", FEB)
    with pytest.raises(FinanceError, match="请先结账2026年1月"):
        services.close_month(actor=treasurer, org_unit=org.school, year=2026, month=2)
    closed = services.close_month(actor=treasurer, org_unit=org.school, year=2026, month=1)
    assert (closed.income_total, closed.expense_total, closed.entry_count) == (Decimal("100.00"), 0, 1)
    with pytest.raises(FinanceError, match="已结账"):
        services.close_month(actor=treasurer, org_unit=org.school, year=2026, month=1)
    today = dt.date.today()
    with pytest.raises(FinanceError, match="尚未结束"):
        services.close_month(actor=treasurer, org_unit=org.school, year=today.year, month=today.month)
    with pytest.raises(FinanceError, match="请先结账2026年2月"):
        services.close_month(actor=treasurer, org_unit=org.school, year=2026, month=4)
    services.close_month(actor=treasurer, org_unit=org.school, year=2026, month=2)
    # A later month closes even if the months between had no entries; they close with it.
    services.close_month(actor=treasurer, org_unit=org.school, year=2026, month=4)
    with pytest.raises(FinanceError, match="已结账"):
        book(treasurer, org.school, "401", "1.00", MAR)


def test_only_the_treasurer_closes(org, chair, auditor):
    for user in (chair, auditor):
        with pytest.raises(PermissionDenied):
            services.close_month(actor=user, org_unit=org.school, year=2026, month=1)
    assert not MonthClose.objects.exists()


def test_a_closed_months_mistake_is_reversed_in_an_open_month(org, treasurer):
    wrong = book(treasurer, org.school, "401", "100.00", JAN)
    services.close_month(actor=treasurer, org_unit=org.school, year=2026, month=1)
    with pytest.raises(FinanceError, match="已结账"):
        services.reverse_entry(actor=treasurer, entry_id=wrong.pk, reason="错账", date=dt.date(2026, 1, 31))
    reversal = services.reverse_entry(actor=treasurer, entry_id=wrong.pk, reason="错账", date=FEB)
    assert reversal.is_reversal and reversal.reverses == wrong and reversal.voucher_number == 2
    reversal.refresh_from_db()
    assert reversal.signed_amount == Decimal("-100.00")
    assert reversal.summary == "冲销 2026-0001 号凭证：错账"
    total = LedgerEntry.objects.filter(org_unit=org.school).aggregate(t=Sum("signed_amount"))["t"]
    assert total == 0
    with pytest.raises(FinanceError, match="已经冲销过"):
        services.reverse_entry(actor=treasurer, entry_id=wrong.pk, reason="again", date=FEB)
    with pytest.raises(FinanceError, match="不能再冲销"):
        services.reverse_entry(actor=treasurer, entry_id=reversal.pk, reason="again", date=FEB)
    with pytest.raises(FinanceError, match="冲销原因"):
        services.reverse_entry(actor=treasurer, entry_id=wrong.pk, reason=" ", date=FEB)


def test_only_the_treasurer_reverses(org, treasurer, chair, auditor):
    entry = book(treasurer, org.school, "401", "100.00", JAN)
    for user in (chair, auditor):
        with pytest.raises(PermissionDenied):
            services.reverse_entry(actor=user, entry_id=entry.pk, reason="x", date=FEB)


def test_every_booking_is_audited(org, treasurer):
    entry = book(treasurer, org.school, "401", "100.00", JAN, counterparty="县总工会")
    services.reverse_entry(actor=treasurer, entry_id=entry.pk, reason="错账", date=FEB)
    services.close_month(actor=treasurer, org_unit=org.school, year=2026, month=1)
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["finance.entry.book", "finance.entry.reverse", "finance.month.close"]
    booked = AuditEntry.objects.get(action="finance.entry.book")
    assert booked.changes["amount"] == "100.00" and booked.changes["voucher"] == "2026-0001"
    assert booked.actor == treasurer


# --- Budget workflow ----------------------------------------------------------------------------


def test_budget_workflow(org, treasurer, chair, auditor):
    book(treasurer, org.school, "401", "3000.00", dt.date(2025, 6, 1))
    budget = services.budget_create(actor=treasurer, org_unit=org.school, year=2026)
    line = budget.lines.get()
    assert line.account.code == "401" and line.previous_actual == Decimal("3000.00")
    with pytest.raises(FinanceError, match="已有2026年预算"):
        services.budget_create(actor=treasurer, org_unit=org.school, year=2026)
    acc = {a.code: a.pk for a in Account.objects.all()}
    values = {
        acc["401"]: services.LineValues(Decimal("3000"), Decimal("3600")),
        acc["50201"]: services.LineValues(None, Decimal("1000")),
    }
    services.budget_save_lines(actor=treasurer, budget_id=budget.pk, values=values)
    assert budget.lines.count() == 2
    with pytest.raises(PermissionDenied):
        services.budget_transition(actor=auditor, budget_id=budget.pk, action="submit")
    with pytest.raises(PermissionDenied):
        services.budget_transition(actor=treasurer, budget_id=budget.pk, action="approve")
    services.budget_transition(actor=treasurer, budget_id=budget.pk, action="submit")
    with pytest.raises(FinanceError, match="不能修改"):
        services.budget_save_lines(actor=treasurer, budget_id=budget.pk, values=values)
    services.budget_transition(actor=chair, budget_id=budget.pk, action="send_back")
    services.budget_save_lines(
        actor=treasurer, budget_id=budget.pk, values={acc["50201"]: services.LineValues(None, None)}
    )
    assert budget.lines.count() == 1
    services.budget_save_lines(
        actor=treasurer, budget_id=budget.pk, values={acc["50201"]: services.LineValues(None, Decimal("900"))}
    )
    services.budget_transition(actor=treasurer, budget_id=budget.pk, action="submit")
    budget = services.budget_transition(actor=chair, budget_id=budget.pk, action="approve")
    assert budget.status == BudgetStatus.APPROVED and budget.approved_by == chair
    assert dict(budget.lines.values_list("account__code", "approved")) == {
        "401": Decimal("3600.00"),
        "50201": Decimal("900.00"),
    }
    with pytest.raises(FinanceError, match="不能“提交预算”"):
        services.budget_transition(actor=treasurer, budget_id=budget.pk, action="submit")
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"finance.budget.create", "finance.budget.lines", "finance.budget.submit"} <= actions
    assert {"finance.budget.send_back", "finance.budget.approve"} <= actions


def test_adjustments(org, treasurer, chair, budget):
    with pytest.raises(PermissionDenied):
        services.budget_adjust(actor=treasurer, budget_id=budget.pk, account="503", amount="10", reason="x")
    services.budget_adjust(actor=chair, budget_id=budget.pk, account="503", amount="300", reason="新增业务")
    book(treasurer, org.school, "503", "300.00", JAN)
    with pytest.raises(FinanceError, match="少于已支出"):
        services.budget_adjust(actor=chair, budget_id=budget.pk, account="503", amount="-0.01", reason="调减")
    with pytest.raises(FinanceError, match="不能为零"):
        services.budget_adjust(actor=chair, budget_id=budget.pk, account="503", amount="0", reason="调减")
    with pytest.raises(FinanceError, match="调整原因"):
        services.budget_adjust(actor=chair, budget_id=budget.pk, account="503", amount="5", reason="")
    assert BudgetAdjustment.objects.count() == 1
    with pytest.raises(Exception, match="never deleted"):
        BudgetAdjustment.objects.get().delete()


def test_submit_needs_lines(org, treasurer):
    budget = services.budget_create(actor=treasurer, org_unit=org.school, year=2026)
    with pytest.raises(FinanceError, match="还没有任何科目"):
        services.budget_transition(actor=treasurer, budget_id=budget.pk, action="submit")


@translation.override("zh-hans")
def test_docs_show_the_budget_table_of_the_code():
    from union_office.workflow import markdown_table

    text = (Path(__file__).resolve().parents[2] / "docs" / "finance.md").read_text()
    assert markdown_table(services.BUDGET) in text
    assert markdown_table(services.OPENING_BALANCE) in text


def test_a_submitted_budget_waits_on_the_chairs_todo_list(org, chair, treasurer):
    from union_office.todo import todo_for

    budget = services.budget_create(actor=treasurer, org_unit=org.school, year=2026)
    account = Account.objects.get(code="50101")
    services.budget_save_lines(
        actor=treasurer, budget_id=budget.pk, values={account.pk: services.LineValues(None, Decimal("500"))}
    )
    services.budget_transition(actor=treasurer, budget_id=budget.pk, action="submit")
    assert [(i.title, i.actions) for i in todo_for(chair)] == [(str(budget), ("批复预算",))]
    assert todo_for(treasurer) == []


def test_a_recorded_opening_balance_waits_on_the_confirmers_todo_list(org, chair, treasurer):
    """Issue 18: the chair was told of a recorded 上年结余 but his 工作台 did not list it."""
    from members.models import Role
    from members.tests.factories import RoleGrantFactory
    from union_office.todo import todo_for

    RoleGrantFactory(user=treasurer, org_unit=org.school, role=Role.CHAIR)  # she could confirm, but recorded
    balance = services.opening_balance_record(actor=treasurer, org_unit=org.school, year=2026, amount="100")
    assert [(i.title, i.label, i.actions, i.url) for i in todo_for(chair)] == [
        (f"{org.school} {balance}", "上年结余", ("确认上年结余",), reverse("finance:opening_balances"))
    ]
    assert todo_for(treasurer) == []
    services.opening_balance_confirm(actor=chair, balance_id=balance.pk)
    assert todo_for(chair) == []


def test_whoever_submitted_the_budget_does_not_approve_it(org, chair):
    from members.models import Role
    from members.services import unit_single_officer_set
    from members.tests.factories import RoleGrantFactory, UserFactory

    RoleGrantFactory(user=chair, org_unit=org.school, role=Role.TREASURER)  # a chair who keeps the books
    budget = services.budget_create(actor=chair, org_unit=org.school, year=2026)
    account = Account.objects.get(code="50101")
    values = {account.pk: services.LineValues(None, Decimal("1000"))}
    services.budget_save_lines(actor=chair, budget_id=budget.pk, values=values)
    services.budget_transition(actor=chair, budget_id=budget.pk, action="submit")
    with pytest.raises(FinanceError, match="您已办理“提交预算”，“批复预算”须由另一人办理"):
        services.budget_transition(actor=chair, budget_id=budget.pk, action="approve")
    budget.refresh_from_db()
    assert budget.status == "submitted"
    # The county sets the school as a one-officer union: then the chair approves his own.
    county_chair = UserFactory(username="county_chair")
    RoleGrantFactory(user=county_chair, org_unit=org.county, role=Role.CHAIR)
    unit_single_officer_set(actor=county_chair, unit_id=org.school.pk, single_officer=True, reason="仅一名专职干部")
    assert services.budget_transition(actor=chair, budget_id=budget.pk, action="approve").status == "approved"


def test_a_bad_budget_check_setting_stops_start_up():
    env = {**os.environ, "FINANCE_BUDGET_CHECK": "maybe", "DJANGO_SETTINGS_MODULE": "union_office.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "FINANCE_BUDGET_CHECK must be block or warn, not 'maybe'" in result.stderr
