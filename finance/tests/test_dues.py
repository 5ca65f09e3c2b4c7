"""会费: 0.5% of each member's wage base, rounded per member, one batch per unit and month."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from finance.models import DuesBatch, LedgerEntry
from finance.services import FinanceError, dues
from members.models import Member, OrgUnit, Role
from members.tests.factories import MemberFactory, OrgUnitFactory, RoleGrantFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("wage_base", "expected"),
    [("4321.00", "21.61"), ("4320.00", "21.60"), ("4301.00", "21.51"), ("100.10", "0.50"), ("0", "0.00")],
)
def test_dues_are_half_a_percent_rounded_half_up_to_the_fen(wage_base, expected):
    assert dues.dues_amount(Decimal(wage_base)) == Decimal(expected)


@pytest.fixture
def members(org):
    return [
        MemberFactory(org_unit=org.school, wage_base=Decimal("4321.00")),
        MemberFactory(org_unit=org.branch_a, wage_base=Decimal("6000.00")),
        MemberFactory(org_unit=org.group_a, wage_base=Decimal("5000.10")),
        MemberFactory(org_unit=org.branch_b, wage_base=None),
        MemberFactory(org_unit=org.branch_b, wage_base=Decimal("9000"), status=Member.Status.RETIRED),
        MemberFactory(org_unit=org.branch_b, wage_base=Decimal("9000"), joined_on=dt.date(2026, 4, 1)),
        MemberFactory(org_unit=org.hospital, wage_base=Decimal("9999")),
    ]


def test_preview_covers_active_members_of_the_subtree(org, members):
    preview = dues.dues_preview(org.school, 2026, 3)
    assert [m for m, _w, _a in preview.lines] == sorted(members[:3], key=lambda m: (m.org_unit.path, m.name, m.pk))
    assert preview.missing == [members[3]]
    assert preview.total == Decimal("21.61") + Decimal("30.00") + Decimal("25.00")


def test_units_keeping_their_own_books_are_left_out_of_the_upper_unit(org, members):
    MemberFactory(org_unit=org.county, wage_base=Decimal("7000"))
    preview = dues.dues_preview(org.county, 2026, 3)
    assert [amount for _m, _w, amount in preview.lines] == [Decimal("35.00")]


def test_batch_is_booked_once_as_dues_income(org, treasurer, members):
    batch = dues.dues_batch_create(actor=treasurer, org_unit=org.school, year=2026, month=3)
    assert batch.member_count == 3 and batch.total == Decimal("76.61")
    assert sum(line.amount for line in batch.lines.all()) == batch.total
    entry = batch.entry
    assert entry.account.code == "401" and entry.amount == batch.total and entry.date == dt.date(2026, 3, 31)
    assert entry.source_key == f"finance.duesbatch:{batch.pk}" and entry.summary == "2026年3月会费（3人）"
    with pytest.raises(FinanceError, match="已经计算并记账"):
        dues.dues_batch_create(actor=treasurer, org_unit=org.school, year=2026, month=3)
    assert DuesBatch.objects.count() == 1 and LedgerEntry.objects.count() == 1


def test_wage_base_changes_later_do_not_change_a_batch(org, treasurer, members):
    batch = dues.dues_batch_create(actor=treasurer, org_unit=org.school, year=2026, month=3)
    Member.objects.filter(pk=members[0].pk).update(wage_base=Decimal("1"))
    assert batch.lines.get(member=members[0]).wage_base == Decimal("4321.00")


def test_batch_rules(org, treasurer, chair, members):
    with pytest.raises(PermissionDenied):
        dues.dues_batch_create(actor=chair, org_unit=org.school, year=2026, month=3)
    with pytest.raises(FinanceError, match="还没有到"):
        today = dt.date.today()
        dues.dues_batch_create(actor=treasurer, org_unit=org.school, year=today.year + 1, month=1)
    with pytest.raises(FinanceError, match="记账日期"):
        dues.dues_batch_create(actor=treasurer, org_unit=org.school, year=2026, month=3, date=dt.date(2026, 4, 1))
    empty = OrgUnitFactory(name="空工会", kind=OrgUnit.Kind.BASE, parent=org.county)
    RoleGrantFactory(user=treasurer, org_unit=empty, role=Role.TREASURER)
    treasurer = type(treasurer).objects.get(pk=treasurer.pk)  # grants are cached on the user object
    with pytest.raises(FinanceError, match="没有可计算会费的会员"):
        dues.dues_batch_create(actor=treasurer, org_unit=empty, year=2026, month=3)
    assert not DuesBatch.objects.exists()
