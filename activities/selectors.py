"""Reads that check access and keep the query count flat."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from members import access
from members.models import Member

from . import workflow
from .models import (
    HOLDS_PLACE,
    Attendance,
    AttendanceStatus,
    Event,
    GroupPlan,
    InterestGroup,
    Occurrence,
    Schedule,
    SignUp,
    SignUpStatus,
    SubEvent,
    SubEventEntry,
)
from .occurrences import audience_members
from .services.common import own_member

VIEW = "activities.view_events"
MANAGE = workflow.MANAGE


def occurrence_get(user: Any, pk: int) -> Occurrence:
    """One occurrence of a recurring activity the user may see (404 otherwise)."""
    queryset = Occurrence.objects.select_related("schedule__org_unit", "schedule__responsible")
    return access.get_visible_or_404(user, VIEW, queryset, unit_field="schedule__org_unit", pk=pk)


def visible_events(user: Any) -> QuerySet[Event]:
    return access.visible(user, VIEW, Event.objects.all()).select_related("org_unit")


def event_get(user: Any, pk: int) -> Event:
    """One event the user may see (404 otherwise), with the counts of its sign-ups."""
    queryset = Event.objects.select_related("org_unit", "responsible", "account", "organiser").annotate(
        taken=Count("signups", filter=Q(signups__status__in=HOLDS_PLACE)),
        waiting=Count("signups", filter=Q(signups__status=SignUpStatus.WAITLISTED)),
        checked_in=Count("signups", filter=Q(signups__status=SignUpStatus.CHECKED_IN)),
    )
    return access.get_visible_or_404(user, VIEW, queryset, pk=pk)


def event_for_manager(user: Any, pk: int) -> Event:
    """404 when the event is not theirs to see; PermissionDenied (403) when they may only read it."""
    event = event_get(user, pk)
    access.require(user, MANAGE, event.org_unit)
    return event


def events_list(user: Any) -> QuerySet[Event]:
    """The event list: each row with its counts in the same query."""
    return visible_events(user).annotate(
        taken=Count("signups", filter=Q(signups__status__in=HOLDS_PLACE)),
        waiting=Count("signups", filter=Q(signups__status=SignUpStatus.WAITLISTED)),
    )


@dataclass
class ItemRow:
    item: SubEvent
    entered: int
    mine: bool


def items_of(event: Event, signup: SignUp | None) -> list[ItemRow]:
    items = event.items.annotate(entered=Count("entries"))
    mine = set(signup.entries.values_list("sub_event_id", flat=True)) if signup else set()
    return [ItemRow(item, item.entered, item.pk in mine) for item in items]


def my_signup(user: Any, event: Event) -> SignUp | None:
    member = own_member(user)
    if member is None:
        return None
    return SignUp.objects.filter(event=event, member=member).first()


def waitlist_position(signup: SignUp) -> int:
    return (
        SignUp.objects.filter(event_id=signup.event_id, status=SignUpStatus.WAITLISTED)
        .filter(Q(queued_at__lt=signup.queued_at) | Q(queued_at=signup.queued_at, pk__lt=signup.pk))
        .count()
        + 1
    )


def roster(event: Event) -> QuerySet[SignUp]:
    """Everyone signed up, checked in or waiting, in queue order, with their unit and department."""
    return (
        SignUp.objects.filter(event=event)
        .exclude(status=SignUpStatus.CANCELLED)
        .select_related("member__org_unit", "member__department")
        .prefetch_related(Prefetch("entries", queryset=SubEventEntry.objects.select_related("sub_event")))
        .order_by("queued_at", "pk")
    )


def rankings(event: Event) -> list[SubEvent]:
    """The 比赛项目 with their entries, ranked ones first by rank, then the rest by name."""
    entries = SubEventEntry.objects.select_related("signup__member__org_unit").order_by(
        "rank", "signup__member__name", "pk"
    )
    return list(event.items.prefetch_related(Prefetch("entries", queryset=entries)))


def visible_schedules(user: Any) -> QuerySet[Schedule]:
    return access.visible(user, VIEW, Schedule.objects.all()).select_related("org_unit", "responsible")


def schedule_get(user: Any, pk: int) -> Schedule:
    return access.get_visible_or_404(user, VIEW, visible_schedules(user), pk=pk)


def visible_groups(user: Any) -> QuerySet[InterestGroup]:
    return (
        access.visible(user, VIEW, InterestGroup.objects.all())
        .select_related("org_unit", "leader")
        .annotate(member_count=Count("memberships"))
    )


def group_get(user: Any, pk: int) -> InterestGroup:
    return access.get_visible_or_404(user, VIEW, visible_groups(user), pk=pk)


def group_plan_get(user: Any, pk: int) -> GroupPlan:
    plan = GroupPlan.objects.select_related("group__org_unit", "group__leader").filter(pk=pk).first()
    if plan is None or not access.visible(user, VIEW, InterestGroup.objects.filter(pk=plan.group_id)).exists():
        raise Http404
    return plan


def is_member_of(user: Any, group: InterestGroup) -> bool:
    member: Member | None = own_member(user)
    return member is not None and group.memberships.filter(member=member).exists()


# --- Occurrences of recurring activities ---------------------------------------------------------

# The 负责人's phone list shows at most this many audience members (a whole-union audience is
# checked in by QR code; the list is for the ones without a phone at hand).
ATTENDANCE_LIST_MAX = 500


@dataclass
class AttendanceRow:
    member: Member
    attendance: Attendance | None


def my_attendance(occurrence: Occurrence, member: Member | None) -> Attendance | None:
    if member is None:
        return None
    return Attendance.objects.filter(occurrence=occurrence, member=member).first()


def attendance_list(occurrence: Occurrence) -> list[AttendanceRow]:
    """The audience (or, with a capacity, those signed up) with each one's sign-up/check-in, in
    two queries whatever the length."""
    schedule = occurrence.schedule
    by_member = {
        a.member_id: a
        for a in Attendance.objects.filter(occurrence=occurrence).exclude(status=AttendanceStatus.CANCELLED)
    }
    if schedule.capacity is not None:
        members = Member.objects.filter(pk__in=list(by_member))
    else:
        members = audience_members(schedule)
    members = members.select_related("org_unit").order_by("org_unit__path", "name", "pk")[:ATTENDANCE_LIST_MAX]
    return [AttendanceRow(member, by_member.get(member.pk)) for member in members]


def my_occurrences(user: Any, start: dt.datetime, end: dt.datetime) -> list[Occurrence]:
    """The occurrences between start and end of the activities whose audience includes the user
    (their 工作台's "本周/本月活动"): the candidates are the activities hosted above their unit."""
    member = own_member(user)
    if member is None:
        return []
    path = member.org_unit.path
    ancestors = [path[: i + 1] for i, char in enumerate(path) if char == "/"]
    occurrences = list(
        Occurrence.objects.filter(starts_at__gte=start, starts_at__lt=end, schedule__org_unit__path__in=ancestors)
        .select_related("schedule")
        .order_by("starts_at")
    )
    schedules = {o.schedule_id: o.schedule for o in occurrences}
    mine = {pk for pk, schedule in schedules.items() if audience_members(schedule).filter(pk=member.pk).exists()}
    return [o for o in occurrences if o.schedule_id in mine]


# --- 会员参加活动统计: each member's sign-ups and check-ins across activities (issue 15) ---------


@dataclass(frozen=True)
class MemberAttendance:
    member: Member
    event_signups: int
    event_checkins: int
    occurrence_signups: int
    occurrence_checkins: int


def member_attendance(unit: Any, start: dt.date, end: dt.date) -> tuple[QuerySet[Member], Any]:
    """The unit subtree's members and a function giving each one's row, for start..end (both included).

    Counts are two grouped queries over the whole subtree (one for events, one for the occurrences
    of recurring activities), whatever the number of members, activities or pages: a sign-up that
    holds a place counts (cancelled and waitlisted do not); a check-in is one with its time. The
    caller pages or streams the members queryset.
    """
    in_subtree = {"member__org_unit__path__startswith": unit.path}
    events = {
        row["member_id"]: row
        for row in SignUp.objects.filter(
            **in_subtree, status__in=HOLDS_PLACE, event__starts_at__date__range=(start, end)
        )
        .values("member_id")
        .annotate(signed=Count("pk"), checked=Count("pk", filter=Q(checked_in_at__isnull=False)))
    }
    occurrences = {
        row["member_id"]: row
        for row in Attendance.objects.filter(
            **in_subtree,
            status__in=(AttendanceStatus.SIGNED_UP, AttendanceStatus.CHECKED_IN),
            occurrence__date__range=(start, end),
        )
        .values("member_id")
        .annotate(signed=Count("pk"), checked=Count("pk", filter=Q(checked_in_at__isnull=False)))
    }
    empty = {"signed": 0, "checked": 0}

    def row(member: Member) -> MemberAttendance:
        event, occurrence = events.get(member.pk, empty), occurrences.get(member.pk, empty)
        return MemberAttendance(member, event["signed"], event["checked"], occurrence["signed"], occurrence["checked"])

    members = (
        Member.objects.filter(org_unit__path__startswith=unit.path)
        .select_related("org_unit")
        .order_by("org_unit__path", "name", "pk")
    )
    return members, row
