"""A role grant past its 截止日期 holds nothing (issue 21): not the access checks, and not the places
that look up "who holds this role" to tell someone, list their roles or count the 工会干部."""

import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import timezone

from members import access
from members.dashboard import my_account_card
from members.models import Role, RoleGrant
from members.tests.factories import MemberFactory, UserFactory
from plans.reminders import _Recipients
from welfare.services.common import reviewers_of
from yearend.stats import year_stats

pytestmark = pytest.mark.django_db


def _yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


@pytest.fixture
def former_chair(org):
    """A chair whose 届期 ended yesterday, beside the chair in office."""
    user = UserFactory(username="former_chair")
    MemberFactory(org_unit=org.school, user=user)
    RoleGrant.objects.create(user=user, org_unit=org.school, role=Role.CHAIR, ends_on=_yesterday())
    return user


def test_an_expired_grant_is_current_until_its_last_day(org, former_chair, chair):
    grant = RoleGrant.objects.get(user=former_chair)
    assert list(RoleGrant.objects.current().filter(org_unit=org.school, role=Role.CHAIR)) == [
        RoleGrant.objects.get(user=chair)
    ]
    assert grant in RoleGrant.objects.current(on=_yesterday())


def test_the_holders_told_of_their_turn_skip_an_expired_grant(org, former_chair, chair):
    assert access.holders("members.change_member", org.school) == [chair]


def test_reminder_recipients_skip_an_expired_chair(org, former_chair, chair):
    from plans.models import Plan

    plan = Plan(org_unit=org.school, year=timezone.localdate().year)
    assert _Recipients().chairs(plan) == [chair]


def test_welfare_reviewers_skip_an_expired_grant(org, former_chair, chair):
    assert reviewers_of(org.branch_a) == [chair]


def test_my_account_card_lists_only_the_roles_held_today(org, former_chair):
    request = RequestFactory().get("/")
    request.user = former_chair
    assert list(my_account_card(request)["grants"]) == []


def test_the_year_statistics_count_cadres_in_office_at_the_year_end(org, former_chair, chair):
    year = timezone.localdate().year - 1
    RoleGrant.objects.filter(user=former_chair).update(ends_on=dt.date(year, 6, 30))
    stats = year_stats(org.school, year)
    assert stats.total.values["cadres"] == 1
