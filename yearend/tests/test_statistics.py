"""工会统计年报: a county's figures are the sum of its units'; the page, the xlsx, the county view."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from finance import services as finance
from members.models import OrgUnit, Role
from members.tests.factories import MemberFactory, OrgUnitFactory, RoleGrantFactory, UserFactory
from plans.models import PlanStatus
from plans.tests.builders import build_plan
from union_office.notifications import Notification
from yearend import services, stats
from yearend.oversight import remind_missing, union_rows

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


@pytest.fixture
def county_chair(org):
    user = UserFactory(username="county_chair")
    RoleGrantFactory(user=user, org_unit=org.county, role=Role.CHAIR)
    return user


@pytest.fixture
def records(org, treasurer, settings):
    """Members, a 小组, bookings in both unions and at the county itself."""
    settings.FINANCE_BUDGET_CHECK = "warn"
    MemberFactory(org_unit=org.branch_a, gender="F", employment_type="dispatched", joined_on=dt.date(YEAR, 3, 1))
    MemberFactory(org_unit=org.ward, gender="F")
    MemberFactory(org_unit=org.county, gender="M")
    OrgUnitFactory(name="外科小组", kind=OrgUnit.Kind.GROUP, parent=org.ward)
    hospital_treasurer = UserFactory()
    RoleGrantFactory(user=hospital_treasurer, org_unit=org.hospital, role=Role.TREASURER)
    day = min(dt.date(YEAR, 3, 1), timezone.localdate())
    finance.book_entry(actor=treasurer, org_unit=org.school, date=day, account="401", amount="1200.50", summary="会费")
    finance.book_entry(
        actor=hospital_treasurer, org_unit=org.hospital, date=day, account="50101", amount="300", summary="活动"
    )


def test_county_statistics_equal_the_sum_of_its_units(org, records):
    county = stats.year_stats(org.county, YEAR)
    assert [u.unit.name for u in county.units] == ["县总工会", "第一中学工会", "人民医院工会"]
    assert county.units[0].own  # the county's own members and books
    for figure in stats.FIGURES:
        assert county.total.values[figure.key] == sum(u.values[figure.key] for u in county.units), figure.key
    # … and each unit's row equals that unit's statistics computed on its own.
    for row in county.units[1:]:
        alone = stats.year_stats(row.unit, YEAR)
        assert alone.total.values == row.values, row.unit.name
    school = county.units[1].values
    assert school["women"] >= 1 and school["migrant"] == 1 and school["joined"] >= 1
    assert school["groups"] == 1 and school["income"] == Decimal("1200.50")
    assert county.units[2].values["expense"] == Decimal("300.00")
    assert county.total.values["groups"] == 2


def test_the_county_costs_the_same_queries_for_more_units(org, records, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        stats.year_stats(org.county, YEAR)
    for n in range(5):
        OrgUnitFactory(name=f"新单位{n}", kind=OrgUnit.Kind.BASE, parent=org.county)
    with django_assert_max_num_queries(10):
        assert len(stats.year_stats(org.county, YEAR).units) == 8


def test_statistics_page_links_each_figure_and_exports_xlsx(login, chair, org, records):
    client = login(chair)
    page = client.get(reverse("yearend:statistics"), {"unit": org.school.pk, "year": YEAR})
    assert page.status_code == 200
    body = page.content.decode()
    assert f"?unit={org.school.pk}&amp;status=active&amp;gender=F" in body
    accounts = body[body.index('data-testid="statistics-accounts"') :]
    assert "401 会费收入" in accounts, accounts[:1500]
    assert "1,200.50" in accounts, accounts[:1500]
    xlsx = client.get(reverse("yearend:statistics_xlsx"), {"unit": org.school.pk, "year": YEAR})
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "第一中学工会" in values and 1200.5 in values


def test_statistics_of_another_union_are_404(login, chair, org, outsider):
    assert login(chair).get(reverse("yearend:statistics"), {"unit": org.hospital.pk}).status_code == 404
    assert login(outsider).get(reverse("yearend:statistics")).status_code == 404


def test_the_county_sees_who_lacks_a_plan_or_summary_and_reminds_them(login, org, chair, county_chair):
    build_plan(org.school, year=YEAR, status=PlanStatus.APPROVED)
    services.summary_draft(actor=chair, org_unit=org.school, year=YEAR - 1)
    rows = {row.unit.name: row for row in union_rows(org.county, YEAR)}
    assert not rows["第一中学工会"].missing and rows["人民医院工会"].missing
    hospital_chair = UserFactory()
    RoleGrantFactory(user=hospital_chair, org_unit=org.hospital, role=Role.CHAIR)

    client = login(county_chair)
    page = client.get(reverse("yearend:county"))
    assert page.status_code == 200 and "人民医院工会" in page.content.decode()
    response = client.post(
        reverse("yearend:remind"), {"unit": org.county.pk, "year": YEAR, "units": [org.hospital.pk, org.school.pk]}
    )
    assert response.status_code == 302
    told = Notification.objects.filter(recipient=hospital_chair)
    assert told.count() == 1 and "工作计划" in told.get().subject
    assert not Notification.objects.filter(recipient=chair).exists()  # the school has both papers
    # The same day again: no second message.
    remind_missing(actor=county_chair, root=org.county, year=YEAR, unit_ids=[org.hospital.pk])
    assert told.count() == 1


def test_only_an_upper_union_s_chair_sees_the_county_view(login, chair, org):
    assert login(chair).get(reverse("yearend:county")).status_code == 404
    assert login(chair).post(reverse("yearend:remind"), {"unit": org.county.pk}).status_code == 404


def test_the_aid_figures_link_to_the_applications_they_count(login, chair, org, treasurer, settings):
    """帮扶人次 linked to the whole 帮扶 list; now to the paid applications of that year and unit."""
    from welfare.models import AidApplication, AidState

    settings.FINANCE_BUDGET_CHECK = "warn"
    member = MemberFactory(org_unit=org.branch_a, name="王帮扶")
    cases = ((org.branch_a, YEAR, "本年"), (org.school, YEAR - 1, "去年"), (org.hospital, YEAR, "医院"))
    for unit, year, name in cases:
        day = dt.date(year, 1, 5)
        entry = finance.book_entry(
            actor=treasurer, org_unit=org.school, date=day, account="50201", amount="100", summary="帮扶"
        )
        AidApplication.objects.create(
            member=member if unit != org.hospital else MemberFactory(org_unit=unit),
            org_unit=unit,
            kind="illness",
            amount_requested=Decimal("100"),
            amount_granted=Decimal("100"),
            reason=name,
            state=AidState.PAID,
            paid_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10))),
            ledger_entry=entry,
            created_by=treasurer,
        )
    school = stats.year_stats(org.school, YEAR).total
    link = stats.figure_links(school, YEAR)["aid_count"]
    page = login(chair).get(link)
    assert page.status_code == 200
    assert school.values["aid_count"] == 1 == len(page.context["page"].object_list)
    assert page.context["page"].object_list[0].reason == "本年"


def test_the_finance_figures_link_to_the_entries_they_sum(login, chair, org, treasurer, settings):
    """经费收入/支出 linked to the whole ledger; now to the year's entries of the unit's subtree, by 收支."""
    settings.FINANCE_BUDGET_CHECK = "warn"
    hospital_treasurer = UserFactory()
    RoleGrantFactory(user=hospital_treasurer, org_unit=org.hospital, role=Role.TREASURER)
    bookings = (
        (org.school, dt.date(YEAR, 2, 1), "50201", "300"),
        (org.school, dt.date(YEAR, 3, 1), "401", "1000"),
        (org.school, dt.date(YEAR - 1, 12, 31), "50201", "70"),  # last year
        (org.hospital, dt.date(YEAR, 2, 1), "50201", "50"),  # another union
    )
    for unit, day, account, amount in bookings:
        actor = treasurer if unit == org.school else hospital_treasurer
        finance.book_entry(actor=actor, org_unit=unit, date=day, account=account, amount=amount, summary="经费")
    school = stats.year_stats(org.school, YEAR).total
    links = stats.figure_links(school, YEAR)
    client = login(chair)
    for key, total in (("income", "income"), ("expense", "expense")):
        page = client.get(links[key])
        assert page.status_code == 200
        assert page.context["totals"][total] == school.values[key] > 0
        assert len(page.context["page"].object_list) == 1


def test_a_ledger_link_to_another_union_lists_nothing(login, chair, org, treasurer, settings):
    settings.FINANCE_BUDGET_CHECK = "warn"
    finance.book_entry(
        actor=treasurer, org_unit=org.school, date=dt.date(YEAR, 2, 1), account="50201", amount="300", summary="经费"
    )
    client = login(chair)
    for within in (org.hospital.pk, 999999):
        page = client.get(reverse("finance:index"), {"within": within})
        assert page.status_code == 200
        assert not page.context["page"].object_list
    assert client.get(reverse("finance:index"), {"within": "abc"}).status_code == 200


def test_the_jinqiu_figures_link_to_the_students_they_count(login, chair, org):
    """金秋助学人数 linked to the campaigns page; now to the year's granted students of the unit."""
    from welfare.models import StudentApplication
    from welfare.tests import campaign_builders as cb

    campaign = cb.campaign(org, UserFactory())
    tier = campaign.tiers.get(name="二档")
    school_member, hospital_member = MemberFactory(org_unit=org.branch_a), MemberFactory(org_unit=org.ward)
    cases = ((school_member, "approved"), (school_member, "submitted"), (hospital_member, "paid"))
    for n, (member, state) in enumerate(cases):
        application = cb.ready_for_approval(campaign, member, chair, n)
        StudentApplication.objects.filter(pk=application.pk).update(state=state, tier=tier)
    school = stats.year_stats(org.school, YEAR).total
    link = stats.figure_links(school, YEAR)["student_count"]
    assert stats.figure_links(school, YEAR)["student_amount"] == link
    page = login(chair).get(link)
    assert page.status_code == 200
    shown = page.context["page"].object_list
    assert school.values["student_count"] == 1 == len(shown)
    assert school.values["student_amount"] == sum(a.tier.amount for a in shown)
    assert shown[0].member == school_member and shown[0].state == "approved"
    # Another union's number narrows to nothing; a bad one is ignored, never a 500.
    page = login(chair).get(reverse("welfare:student_list"), {"unit": org.hospital.pk})
    assert page.status_code == 200 and not page.context["page"].object_list
    assert login(chair).get(reverse("welfare:student_list"), {"unit": "x", "year": "二〇二六"}).status_code == 200
