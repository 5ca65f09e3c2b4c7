"""The 工作台 card of activities: my coming sign-ups, events open for sign-up, group plans to decide."""

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from members import access

from . import selectors, workflow
from .models import (
    HOLDS_PLACE,
    Event,
    EventStatus,
    GroupPlan,
    GroupPlanStatus,
    InterestGroup,
    Occurrence,
    SignUp,
    SignUpStatus,
)

MAX_ROWS = 5


def activities_card(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    if not access.has_anywhere(user, "activities.view_events"):
        return None
    now = timezone.now()
    mine = list(
        SignUp.objects.filter(
            member__user=user,
            status__in=(*HOLDS_PLACE, SignUpStatus.WAITLISTED),
            event__ends_at__gte=now,
        )
        .exclude(event__status=EventStatus.CANCELLED)
        .select_related("event")
        .order_by("event__starts_at")[:MAX_ROWS]
    )
    taken = {s.event_id for s in mine}
    open_events = list(
        access.visible(user, "activities.view_events", Event.objects.filter(status=EventStatus.OPEN, starts_at__gt=now))
        .exclude(pk__in=taken)
        .annotate(taken=Count("signups", filter=Q(signups__status__in=HOLDS_PLACE)))
        .order_by("starts_at")[:MAX_ROWS]
    )
    awaiting: list[GroupPlan] = []
    if access.has_anywhere(user, workflow.APPROVE_GROUPS):
        groups = access.visible(user, workflow.APPROVE_GROUPS, InterestGroup.objects.all())
        awaiting = list(
            GroupPlan.objects.filter(status=GroupPlanStatus.SUBMITTED, group__in=groups)
            .select_related("group")
            .order_by("submitted_at")[:MAX_ROWS]
        )
    week, month = my_week_and_month(user)
    if not (mine or open_events or awaiting or week or month):
        return None
    return {"mine": mine, "open_events": open_events, "awaiting": awaiting, "week": week, "month": month}


def my_week_and_month(user: Any) -> tuple[list[Occurrence], list[Occurrence]]:
    """My recurring activities: this week's (Monday to Sunday), then the rest of this month's."""
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    next_month = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time()))
    week_end = start + dt.timedelta(days=7)
    end = max(week_end, timezone.make_aware(dt.datetime.combine(next_month, dt.time())))
    occurrences = selectors.my_occurrences(user, start, end)
    week = [o for o in occurrences if o.starts_at < week_end]
    month = [o for o in occurrences if o.starts_at >= week_end and timezone.localtime(o.starts_at).month == today.month]
    return week[: 2 * MAX_ROWS], month[: 2 * MAX_ROWS]


def register() -> None:
    from union_office.registry import DashboardCard, register_card

    register_card(DashboardCard("activities", "activities/dashboard_card.html", 30, activities_card))
