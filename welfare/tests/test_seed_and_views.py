"""seed_demo_welfare, and what every welfare view must do: login, 405, 404 for strangers."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from welfare.models import AidApplication, AidState, HardshipFile, Visit

pytestmark = pytest.mark.django_db


def test_seed_demo_welfare_runs_once(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", password="x-demo-2026", stdout=StringIO())
    call_command("seed_demo_finance", stdout=StringIO())
    call_command("seed_demo_welfare", stdout=StringIO())
    assert HardshipFile.objects.count() == 1
    assert AidApplication.objects.get().state == AidState.NOTICE
    assert Visit.objects.get().ledger_entry is not None
    from welfare.models import Campaign

    assert Campaign.objects.get().tiers.count() == 2
    out = StringIO()
    call_command("seed_demo_welfare", stdout=out)
    assert "already" in out.getvalue()
    assert HardshipFile.objects.count() == 1


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
