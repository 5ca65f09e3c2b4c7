"""Recurring activities at county scale (issue 15): materialising, the week's reminder fan-out and
its dispatch, and the month calendar.

    .venv/bin/python bench/occurrences.py [--members 100000] [--activities 1000]

Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/union_bench_occurrences,
created and migrated on first use, emptied of this script's rows on each run). Set-up (not timed):
a county, 100 基层工会 with 10 分工会 each, the members spread evenly over the 分工会, each with a
login; one weekly activity per 分工会 for that 分工会 (audience = its subtree, 每次提醒). Then:

1. materialise 2 months for every activity (`materialise_all`), twice (the second adds nothing);
2. plan the reminders of every occurrence of the coming week, as the planner would over 7 days;
3. dispatch them: the in-app deliveries first (the target's rate), then the email deliveries,
   skipped since the members' logins have no address (as the roster's do);
4. count duplicates: inbox rows per delivery and per (recipient, reminder);
5. the month calendar page as the county chair (all 1,000 activities) and as a 分工会 member,
   20 requests each with the test client (no network), p50/p95.
Peak memory is this process's ru_maxrss.
"""

import argparse
import datetime as dt
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/union_bench_occurrences"


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "union_office.settings")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["EMAIL_BACKEND"] = "bench.reminders_dispatch.CountingEmailBackend"
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()


def _create_database() -> None:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        name = parts.path.lstrip("/")
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _step(label: str, started: float) -> float:
    elapsed = time.perf_counter() - started
    print(f"{label}: {elapsed:.2f} s", file=sys.stderr)
    return elapsed


def _populate(members: int, activities: int) -> tuple:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from activities.models import Audience, AudienceReminders, Recurrence, Schedule
    from members.models import Member, OrgUnit, Role, RoleGrant

    User = get_user_model()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE union_office_notification, union_office_delivery, union_office_reminder,"
            " activities_attendance, activities_occurrence, activities_schedule_audience_members,"
            " activities_scheduleexception, activities_schedule CASCADE"
        )
    county = OrgUnit.objects.filter(name="基准县总工会").first()
    if county is None or Member.objects.filter(org_unit__path__startswith=county.path).count() != members:
        Member.objects.filter(name__startswith="基准").delete()
        User.objects.filter(username__startswith="bo-").delete()
        for depth in (2, 1, 0):  # children first: OrgUnit.parent is PROTECT
            OrgUnit.objects.filter(name__startswith="基准", depth=depth).delete()
        with transaction.atomic():
            county = OrgUnit.objects.create(name="基准县总工会", kind=OrgUnit.Kind.UPPER)
            branches = []
            for b in range(activities // 10):
                base = OrgUnit.objects.create(name=f"基准基层{b}", kind=OrgUnit.Kind.BASE, parent=county)
                for k in range(10):
                    branches.append(
                        OrgUnit.objects.create(name=f"基准分会{b}-{k}", kind=OrgUnit.Kind.BRANCH, parent=base)
                    )
            users = User.objects.bulk_create(
                (User(username=f"bo-{i}", email=f"bo-{i}@example.org") for i in range(members)), batch_size=5000
            )
            Member.objects.bulk_create(
                (
                    Member(
                        name=f"基准{i}",
                        gender="F" if i % 2 else "M",
                        id_number_cipher="-",
                        id_number_hash=f"{i:064d}",
                        id_number_masked="1101**********0000",
                        birth_date=dt.date(1980, 1, 1),
                        org_unit=branches[i % len(branches)],
                        user=users[i],
                    )
                    for i in range(members)
                ),
                batch_size=5000,
            )
    # The roster keeps no email addresses (docs/organisation.md): the week goes out in-app, and
    # each email delivery is skipped. bench/reminders_dispatch.py measures email on its own.
    User.objects.filter(username__startswith="bo-").exclude(email="").update(email="")
    chair, _ = User.objects.get_or_create(username="bo-county-chair", defaults={"is_staff": False})
    RoleGrant.objects.get_or_create(user=chair, org_unit=county, role=Role.CHAIR)
    branches = list(OrgUnit.objects.filter(path__startswith=county.path, kind=OrgUnit.Kind.BRANCH).order_by("pk"))
    today = dt.date.today()
    Schedule.objects.bulk_create(
        Schedule(
            title=f"职工健身{n}",
            org_unit=branch,
            recurrence=Recurrence.WEEKLY,
            weekday=n % 5,
            start_time=dt.time(15),
            end_time=dt.time(17),
            starts_on=today,
            place="体育馆",
            audience=Audience.SUBTREE,
            audience_reminders=AudienceReminders.EACH,
        )
        for n, branch in enumerate(branches[:activities])
    )
    member_user = Member.objects.filter(org_unit=branches[0]).values_list("user", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return chair, User.objects.get(pk=member_user)


def _calendar(user, runs: int = 20) -> tuple[float, float, int]:
    from django.test import Client

    client = Client()
    client.force_login(user)
    today = dt.date.today()
    url = f"/activities/calendar/?year={today.year}&month={today.month}"
    assert client.get(url).status_code == 200  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), statistics.quantiles(times, n=20)[-1], response.content.count(b"uo-cal-item")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000)
    args = parser.parse_args()
    _create_database()
    _setup_django()
    from django.core.management import call_command
    from django.db.models import Count
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from activities.models import Occurrence
    from activities.occurrences import materialise_all, plan_occurrence_reminders
    from union_office.notifications import Delivery, Notification
    from union_office.notifications.dispatch import reminders_dispatch_due

    call_command("migrate", verbosity=0)
    setup_test_environment()  # the test client's ALLOWED_HOSTS
    started = time.perf_counter()
    chair, member = _populate(args.members, args.activities)
    _step("set-up (not a target)", started)

    started = time.perf_counter()
    rows = materialise_all()
    materialise_s = _step(f"materialise 2 months: {rows} occurrences", started)
    started = time.perf_counter()
    again = materialise_all()
    materialise_again_s = _step(f"materialise again: {again} added", started)

    now = timezone.now()
    week = Occurrence.objects.filter(starts_at__gt=now, starts_at__lte=now + dt.timedelta(days=7))
    started = time.perf_counter()
    planned = 0
    for occurrence in week.select_related("schedule__org_unit", "schedule__responsible"):
        Occurrence.objects.filter(pk=occurrence.pk).update(reminders_planned_at=now)
        planned += plan_occurrence_reminders(occurrence, now=now)
    plan_s = _step(f"plan the week: {planned} deliveries", started)

    inapp_total = Delivery.objects.filter(channel="inapp").count()
    started = time.perf_counter()
    # The in-app deliveries alone first (email_batch_size=0 claims no email): the target's rate.
    sent = reminders_dispatch_due(now=now + dt.timedelta(days=8), email_batch_size=0).sent
    dispatch_s = _step(f"dispatch in-app: {sent} sent of {inapp_total}", started)
    started = time.perf_counter()
    emails = reminders_dispatch_due(now=now + dt.timedelta(days=8), batch_size=0, email_batch_size=500)
    email_s = _step(f"email deliveries: {emails.sent} sent, {emails.skipped} skipped (no address)", started)
    per_delivery = Notification.objects.values("delivery").annotate(n=Count("pk")).filter(n__gt=1).count()
    per_reminder = (
        Notification.objects.values("recipient", "delivery__reminder").annotate(n=Count("pk")).filter(n__gt=1).count()
    )

    chair_p50, chair_p95, chair_items = _calendar(chair)
    member_p50, member_p95, member_items = _calendar(member)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print("| Step | Figure | Target |\n|---|---|---|")
    print(f"| Members / activities | {args.members:,} / {args.activities:,} | 100,000 / 1,000 |")
    print(f"| Materialise 2 months ({rows:,} occurrences) | {materialise_s:.1f} s | < 10 s |")
    print(f"| Materialise again (adds {again}) | {materialise_again_s:.1f} s | idempotent |")
    print(f"| Plan the week's reminders ({planned:,} deliveries) | {plan_s:.1f} s | — |")
    rate = sent / dispatch_s
    print(f"| Dispatch the week's {sent:,} in-app deliveries | {dispatch_s:.1f} s, {rate:,.0f}/s | ≥ 2,000/s |")
    print(f"| Then its {emails.skipped:,} email deliveries (skipped: no address) | {email_s:.1f} s | — |")
    print(f"| Duplicates (per delivery / per recipient and reminder) | {per_delivery} / {per_reminder} | 0 |")
    print(
        f"| Month calendar, county chair ({chair_items:,} items) "
        f"| p50 {chair_p50:.0f} ms, p95 {chair_p95:.0f} ms | p95 < 100 ms |"
    )
    print(
        f"| Month calendar, 分工会 member ({member_items} items) "
        f"| p50 {member_p50:.0f} ms, p95 {member_p95:.0f} ms | p95 < 100 ms |"
    )
    print(f"| Peak memory (this process) | {peak:.0f} MiB | < 300 MiB |")


if __name__ == "__main__":
    main()
