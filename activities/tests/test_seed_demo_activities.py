import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from activities.management.commands.seed_demo_activities import womens_event
from activities.models import Event, GroupPlan, InterestGroup, PolicyRule, Schedule, SignUp


@pytest.mark.django_db
def test_demo_activities_are_created_once_after_seed_demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo_activities", stdout=StringIO())
    call_command("seed_demo_activities", stdout=StringIO())
    women_kind = "womens_day" if timezone.localdate().month in (2, 3) else "training"
    assert set(Event.objects.values_list("kind", flat=True)) == {women_kind, "sports_day", "retreat"}
    sports = Event.objects.get(kind="sports_day")
    assert sports.items.count() == 4 and sports.status == "open"
    assert SignUp.objects.filter(event=sports, status="signed_up").count() == 18
    assert Event.objects.get(kind=women_kind).eligibility == "women"
    assert Schedule.objects.get(title="全员健身").exceptions.get().reason == "国庆放假"
    assert InterestGroup.objects.count() == 1 and GroupPlan.objects.get().status == "submitted"
    assert PolicyRule.objects.count() == 3


@pytest.mark.django_db
def test_demo_activities_need_the_demo_union():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_activities", stdout=StringIO())


@pytest.mark.parametrize(
    ("day", "title", "kind"),
    [
        (dt.date(2027, 3, 1), "三八妇女节插花茶艺活动", "womens_day"),
        (dt.date(2026, 12, 7), "女职工健康知识讲座", "training"),
        (dt.date(2027, 7, 20), "女职工健康知识讲座", "training"),
    ],
)
def test_the_womens_event_is_in_season(day, title, kind):
    assert womens_event(day)[:2] == (title, kind)
