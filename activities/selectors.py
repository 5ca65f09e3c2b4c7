"""Reads that check access and keep the query count flat."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from members import access
from members.models import Member

from . import workflow
from .models import (
    HOLDS_PLACE,
    Event,
    GroupPlan,
    InterestGroup,
    Schedule,
    SignUp,
    SignUpStatus,
    SubEvent,
    SubEventEntry,
)
from .services.common import own_member

VIEW = "activities.view_events"
MANAGE = workflow.MANAGE


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
