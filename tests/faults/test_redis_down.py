"""Redis down (issue 9 item 4): the broker and the cache both unreachable.

Every page still answers (the cache is a miss, sessions are in the database), and each action that
queues a background job records it, says so in Chinese, and the job runs once the broker is back
and the periodic sweep sends it again. Reminders are rows and need no broker at all.
"""

import datetime as dt
import logging

import pytest
import redis
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from activities.models import SignUp, SignUpStatus
from activities.tests.builders import build_event, member_of
from members import exports
from members.exports import roster_export_requeue
from members.imports import roster_import_requeue
from members.models import Member, RosterExport, RosterImport
from members.tests.factories import MemberFactory
from members.tests.test_imports import csv_file, row
from union_office.jobs import DELAYED_MESSAGE, JobStatus
from union_office.notifications import Notification, Reminder
from union_office.notifications.dispatch import reminders_dispatch_due

from .conftest import DEAD_REDIS

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(minutes=3)  # past the sweep's RESEND_AFTER


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


def _page_names(resolver: URLResolver, namespace: str = "") -> list[str]:
    names = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":
                names += _page_names(pattern, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.converters:
            names.append(namespace + pattern.name)
    return names


# Pages that end the session or switch the language: opened last, or not at all.
NOT_OPENED = {"logout", "set_language"}


def test_every_page_answers_with_redis_down(dead_broker, dead_cache, media_root, client, chair, org, caplog):
    """Every page without arguments (the menus' pages), and the job pages, opened by the 工会主席.

    Detail pages read nothing from the cache or the broker; the world of test_query_budget.py
    would add 8 s here for no more coverage of this fault.
    """
    member = MemberFactory(org_unit=org.branch_a)
    export = RosterExport.objects.create(created_by=chair, status=JobStatus.QUEUED)
    roster_import = RosterImport.objects.create(org_unit=org.school, created_by=chair, original_name="花名册.csv")
    details = {
        "members:member_detail": [member.pk],
        "members:unit_detail": [org.school.pk],
        "members:export_detail": [export.pk],
        "members:import_detail": [roster_import.pk],
    }
    client.force_login(chair)
    client.raise_request_exception = False
    answers = {}
    with caplog.at_level(logging.WARNING, logger="union_office.cache"):
        for name in sorted(set(_page_names(get_resolver())) - NOT_OPENED):
            answers[name] = client.get(reverse(name)).status_code
        for name, args in details.items():
            answers[name] = client.get(reverse(name, args=args)).status_code
    assert len(answers) > 60
    # /health/ is the one page that must say so (union_office/health.py, docs/scale.md): its cache
    # check fails; every page a user opens still answers.
    assert {name: code for name, code in answers.items() if code >= 500} == {"health": 500}
    core = [
        "dashboard",
        "notifications:inbox",
        "notifications:badge",
        "members:member_list",
        "members:change_inbox",
        "members:export_list",
        "members:import_list",
        "finance:index",
        "welfare:index",
        "activities:index",
        "congress:index",
        "plans:index",
        *details,
    ]
    assert {name: answers[name] for name in core if answers[name] != 200} == {}
    # The pages did ask the cache (the roster's pickers, the unread count), and it was down.
    assert "Redis is unreachable" in caplog.text
    assert cache.get("anything", "miss") == "miss"


def test_django_redis_cache_alone_would_have_failed_the_roster(settings, client, chair):
    """Why union_office.cache exists: Django's RedisCache raises on a dead Redis, and every page
    answered 500 (sessions are read from the cache first), the roster list (its filter pickers and
    counts are cached too) among them."""
    client.force_login(chair)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}}
    client.raise_request_exception = False
    assert client.get(reverse("members:member_list")).status_code == 500


def test_large_export_is_kept_and_runs_when_the_broker_is_back(
    dead_broker, commits_at_once, client, chair, org, media_root, monkeypatch
):
    monkeypatch.setattr(exports, "EXPORT_SYNC_LIMIT", 2)
    MemberFactory.create_batch(4, org_unit=org.branch_a)
    client.force_login(chair)
    response = client.get(reverse("members:export_xlsx"))
    export = RosterExport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("members:export_detail", args=[export.pk])
    page = client.get(response["Location"]).content.decode()
    assert str(DELAYED_MESSAGE) in page
    assert export.status == JobStatus.QUEUED

    # Still down: the sweep cannot send either, and the row waits.
    assert roster_export_requeue(now=timezone.now() + LATER) == []
    dead_broker.revive()
    assert roster_export_requeue(now=timezone.now() + LATER) == []  # re-sent a minute ago: not yet
    assert roster_export_requeue(now=timezone.now() + 2 * LATER) == [export.pk]
    export.refresh_from_db()
    assert export.status == JobStatus.DONE and export.processed_rows == export.total_rows == 4 + 1  # + chair
    assert export.file and (media_root / export.file.name).exists()
    assert roster_export_requeue(now=timezone.now() + 3 * LATER) == []


def test_import_check_and_commit_wait_for_the_broker_and_nothing_is_written_twice(
    dead_broker, commits_at_once, client, committee, org, media_root
):
    client.force_login(committee)
    response = client.post(
        reverse("members:import_new"), {"org_unit": org.branch_a.pk, "file": csv_file([row(1), row(2)])}
    )
    roster_import = RosterImport.objects.get()
    assert response.status_code == 302
    assert str(DELAYED_MESSAGE) in client.get(response["Location"]).content.decode()
    assert roster_import.status == JobStatus.QUEUED

    dead_broker.revive()
    assert roster_import_requeue(now=timezone.now() + LATER) == [roster_import.pk]
    roster_import.refresh_from_db()
    assert roster_import.status == JobStatus.PREVIEW and roster_import.new_count == 2

    dead_broker.down()
    response = client.post(reverse("members:import_commit", args=[roster_import.pk]))
    assert response.status_code == 302
    assert str(DELAYED_MESSAGE) in client.get(response["Location"]).content.decode()
    roster_import.refresh_from_db()
    assert roster_import.status == JobStatus.RUNNING and roster_import.committed_at is not None
    assert not Member.objects.filter(name__startswith="导入").exists()

    dead_broker.revive()
    assert roster_import_requeue(now=timezone.now() + LATER) == [roster_import.pk]
    roster_import.refresh_from_db()
    assert roster_import.status == JobStatus.DONE
    assert Member.objects.filter(name__startswith="导入").count() == 2
    assert roster_import_requeue(now=timezone.now() + 2 * LATER) == []


def test_a_sign_up_schedules_its_reminder_without_the_broker_and_it_is_sent(dead_broker, client, member, org):
    event = build_event(org.school, capacity=1, starts_at=timezone.now() + dt.timedelta(days=3))
    client.force_login(member)
    client.raise_request_exception = False
    response = client.post(reverse("activities:signup", args=[event.pk]))
    assert response.status_code in (200, 302)
    signup = SignUp.objects.get(event=event, member=member_of(member))
    assert signup.status == SignUpStatus.SIGNED_UP
    reminder = Reminder.objects.get(recipient=member)
    # The broker stays down: the dispatcher (beat's task, or the embedded thread) reads rows.
    reminders_dispatch_due(now=reminder.due_at + dt.timedelta(minutes=1))
    assert Notification.objects.filter(recipient=member, kind=reminder.kind).count() == 1


def test_the_cache_stops_asking_a_dead_redis_for_a_few_seconds_and_notices_its_return(monkeypatch, caplog):
    from django.core.cache.backends.redis import RedisCache

    from union_office.cache import ResilientRedisCache

    calls = []

    def unreachable(self, key, default=None, version=None):
        calls.append(key)
        raise redis.exceptions.ConnectionError("Connection refused")

    backend = ResilientRedisCache(DEAD_REDIS, {})
    monkeypatch.setattr(RedisCache, "get", unreachable)
    with caplog.at_level(logging.WARNING, logger="union_office.cache"):
        assert backend.get("a", "miss") == "miss"
        assert backend.get("b") is None
        assert backend.get_many(["a"]) == {} and backend.add("a", 1) is False and backend.set("a", 1) is None
        assert calls == ["a"]  # the rest did not wait for Redis
        monkeypatch.setattr(RedisCache, "get", lambda self, key, default=None, version=None: "cached")
        backend._down_until = 0.0  # RETRY_AFTER has passed
        assert backend.get("a") == "cached"
    assert caplog.text.count("Redis is unreachable") == 1
    assert "Redis is reachable again" in caplog.text
