"""Test data of activities: events in a given state without the workflow, and members who may join them."""

import datetime as dt
from typing import Any

import factory
from django.utils import timezone

from activities.models import Event, EventStatus
from activities.services.money import default_account
from members.models import Member, OrgUnit
from members.tests.factories import MemberFactory, UserFactory


class EventFactory(factory.django.DjangoModelFactory):
    """An event open for sign-up, a week ahead, 3 hours long (no audit, no reminders); the account
    follows the kind unless given. The unit is always given: EventFactory(org_unit=org.school)."""

    class Meta:
        model = Event

    title = "教职工乒乓球赛"
    kind = Event.Kind.CONTEST
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + dt.timedelta(hours=3))
    status = EventStatus.OPEN
    place = "学校体育馆"
    account = factory.LazyAttribute(lambda event: default_account(event.kind))


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
