"""Double clicks on 发放 and on 慰问 caps, with real threads on PostgreSQL."""

from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from finance.chart import load_chart
from finance.models import Account, LedgerEntry
from union_office.testing import run_at_once
from welfare.models import AidState, Visit
from welfare.services import aid as aid_services
from welfare.services import visits
from welfare.services.common import WelfareError

from .conftest import advance, end_notice

THREADS = 10
# A thread refused with the user's message; any other exception fails the test.
REFUSED = (WelfareError,)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite has no row locks and its in-memory test database cannot be shared between threads",
    ),
]


@pytest.fixture(autouse=True)
def chart_of_accounts():
    """Transactional tests flush the database, the migration's chart included: put it back."""
    load_chart(Account)


def test_ten_clicks_on_pay_book_exactly_one_entry(applicant, member, chair, treasurer, budget):
    application = aid_services.aid_create(
        actor=member, member=applicant, kind="illness", amount_requested="5000", reason="住院", submit=True
    )
    application = end_notice(advance(application, "notice", chair=chair))

    outcomes = run_at_once(
        lambda n: aid_services.aid_transition(actor=treasurer, application_id=application.pk, action="pay"),
        THREADS,
        refusals=REFUSED,
    )
    assert sum(o.ok for o in outcomes) == 1
    assert all("已发放" in o.message for o in outcomes if not o.ok)
    assert LedgerEntry.objects.count() == 1
    application.refresh_from_db()
    assert application.state == AidState.PAID
    assert application.ledger_entry == LedgerEntry.objects.get()


def test_concurrent_festival_gifts_stay_under_the_yearly_cap(member_in_b, chair, budget):
    outcomes = run_at_once(
        lambda n: visits.visit_record(
            actor=chair,
            member=member_in_b,
            kind="festival",
            cause=f"节日{n}",
            visited_on=timezone.localdate(),
            amount="1000",
            is_cash=False,
            gift="慰问品",
            visitors="王建国",
        ),
        THREADS,
        refusals=REFUSED,
    )
    assert sum(o.ok for o in outcomes) == 2  # 2 × 1000 ≤ 2200 < 3 × 1000
    assert sum(v.amount for v in Visit.objects.all()) == Decimal("2000.00")
    assert LedgerEntry.objects.count() == 2


def test_thirty_concurrent_approvals_for_five_places(org, member):
    """Issue 7: exactly 5 approved, the other 25 told the quota is full."""
    from welfare.models import StudentApplication
    from welfare.services import campaign as campaign_services

    from .campaign_builders import campaign, county_chair, ready_for_approval

    boss = county_chair(org)
    jinqiu = campaign(org, boss)
    tier = jinqiu.tiers.get(name="一档")
    apps = [ready_for_approval(jinqiu, member.member, boss, n) for n in range(30)]

    outcomes = run_at_once(
        lambda n: campaign_services.student_transition(
            actor=boss, application_id=apps[n].pk, action="approve", tier_id=tier.pk
        ),
        30,
        refusals=REFUSED,
    )
    assert sum(o.ok for o in outcomes) == 5
    assert all("名额已满（5 名）" in o.message for o in outcomes if not o.ok)
    assert StudentApplication.objects.filter(tier=tier, state="approved").count() == 5


def test_the_same_student_approved_twice_at_once_is_aided_once(org, member):
    from welfare.models import StudentApplication
    from welfare.services import campaign as campaign_services

    from .campaign_builders import campaign, county_chair, ready_for_approval

    boss = county_chair(org)
    c1, c2 = campaign(org, boss, title="甲"), campaign(org, boss, title="乙")
    a = ready_for_approval(c1, member.member, boss, 5)
    b = ready_for_approval(c2, member.member, boss, 5)  # the same student 身份证号
    pairs = [(a, c1), (b, c2)]
    outcomes = run_at_once(
        lambda n: campaign_services.student_transition(
            actor=boss, application_id=pairs[n][0].pk, action="approve", tier_id=pairs[n][1].tiers.get(name="二档").pk
        ),
        2,
        refusals=REFUSED,
    )
    assert sum(o.ok for o in outcomes) == 1
    assert StudentApplication.objects.filter(state="approved").count() == 1
