"""Test helpers: events in a given state without the workflow, and members who may join them."""

import datetime as dt
from typing import Any

from django.utils import timezone

from activities.models import Event, EventStatus
from activities.services.money import default_account
from members.models import Member, OrgUnit
from members.tests.factories import MemberFactory, UserFactory


def build_event(org_unit: OrgUnit, **values: Any) -> Event:
    """An event open for sign-up, a week ahead, 3 hours long (no audit, no reminders)."""
    starts = values.pop("starts_at", timezone.now() + dt.timedelta(days=7))
    kind = values.pop("kind", Event.Kind.CONTEST)
    defaults = {
        "title": "教职工乒乓球赛",
        "kind": kind,
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=3),
        "status": EventStatus.OPEN,
        "place": "学校体育馆",
        "account": default_account(kind),
    }
    return Event.objects.create(org_unit=org_unit, **(defaults | values))


def person(org_unit: OrgUnit, *, gender: str = "F", name: str | None = None, **values: Any) -> Member:
    """A member with a login (so reminders reach them)."""
    user = UserFactory()
    extra = {"name": name} if name else {}
    return MemberFactory(org_unit=org_unit, gender=gender, user=user, **extra, **values)


def member_of(user: Any, **values: Any) -> Member:
    """The persona's Member record, with the given fields set (gender etc.)."""
    member = Member.objects.get(user=user)
    if values:
        Member.objects.filter(pk=member.pk).update(**values)
        member.refresh_from_db()
    return member
