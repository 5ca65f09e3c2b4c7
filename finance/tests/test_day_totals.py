"""The ledger's day totals (LedgerDayTotal): kept equal to the entries by the booking service, and
what the period reports and the books' pages read instead of the entries (issue 23: their cost must
not follow the number of entries)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from finance import reports, selectors, services
from finance.models import LedgerDayTotal, LedgerEntry, VoucherCounter, source_channel
from finance.reports import Params
from finance.tests.builders import approved_budget, book

pytestmark = pytest.mark.django_db

JAN_1, JAN_15, FEB_10, MAR_5 = dt.date(2026, 1, 1), dt.date(2026, 1, 15), dt.date(2026, 2, 10), dt.date(2026, 3, 5)
MAR_END = dt.date(2026, 3, 31)


def day_totals() -> dict[tuple, tuple]:
    """{(unit, day, account, source type, channel): (total, entries, reversals)} as kept."""
    return {
        (r.org_unit_id, r.date, r.account_id, r.source_type_id, r.channel): (r.total, r.entry_count, r.reversal_count)
        for r in LedgerDayTotal.objects.all()
    }


def entry_totals() -> dict[tuple, tuple]:
    """The same, counted from the entries."""
    result: dict[tuple, tuple] = {}
    for entry in LedgerEntry.objects.all():
        key = (entry.org_unit_id, entry.date, entry.account_id, entry.source_type_id, source_channel(entry.source_key))
        total, count, reversals = result.get(key, (Decimal("0.00"), 0, 0))
        result[key] = (total + entry.signed_amount, count + 1, reversals + entry.is_reversal)
    return result


@pytest.fixture
def booked(org, treasurer):
    approved_budget(org.school, 2026, {"50201": "9000.00", "50202": "9000.00"})
    approved_budget(org.hospital, 2026, {"50202": "9000.00"})
    entries = [
        book(treasurer, org.school, "401", "1000.00", JAN_1),
        book(treasurer, org.school, "401", "234.56", JAN_1),  # same day and account: one row, two entries
        book(treasurer, org.school, "50201", "300.00", JAN_15),
        book(treasurer, org.school, "50202", "120.00", FEB_10),
        book(treasurer, org.school, "50202", "80.00", MAR_5, source_key="form:t1"),
        book(treasurer, org.school, "50202", "25.00", MAR_5, source=org.school),  # caused by a record
        book(treasurer, org.hospital, "50202", "999.00", MAR_5),
    ]
    # A 红字冲销 dated later than its entry counts negative on its own day.
    services.reverse_entry(actor=treasurer, entry_id=entries[3].pk, reason="重复", date=MAR_5)
    return entries


def test_every_booking_and_reversal_is_counted_in_its_day(org, booked):
    totals = day_totals()
    assert totals == entry_totals()
    assert totals[org.school.pk, JAN_1, booked[0].account_id, None, ""] == (Decimal("1234.56"), 2, 0)
    # March 5th on 50202: the reversal of February's 120, the form's 80, the record's 25.
    march = {key[3:]: value for key, value in totals.items() if key[:3] == (org.school.pk, MAR_5, booked[3].account_id)}
    assert march == {
        (None, ""): (Decimal("-120.00"), 1, 1),
        (None, "form"): (Decimal("80.00"), 1, 0),
        (booked[5].source_type_id, ""): (Decimal("25.00"), 1, 0),
    }


def test_a_refused_booking_leaves_no_total(org, treasurer, booked):
    before = day_totals()
    with pytest.raises(services.FinanceError):
        book(treasurer, org.school, "50201", "999999.00", MAR_5)  # over the budget line
    with pytest.raises(services.FinanceError):
        services.reverse_entry(actor=treasurer, entry_id=booked[3].pk, reason="再冲一次", date=MAR_5)
    assert day_totals() == before


def test_rebuild_recounts_what_the_service_kept(org, booked):
    kept = day_totals()
    LedgerDayTotal.objects.filter(org_unit=org.school).update(total=Decimal("1.00"))
    assert services.ledger_day_totals_rebuild(org_unit=org.school) == 6
    assert day_totals() == kept


def test_period_and_year_to_date_in_one_query(org, booked, django_assert_num_queries):
    with django_assert_num_queries(1):
        totals = selectors.period_and_year_totals(org.school, MAR_5, MAR_END)
    account = booked[3].account_id  # 50202: 120 in February; 80, 25 and the -120 reversal in March
    assert totals[account] == (Decimal("-15.00"), Decimal("105.00"))
    assert totals[booked[0].account_id] == (Decimal("0.00"), Decimal("1234.56"))
    # A period across the new year: 本期数 from date_from, 本年累计数 from 1 January of date_to's year.
    spanning = selectors.period_and_year_totals(org.school, dt.date(2025, 12, 1), JAN_15)
    assert spanning[booked[0].account_id] == (Decimal("1234.56"), Decimal("1234.56"))


def no_entry_scans(queries) -> list[str]:
    return [q["sql"] for q in queries if "finance_ledgerentry" in q["sql"]]


# 经费收支表: the chart, one aggregate for both columns, the opening balance.
INCOME_EXPENSE_QUERIES = 3


@pytest.mark.parametrize(("date_from", "date_to"), [(JAN_1, MAR_END), (FEB_10, MAR_END)])
def test_income_expense_reads_one_aggregate_of_day_totals(org, booked, date_from, date_to):
    params = Params(unit=org.school, date_from=date_from, date_to=date_to)
    with CaptureQueriesContext(connection) as queries:
        list(reports.REPORTS["income-expense"].build(params).rows)
    assert len(queries) == INCOME_EXPENSE_QUERIES
    assert no_entry_scans(queries) == []


def test_budget_execution_and_month_rows_read_no_entries(org, booked):
    with CaptureQueriesContext(connection) as queries:
        list(reports.REPORTS["budget-execution"].build(Params(unit=org.school, year=2026)).rows)
        months = selectors.month_rows(org.school, 2026)
        balance = selectors.balance(org.school, MAR_END)
    assert no_entry_scans(queries) == []
    assert [(m.income, m.expense, m.count) for m in months[:3]] == [
        (Decimal("1234.56"), Decimal("300.00"), 3),
        (Decimal("0.00"), Decimal("120.00"), 1),
        (Decimal("0.00"), Decimal("-15.00"), 3),
    ]
    assert balance == Decimal("1234.56") - Decimal("405.00")


# The 经费收支表 page: session, user and grants, the units of the form, the years (voucher counters and
# budgets), the report's own three.
INCOME_EXPENSE_PAGE_QUERIES = 10


def test_income_expense_page_queries_do_not_grow_and_skip_the_entries(login, org, treasurer, booked):
    client = login(treasurer)
    url = reverse("finance:report", args=["income-expense"])
    params = {"unit": org.school.pk, "date_from": "2026-01-01", "date_to": "2026-03-31"}

    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        assert response.status_code == 200
        return queries

    few = page_queries()
    for day in range(1, 31):
        book(treasurer, org.school, "401" if day % 2 else "50201", "1.00", dt.date(2026, 3, day))
    many = page_queries()
    assert (len(few), len(many)) == (INCOME_EXPENSE_PAGE_QUERIES, INCOME_EXPENSE_PAGE_QUERIES)
    assert no_entry_scans(many) == []


def test_years_come_from_the_voucher_counters(org, treasurer, auditor, booked):
    VoucherCounter.objects.create(org_unit=org.school, year=2019)  # locked once, nothing booked
    VoucherCounter.objects.create(org_unit=org.hospital, year=2018, last_number=3)  # outside the auditor's unit
    this_year = dt.date.today().year
    assert selectors.ledger_years(auditor) == sorted({2026, this_year}, reverse=True)


def test_an_entry_booked_without_a_user_shows_the_system_as_its_booker(login, org, treasurer):
    """The service books with booked_by=None when the actor is not a signed-in user (a bulk load
    does the same); the list and the entry's page said nothing of it but raised a 500."""
    approved_budget(org.school, 2026, {"50201": "100.00"})
    entry = book(None, org.school, "50201", "10.00", JAN_15)
    assert entry.booked_by is None
    client = login(treasurer)
    for url in (reverse("finance:index") + "?year=2026", reverse("finance:entry_detail", args=[entry.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "系统" in response.content.decode(), url
