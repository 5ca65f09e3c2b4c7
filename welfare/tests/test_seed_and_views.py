"""seed_demo_welfare, and what every welfare view must do: login, 405, 404 for strangers."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from welfare.models import AidApplication, AidState, HardshipFile, Visit
from welfare.services import aid

pytestmark = pytest.mark.django_db


def test_seed_demo_welfare_runs_once(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", password="x-demo-2026", stdout=StringIO())
    call_command("seed_demo_finance", stdout=StringIO())
    call_command("seed_demo_welfare", stdout=StringIO())
    assert HardshipFile.objects.count() == 1
    states = sorted(AidApplication.objects.values_list("state", flat=True))
    assert states == sorted([AidState.NOTICE, AidState.NOTICE, AidState.SUBMITTED])
    assert Visit.objects.get().ledger_entry is not None
    from welfare.models import Campaign

    campaign = Campaign.objects.get()
    assert campaign.tiers.count() == 2
    assert campaign.opens_on <= timezone.localdate() <= campaign.deadline
    out = StringIO()
    call_command("seed_demo_welfare", stdout=out)
    assert "未重复生成" in out.getvalue()
    assert HardshipFile.objects.count() == 1


def test_seed_demo_welfare_leaves_an_aid_to_pay_and_one_for_the_committee(settings):
    """On the day the demo is loaded: one 公示 has ended (the treasurer can pay it), and the demo
    `committee` account has an application to screen in its own 分工会."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", password="x-demo-2026", stdout=StringIO())
    call_command("seed_demo_finance", stdout=StringIO())
    call_command("seed_demo_welfare", stdout=StringIO())
    users = get_user_model().objects.in_bulk(["treasurer", "committee"], field_name="username")
    ended = AidApplication.objects.get(state=AidState.NOTICE, notice_ends_on__lt=timezone.localdate())
    paid = aid.aid_transition(actor=users["treasurer"], application_id=ended.pk, action="pay")
    assert paid.state == AidState.PAID and paid.ledger_entry is not None
    waiting = AidApplication.objects.get(state=AidState.SUBMITTED)
    screened = aid.aid_transition(
        actor=users["committee"], application_id=waiting.pk, action="screen", comment="材料齐全。"
    )
    assert screened.state == AidState.SCREENED


PAGES = ["welfare:index", "welfare:aid_list", "welfare:notice", "welfare:file_list", "welfare:visits", "welfare:report"]


@pytest.mark.parametrize("name", PAGES)
def test_pages_need_login(client, name):
    assert client.get(reverse(name)).status_code == 302


@pytest.mark.parametrize("name", PAGES)
def test_pages_work_for_the_chair(login, chair, name):
    assert login(chair).get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", ["welfare:file_list", "welfare:visits", "welfare:report", "welfare:file_create"])
def test_reviewer_pages_are_404_for_members(login, member, name):
    assert login(member).get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", ["welfare:index", "welfare:aid_list", "welfare:notice", "welfare:aid_create"])
def test_member_pages(login, member, name):
    assert login(member).get(reverse(name)).status_code == 200


def test_writes_need_post(login, chair):
    client = login(chair)
    assert client.get(reverse("welfare:aid_act", args=[1, "submit"])).status_code == 405
    assert client.get(reverse("welfare:objection_raise", args=[1])).status_code == 405
    assert client.get(reverse("welfare:file_act", args=[1, "close"])).status_code == 405
    assert client.put(reverse("welfare:report")).status_code == 405


@pytest.mark.parametrize(("name", "value"), [("WELFARE_NOTICE_DAYS", 0), ("WELFARE_UPLOAD_MAX_BYTES", 10)])
def test_bad_settings_stop_start_up(settings, name, value):
    from django.core.exceptions import ImproperlyConfigured

    from welfare.apps import check_settings

    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        check_settings()
