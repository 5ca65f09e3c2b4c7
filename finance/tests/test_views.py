"""The finance screens through HTTP: who gets 200, 403, 404, 405; the forms; query counts."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from finance import selectors, services
from finance.models import Account, Budget, BudgetAdjustment, BudgetStatus, DuesBatch, LedgerEntry, MonthClose
from finance.tests.builders import approved_budget, book
from members.tests.factories import MemberFactory
from union_office.models import AuditEntry

pytestmark = pytest.mark.django_db

JAN = dt.date(2026, 1, 15)


@pytest.fixture
def books(org, treasurer):
    """An approved 2026 budget, an income and a payout at the school, and a draft 2027 budget."""
    budget = approved_budget(org.school, 2026, {"50201": "5000.00"})
    income = book(treasurer, org.school, "401", "1000.00", JAN, summary="会费")
    payout = book(treasurer, org.school, "50201", "300.00", JAN, summary="帮扶张三", counterparty="张三")
    draft = Budget.objects.create(org_unit=org.school, year=2027)
    MemberFactory(org_unit=org.school, wage_base=Decimal("5000"))
    return {"budget": budget, "income": income, "payout": payout, "draft": draft}


def read_urls(books):
    return [
        reverse("finance:index"),
        reverse("finance:index") + "?year=2026&month=1&account=" + str(Account.objects.get(code="502").pk),
        reverse("finance:entry_detail", args=[books["payout"].pk]),
        reverse("finance:months") + "?year=2026",
        reverse("finance:budget_list"),
        reverse("finance:budget_detail", args=[books["budget"].pk]),
        reverse("finance:budget_detail", args=[books["draft"].pk]),
        reverse("finance:dues") + "?year=2026&month=2",
    ]


def write_posts(org, books):
    """(url, data) of every write endpoint, with data that would succeed for the right role."""
    account_50201 = Account.objects.get(code="50201")
    return [
        (reverse("finance:entry_create"), {}),
        (
            reverse("finance:entry_create"),
            {
                "org_unit": org.school.pk,
                "date": "2026-01-20",
                "account": Account.objects.get(code="401").pk,
                "amount": "10.00",
                "summary": "x",
                "token": "abc123",
            },
        ),
        (reverse("finance:entry_reverse", args=[books["payout"].pk]), {"date": "2026-01-20", "reason": "错账"}),
        (reverse("finance:month_close"), {"unit": org.school.pk, "year": 2026, "month": 1}),
        (reverse("finance:budget_create"), {"unit": org.school.pk, "year": 2028}),
        (reverse("finance:budget_lines", args=[books["draft"].pk]), {f"planned_{account_50201.pk}": "100"}),
        (reverse("finance:budget_transition", args=[books["draft"].pk, "submit"]), {}),
        (reverse("finance:budget_transition", args=[books["budget"].pk, "send_back"]), {}),
        (
            reverse("finance:budget_adjust", args=[books["budget"].pk]),
            {"account": account_50201.pk, "amount": "100", "reason": "追加"},
        ),
        (reverse("finance:dues_create"), {"unit": org.school.pk, "year": 2026, "month": 2}),
    ]


def ledger_state():
    return (
        LedgerEntry.objects.count(),
        MonthClose.objects.count(),
        Budget.objects.count(),
        BudgetAdjustment.objects.count(),
        DuesBatch.objects.count(),
        list(Budget.objects.order_by("pk").values_list("status", flat=True)),
        AuditEntry.objects.count(),
    )


# --- Who gets what ------------------------------------------------------------------------------


def test_every_page_needs_login(client, org, books):
    for url in read_urls(books):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_strangers_to_the_books_get_404_everywhere(login, org, books, committee, member, outsider, other_committee):
    before = ledger_state()
    for user in (committee, member, outsider, other_committee):
        client = login(user)
        for url in read_urls(books):
            assert client.get(url).status_code == 404, (user, url)
        for url, data in write_posts(org, books):
            assert client.post(url, data).status_code == 404, (user, url)
        assert client.get(reverse("finance:entry_create")).status_code == 404
    assert ledger_state() == before


def test_the_hospital_does_not_see_the_schools_books(login, org, books):
    from members.models import Role
    from members.tests.factories import RoleGrantFactory, UserFactory

    hospital_treasurer = UserFactory(username="h_treasurer")
    RoleGrantFactory(user=hospital_treasurer, org_unit=org.hospital, role=Role.TREASURER)
    client = login(hospital_treasurer)
    assert client.get(reverse("finance:entry_detail", args=[books["payout"].pk])).status_code == 404
    assert client.get(reverse("finance:budget_detail", args=[books["budget"].pk])).status_code == 404
    response = client.post(reverse("finance:entry_reverse", args=[books["payout"].pk]), {"reason": "x"})
    assert response.status_code == 404
    assert "帮扶张三" not in client.get(reverse("finance:index")).content.decode()


def test_auditor_reads_everything_and_gets_403_on_every_write(login, org, books, auditor):
    client = login(auditor)
    for url in read_urls(books):
        assert client.get(url).status_code == 200, url
    before = ledger_state()
    assert client.get(reverse("finance:entry_create")).status_code == 403
    for url, data in write_posts(org, books):
        assert client.post(url, data).status_code == 403, url
    assert ledger_state() == before


def test_chair_reads_and_approves_but_does_not_book(login, org, books, chair):
    client = login(chair)
    for url in read_urls(books):
        assert client.get(url).status_code == 200, url
    before = ledger_state()
    writes = write_posts(org, books)
    for url, data in writes[:7] + writes[9:]:  # booking, reversing, closing, drafting, dues
        assert client.post(url, data).status_code == 403, url
    assert ledger_state() == before
    url, data = writes[8]  # the adjustment is the chair's
    assert client.post(url, data).status_code == 302
    assert BudgetAdjustment.objects.count() == 1


def test_treasurer_may_not_approve_or_adjust(login, org, books, treasurer):
    client = login(treasurer)
    books["draft"].status = BudgetStatus.SUBMITTED
    Budget.objects.filter(pk=books["draft"].pk).update(status=BudgetStatus.SUBMITTED)
    assert client.post(reverse("finance:budget_transition", args=[books["draft"].pk, "approve"])).status_code == 403
    url = reverse("finance:budget_adjust", args=[books["budget"].pk])
    assert (
        client.post(url, {"account": Account.objects.get(code="401").pk, "amount": "1", "reason": "x"}).status_code
        == 403
    )


def test_wrong_method_is_405(login, org, books, treasurer):
    client = login(treasurer)
    for url, _data in write_posts(org, books)[2:]:
        assert client.get(url).status_code == 405, url
    for url in read_urls(books):
        assert client.post(url).status_code == 405, url


# --- The treasurer's forms ----------------------------------------------------------------------


def entry_data(org, **overrides):
    data = {
        "org_unit": org.school.pk,
        "date": "2026-02-03",
        "account": Account.objects.get(code="50201").pk,
        "amount": "200.00",
        "summary": "慰问困难职工李四",
        "counterparty": "李四",
        "token": "tok1",
    }
    return {**data, **overrides}


def test_booking_form_books_once_even_when_posted_twice(login, org, books, treasurer):
    client = login(treasurer)
    page = client.get(reverse("finance:entry_create"))
    assert page.status_code == 200 and 'name="token"' in page.content.decode()
    first = client.post(reverse("finance:entry_create"), entry_data(org))
    assert first.status_code == 302 and "entries/new/?unit=" in first["Location"]
    second = client.post(reverse("finance:entry_create"), entry_data(org), follow=True)
    assert "重复提交已忽略" in second.content.decode()
    assert LedgerEntry.objects.filter(summary="慰问困难职工李四").count() == 1
    entry = LedgerEntry.objects.get(summary="慰问困难职工李四")
    assert entry.voucher_number == 3 and entry.booked_by == treasurer and entry.amount == Decimal("200.00")


def test_booking_form_shows_the_rules_message(login, org, books, treasurer):
    client = login(treasurer)
    response = client.post(reverse("finance:entry_create"), entry_data(org, amount="99999.00", token="t2"))
    assert response.status_code == 200
    assert "预算余额不足" in response.content.decode()
    response = client.post(reverse("finance:entry_create"), entry_data(org, amount="-1", token="t3"))
    assert response.status_code == 200 and not LedgerEntry.objects.filter(amount=1).exists()
    assert LedgerEntry.objects.count() == 2


def test_reverse_and_close_through_the_pages(login, org, books, treasurer):
    client = login(treasurer)
    payout = books["payout"]
    response = client.post(
        reverse("finance:entry_reverse", args=[payout.pk]), {"date": "2026-01-31", "reason": "重复报销"}
    )
    reversal = LedgerEntry.objects.get(reverses=payout)
    assert response["Location"] == reverse("finance:entry_detail", args=[reversal.pk])
    detail = client.get(reverse("finance:entry_detail", args=[payout.pk])).content.decode()
    assert "已冲销" in detail and reversal.voucher_label in detail and "reverse-form" not in detail
    response = client.post(reverse("finance:month_close"), {"unit": org.school.pk, "year": 2026, "month": 1})
    assert MonthClose.objects.filter(org_unit=org.school, year=2026, month=1).exists()
    page = client.get(response["Location"]).content.decode()
    assert "已结账" in page
    response = client.post(reverse("finance:entry_create"), entry_data(org, date="2026-01-31", token="t9"))
    assert "已结账" in response.content.decode()


def test_budget_pages(login, org, books, treasurer, chair):
    client = login(treasurer)
    draft = books["draft"]
    account = Account.objects.get(code="50201")
    client.post(
        reverse("finance:budget_lines", args=[draft.pk]),
        {f"planned_{account.pk}": "1,000.50", f"previous_{account.pk}": ""},
    )
    assert draft.lines.get().planned == Decimal("1000.50")
    response = client.post(
        reverse("finance:budget_lines", args=[draft.pk]), {f"planned_{account.pk}": "abc"}, follow=True
    )
    assert "不是有效的金额" in response.content.decode()
    client.post(reverse("finance:budget_transition", args=[draft.pk, "submit"]))
    draft.refresh_from_db()
    assert draft.status == BudgetStatus.SUBMITTED
    page = client.get(reverse("finance:budget_detail", args=[draft.pk])).content.decode()
    assert "budget-lines-form" not in page  # locked
    chair_client = login(chair)
    page = chair_client.get(reverse("finance:budget_detail", args=[draft.pk])).content.decode()
    assert 'data-transition="approve"' in page
    chair_client.post(reverse("finance:budget_transition", args=[draft.pk, "approve"]))
    draft.refresh_from_db()
    assert draft.status == BudgetStatus.APPROVED and draft.lines.get().approved == Decimal("1000.50")
    detail = chair_client.get(reverse("finance:budget_detail", args=[books["budget"].pk])).content.decode()
    assert "6.00%" in detail  # 300 of 5,000 spent on 50201
    rows = {row.account.code: row for row in selectors.budget_rows(books["budget"])}
    assert rows["502"].line is None and rows["502"].sub_available == Decimal("5000.00")
    assert rows["502"].actual == Decimal("300.00") and rows["501"].sub_available is None


def test_dues_through_the_page(login, org, books, treasurer):
    client = login(treasurer)
    page = client.get(reverse("finance:dues") + f"?unit={org.school.pk}&year=2026&month=2").content.decode()
    assert "25.00" in page and "dues-create" in page
    client.post(reverse("finance:dues_create"), {"unit": org.school.pk, "year": 2026, "month": 2})
    batch = DuesBatch.objects.get()
    assert batch.total == Decimal("25.00")
    assert client.get(reverse("finance:dues_detail", args=[batch.pk])).status_code == 200
    entry_page = client.get(reverse("finance:entry_detail", args=[batch.entry_id])).content.decode()
    assert reverse("finance:dues_detail", args=[batch.pk]) in entry_page
    again = client.post(reverse("finance:dues_create"), {"unit": org.school.pk, "year": 2026, "month": 2}, follow=True)
    assert "已经计算并记账" in again.content.decode() or "已记账" in again.content.decode()
    assert DuesBatch.objects.count() == 1


def test_navigation_leads_to_the_ledger(login, treasurer, member, org):
    assert reverse("finance:index") in login(treasurer).get(reverse("dashboard")).content.decode()
    assert reverse("finance:index") not in login(member).get(reverse("dashboard")).content.decode()


# --- Query counts -------------------------------------------------------------------------------


# user, grants, years, totals, unit count, count, unit choices, account choices, the page (the
# session comes from the cache)
LEDGER_LIST_QUERIES = 9


@pytest.mark.parametrize("user_fixture", ["treasurer", "auditor"])
def test_ledger_list_query_count_does_not_grow(login, org, request, user_fixture, django_assert_num_queries):
    user = request.getfixturevalue(user_fixture)
    treasurer = request.getfixturevalue("treasurer")
    approved_budget(org.school, 2026, {"50201": "100000.00"})
    first = book(treasurer, org.school, "50201", "1.00", JAN)
    url = reverse("finance:index") + "?year=2026"
    client = login(user)
    with django_assert_num_queries(LEDGER_LIST_QUERIES):
        assert client.get(url).status_code == 200
    services.reverse_entry(actor=treasurer, entry_id=first.pk, reason="x", date=JAN)
    for n in range(30):
        book(treasurer, org.school, "401" if n % 2 else "50201", f"{n + 1}.00", JAN, counterparty=f"p{n}")
    with django_assert_num_queries(LEDGER_LIST_QUERIES):
        response = client.get(url)
    assert len(re.findall(r'href="/finance/entries/\d+/"', response.content.decode())) == 32


def test_opening_balance_page_records_once_and_another_person_confirms(
    login, org, treasurer, chair, outsider, django_capture_on_commit_callbacks
):
    """Issue 18: 上年结余 had only a management command. The treasurer records it on a page, the
    chair is told and confirms it; the treasurer may not confirm what she recorded."""
    from finance.models import OpeningBalance, OpeningBalanceStatus
    from union_office.models import AuditEntry
    from union_office.notifications.models import Reminder

    url = reverse("finance:opening_balances")
    client = login(treasurer)
    assert "录入上年结余" in client.get(url).content.decode()
    data = {"unit": org.school.pk, "year": 2026, "amount": "-1,234.50"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("finance:opening_balance_record"), data, follow=True)
    assert "待确认" in response.content.decode()
    balance = OpeningBalance.objects.get(org_unit=org.school, year=2026)
    assert (balance.amount, balance.status) == (Decimal("-1234.50"), OpeningBalanceStatus.RECORDED)
    # Bad input: a clear message, nothing saved twice, no 500.
    again = client.post(reverse("finance:opening_balance_record"), data | {"amount": "12.345"}, follow=True)
    assert "最多两位小数" in again.content.decode() or "已录入" in again.content.decode()
    assert OpeningBalance.objects.count() == 1
    assert Reminder.objects.filter(recipient=chair, subject__startswith="待确认的上年结余").exists()

    # The recorder may not confirm her own figure.
    confirm = reverse("finance:opening_balance_confirm", args=[balance.pk])
    assert client.post(confirm).status_code == 403
    balance.refresh_from_db()
    assert balance.status == OpeningBalanceStatus.RECORDED

    assert login(outsider).post(confirm).status_code == 404
    page = login(chair).get(url).content.decode()
    assert "确认上年结余" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = login(chair).post(confirm, follow=True)
    assert "上年结余已确认" in response.content.decode()
    balance.refresh_from_db()
    assert (balance.status, balance.confirmed_by) == (OpeningBalanceStatus.CONFIRMED, chair)
    assert AuditEntry.objects.filter(action="finance.opening_balance.confirm", actor=chair).count() == 1
    assert Reminder.objects.filter(recipient=treasurer, subject__startswith="上年结余已确认").exists()
    # Confirmed once: a second click changes nothing.
    login(chair).post(confirm)
    assert AuditEntry.objects.filter(action="finance.opening_balance.confirm").count() == 1


def test_the_recorder_may_not_confirm_even_holding_both_roles(org, treasurer):
    from finance import services
    from members.models import Role
    from members.tests.factories import RoleGrantFactory

    RoleGrantFactory(user=treasurer, org_unit=org.school, role=Role.CHAIR)
    balance = services.opening_balance_record(actor=treasurer, org_unit=org.school, year=2026, amount="100")
    with pytest.raises(services.FinanceError):
        services.opening_balance_confirm(actor=treasurer, balance_id=balance.pk)
