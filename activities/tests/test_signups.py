"""Sign-ups: places, waitlist promotion, eligibility, windows, 比赛项目 caps, check-in, concurrency."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from activities import services
from activities.models import Eligibility, Event, SignUp, SignUpStatus, SubEvent
from activities.services import ActivityError
from members.models import Member
from union_office.models import AuditEntry
from union_office.testing import run_at_once

from .factories import EventFactory, member_of, person


def _statuses(event):
    return dict(SignUp.objects.filter(event=event).values_list("member__name", "status"))


def test_member_signs_up_and_gets_a_place(member, org):
    event = EventFactory(org_unit=org.school, capacity=10)
    signup = services.signup_create(actor=member, event_id=event.pk)
    assert signup.status == SignUpStatus.SIGNED_UP
    assert signup.member == member_of(member)
    assert AuditEntry.objects.filter(action="activities.signup.create", object_id=str(event.pk)).count() == 1


def test_full_event_waitlists_and_a_cancellation_promotes_the_first_in_line(org):
    event = EventFactory(org_unit=org.school, capacity=2)
    people = [person(org.branch_b, name=name) for name in ("甲", "乙", "丙", "丁")]
    signups = [services.signup_create(actor=p.user, event_id=event.pk) for p in people]
    assert [s.status for s in signups] == ["signed_up", "signed_up", "waitlisted", "waitlisted"]

    services.signup_cancel(actor=people[0].user, signup_id=signups[0].pk)

    assert _statuses(event) == {"甲": "cancelled", "乙": "signed_up", "丙": "signed_up", "丁": "waitlisted"}
    assert AuditEntry.objects.filter(action="activities.signup.promote").count() == 1


def test_cancelling_a_waitlisted_place_promotes_nobody(org):
    event = EventFactory(org_unit=org.school, capacity=1)
    first, second, third = (person(org.branch_b, name=n) for n in ("甲", "乙", "丙"))
    services.signup_create(actor=first.user, event_id=event.pk)
    waiting = services.signup_create(actor=second.user, event_id=event.pk)
    services.signup_create(actor=third.user, event_id=event.pk)
    services.signup_cancel(actor=second.user, signup_id=waiting.pk)
    assert _statuses(event) == {"甲": "signed_up", "乙": "cancelled", "丙": "waitlisted"}


def test_a_larger_capacity_promotes_the_waitlist_at_once(chair, org):
    event = EventFactory(org_unit=org.school, capacity=1)
    people = [person(org.branch_b, name=n) for n in ("甲", "乙", "丙")]
    for p in people:
        services.signup_create(actor=p.user, event_id=event.pk)
    services.event_update(actor=chair, event_id=event.pk, capacity=2)
    assert _statuses(event) == {"甲": "signed_up", "乙": "signed_up", "丙": "waitlisted"}


def test_signing_up_twice_is_refused_and_again_after_cancelling_goes_to_the_back(org):
    event = EventFactory(org_unit=org.school, capacity=1)
    first, second = person(org.branch_b, name="甲"), person(org.branch_b, name="乙")
    mine = services.signup_create(actor=first.user, event_id=event.pk)
    with pytest.raises(ActivityError, match="已经报过名了"):
        services.signup_create(actor=first.user, event_id=event.pk)
    services.signup_create(actor=second.user, event_id=event.pk)
    services.signup_cancel(actor=first.user, signup_id=mine.pk)
    again = services.signup_create(actor=first.user, event_id=event.pk)
    assert again.pk == mine.pk and again.status == SignUpStatus.WAITLISTED
    assert _statuses(event) == {"甲": "waitlisted", "乙": "signed_up"}


def test_a_man_cannot_sign_up_for_the_womens_day_event(member, org):
    event = EventFactory(
        org_unit=org.school, kind=Event.Kind.WOMENS_DAY, eligibility=Eligibility.WOMEN, title="三八妇女节活动"
    )
    member_of(member, gender="M")
    with pytest.raises(ActivityError) as refused:
        services.signup_create(actor=member, event_id=event.pk)
    assert refused.value.messages == ["本活动仅限女职工参加，您不在报名范围内。"]
    assert not SignUp.objects.exists()


def test_a_woman_may_sign_up_for_the_womens_day_event(member, org):
    event = EventFactory(org_unit=org.school, kind=Event.Kind.WOMENS_DAY, eligibility=Eligibility.WOMEN)
    member_of(member, gender="F")
    assert services.signup_create(actor=member, event_id=event.pk).status == SignUpStatus.SIGNED_UP


def test_chosen_units_only(member, member_in_a, chair, org):
    event = EventFactory(org_unit=org.school, eligibility=Eligibility.UNITS)
    event.eligible_units.set([org.branch_a])
    with pytest.raises(ActivityError, match="仅限以下单位的会员参加：高一年级分工会"):
        services.signup_create(actor=member, event_id=event.pk)
    # The organiser signs up a member of 分工会 A (a member without a login) for them.
    assert services.signup_create(actor=chair, event_id=event.pk, member=member_in_a).status == "signed_up"


def test_retirees_only_and_the_organiser_signs_them_up(chair, member, org):
    event = EventFactory(org_unit=org.school, eligibility=Eligibility.RETIREES, title="退休职工重阳节登山")
    retiree = person(org.branch_b, status=Member.Status.RETIRED)
    with pytest.raises(ActivityError, match="仅限退休职工"):
        services.signup_create(actor=member, event_id=event.pk)
    assert services.signup_create(actor=chair, event_id=event.pk, member=retiree).status == "signed_up"


def test_members_of_another_union_are_refused(outsider, org):
    event = EventFactory(org_unit=org.school)
    with pytest.raises(ActivityError, match="仅限其会员报名"):
        services.signup_create(actor=outsider, event_id=event.pk)


def test_a_plain_member_cannot_sign_up_someone_else(member, member_in_b, org):
    event = EventFactory(org_unit=org.school)
    with pytest.raises(PermissionDenied):
        services.signup_create(actor=member, event_id=event.pk, member=member_in_b)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"status": Event.Status.PLANNED}, "当前计划中，不接受报名"),
        ({"signup_opens_at": timezone.now() + dt.timedelta(days=1)}, "报名将于"),
        ({"signup_closes_at": timezone.now() - dt.timedelta(minutes=1)}, "报名已于"),
    ],
)
def test_sign_up_only_while_open_and_inside_the_window(member, org, values, message):
    event = EventFactory(org_unit=org.school, **values)
    with pytest.raises(ActivityError, match=message):
        services.signup_create(actor=member, event_id=event.pk)


def test_no_cancelling_once_the_event_has_started(member, org):
    event = EventFactory(org_unit=org.school)
    signup = services.signup_create(actor=member, event_id=event.pk)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.RUNNING)
    with pytest.raises(ActivityError, match="不能取消报名"):
        services.signup_cancel(actor=member, signup_id=signup.pk)


def test_items_per_person_cap_and_item_capacity(org):
    event = EventFactory(org_unit=org.school, kind=Event.Kind.SPORTS_DAY, items_per_person=2, capacity=None)
    tug, table_tennis, badminton = (
        SubEvent.objects.create(event=event, name=name, capacity=cap)
        for name, cap in (("拔河", None), ("乒乓球", 1), ("羽毛球", None))
    )
    first, second = person(org.branch_b, name="甲"), person(org.branch_b, name="乙")
    mine = services.signup_create(actor=first.user, event_id=event.pk)
    services.item_enter(actor=first.user, signup_id=mine.pk, sub_event_id=tug.pk)
    services.item_enter(actor=first.user, signup_id=mine.pk, sub_event_id=table_tennis.pk)
    with pytest.raises(ActivityError, match="每人最多报 2 个比赛项目，您已报 2 个"):
        services.item_enter(actor=first.user, signup_id=mine.pk, sub_event_id=badminton.pk)
    theirs = services.signup_create(actor=second.user, event_id=event.pk)
    with pytest.raises(ActivityError, match="“乒乓球”的 1 个名额已满"):
        services.item_enter(actor=second.user, signup_id=theirs.pk, sub_event_id=table_tennis.pk)
    services.item_withdraw(actor=first.user, signup_id=mine.pk, sub_event_id=table_tennis.pk)
    services.item_enter(actor=second.user, signup_id=theirs.pk, sub_event_id=table_tennis.pk)
    # Cancelling the sign-up frees the member's items as well.
    services.signup_cancel(actor=first.user, signup_id=mine.pk)
    assert tug.entries.count() == 0


def test_waitlisted_members_cannot_enter_items(org):
    event = EventFactory(org_unit=org.school, kind=Event.Kind.SPORTS_DAY, capacity=1)
    item = SubEvent.objects.create(event=event, name="拔河")
    services.signup_create(actor=person(org.branch_b).user, event_id=event.pk)
    late = person(org.branch_b)
    waiting = services.signup_create(actor=late.user, event_id=event.pk)
    with pytest.raises(ActivityError, match="不是候补"):
        services.item_enter(actor=late.user, signup_id=waiting.pk, sub_event_id=item.pk)


def test_check_in_by_the_organiser_only(committee, chair, member, org):
    event = EventFactory(org_unit=org.school)
    signup = services.signup_create(actor=member, event_id=event.pk)
    with pytest.raises(PermissionDenied):
        services.check_in(actor=member, signup_id=signup.pk)
    with pytest.raises(PermissionDenied):  # 分工会 A's committee does not run the school's event
        services.check_in(actor=committee, signup_id=signup.pk)
    assert services.check_in(actor=chair, signup_id=signup.pk).status == SignUpStatus.CHECKED_IN
    with pytest.raises(ActivityError, match="不能签到"):
        services.check_in(actor=chair, signup_id=signup.pk)
    assert services.check_in(actor=chair, signup_id=signup.pk, undo=True).status == SignUpStatus.SIGNED_UP


# --- 50 people, 20 places, at once (PostgreSQL) ------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite has no row locks (select_for_update is a no-op) and its in-memory test database "
    "cannot be shared between threads; run with DATABASE_URL=postgres://…",
)
def test_fifty_simultaneous_sign_ups_for_twenty_places(org):
    event = EventFactory(org_unit=org.school, capacity=20)
    people = [person(org.branch_b, name=f"会员{i:02d}") for i in range(50)]
    # Nobody is refused (the full event waitlists), so any exception fails the test.
    outcomes = run_at_once(
        lambda n: services.signup_create(actor=people[n].user, event_id=event.pk).status, len(people), refusals=()
    )
    statuses = [o.value for o in outcomes]
    assert statuses.count("signed_up") == 20 and statuses.count("waitlisted") == 30
    counts = {s: SignUp.objects.filter(event=event, status=s).count() for s in ("signed_up", "waitlisted")}
    assert counts == {"signed_up": 20, "waitlisted": 30}
