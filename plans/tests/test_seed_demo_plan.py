from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from plans.models import Item, Plan, ScheduleEntry


@pytest.mark.django_db
def test_demo_plan_is_created_once_after_seed_demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo_plan", stdout=StringIO())
    call_command("seed_demo_plan", stdout=StringIO())
    plan = Plan.objects.get()
    assert plan.title == f"清河县第一中学工会{timezone.localdate().year}年工作计划"
    assert plan.status == Plan.Status.DRAFT
    assert Item.objects.filter(section__plan=plan).count() > 5
    assert ScheduleEntry.objects.filter(plan=plan).count() > 5


@pytest.mark.django_db
def test_demo_plan_needs_the_demo_union():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_plan", stdout=StringIO())
