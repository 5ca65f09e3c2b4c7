"""10,000 due reminders dispatched, with any number of dispatchers at once, and no duplicates.

    flock /tmp/helpers/bench.lock .venv/bin/python bench/reminders_dispatch.py

Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/union_bench_reminders, created
and migrated on first use). Each scenario empties the reminder tables, writes REMINDERS due
reminders for 1,000 users with bulk inserts (the set-up is not timed), then starts N dispatcher
processes at the same moment, each calling `reminders_dispatch_due()` until nothing is due, and
times the wall clock until all have finished. The mail backend counts messages in memory (it
measures our work, not an SMTP server's). Then it checks: every delivery sent, one inbox row per
in-app delivery, and no email delivery id sent twice across all processes.

`--table` prints the Markdown table for docs; the reading is in /tmp/helpers/reminders-perf.md.
"""

import argparse
import multiprocessing
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/union_bench_reminders"
USERS = 1_000


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "union_office.settings")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["EMAIL_BACKEND"] = "bench.reminders_dispatch.CountingEmailBackend"
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()


SENT_IDS: list[int] = []


class CountingEmailBackend:
    """Stands in for SMTP: records the delivery id of every message it is given."""

    def __init__(self, *args, fail_silently=False, **kwargs):
        pass

    def open(self):
        return False

    def close(self):
        pass

    def send_messages(self, messages):
        SENT_IDS.extend(int(m.extra_headers["X-Union-Delivery"]) for m in messages)
        return len(messages)


def _create_database() -> None:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        name = parts.path.lstrip("/")
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _prepare(reminders: int, channels: list[str]) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from union_office.notifications import Delivery, Notification, Reminder

    User = get_user_model()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE union_office_notification, union_office_delivery, union_office_reminder,"
            " union_office_notificationmute RESTART IDENTITY"
        )
    users = list(User.objects.filter(username__startswith="bench-").order_by("pk"))
    if len(users) < USERS:
        User.objects.bulk_create(
            User(username=f"bench-{i}", email=f"bench-{i}@example.org") for i in range(len(users), USERS)
        )
        users = list(User.objects.filter(username__startswith="bench-").order_by("pk"))
    due = timezone.now() - timezone.timedelta(minutes=1)
    with transaction.atomic():
        rows = Reminder.objects.bulk_create(
            (
                Reminder(
                    kind="union_office.notice",
                    recipient=users[i % USERS],
                    due_at=due,
                    subject=f"活动提醒 {i}",
                    body="明天上午 9:00 在学校操场举行教职工运动会，请提前十分钟到场。",
                    url=f"/activities/{i}/",
                    key=str(i),
                )
                for i in range(reminders)
            ),
            batch_size=2000,
        )
        Delivery.objects.bulk_create(
            (Delivery(reminder=r, channel=c, due_at=due) for r in rows for c in channels), batch_size=2000
        )
    assert not Notification.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE union_office_delivery; ANALYZE union_office_reminder")


def _dispatch_worker(_index: int) -> tuple[dict, list[int], float]:
    _setup()
    from django.db import connection

    from union_office.notifications.dispatch import reminders_dispatch_due

    connection.ensure_connection()
    started = time.perf_counter()
    result = reminders_dispatch_due()
    elapsed = time.perf_counter() - started
    connection.close()
    # The mail backend was imported by its dotted path, i.e. as another module than this __main__.
    from bench.reminders_dispatch import SENT_IDS as sent_ids

    return {"sent": result.sent, "batches": result.batches}, list(sent_ids), elapsed


def _check(reminders: int, channels: list[str], email_ids: list[int]) -> dict:
    from django.db.models import Count

    from union_office.notifications import Delivery, Notification

    states = Counter(Delivery.objects.values_list("state", flat=True))
    inbox_dupes = Notification.objects.values("delivery_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    email_counts = Counter(email_ids)
    return {
        "all_sent": states == Counter({"sent": reminders * len(channels)}),
        "inbox_rows": Notification.objects.count(),
        "inbox_duplicates": inbox_dupes,
        "emails": len(email_ids),
        "email_duplicates": sum(1 for n in email_counts.values() if n > 1),
    }


def run_scenario(reminders: int, channels: list[str], workers: int) -> dict:
    _prepare(reminders, channels)
    from django.db import connection

    connection.close()  # the children make their own
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers) as pool:
        # Warm the children (Python start-up and django.setup are not what we measure).
        pool.map(_warm, range(workers))
        started = time.perf_counter()
        outcomes = pool.map(_dispatch_worker, range(workers))
        wall = time.perf_counter() - started
    email_ids = [i for _result, ids, _elapsed in outcomes for i in ids]
    checks = _check(reminders, channels, email_ids)
    return {
        "reminders": reminders,
        "channels": "+".join(channels),
        "workers": workers,
        "deliveries": reminders * len(channels),
        "seconds": wall,
        "per_second": reminders * len(channels) / wall,
        "split": [r["sent"] for r, _ids, _e in outcomes],
        **checks,
    }


def _warm(_index: int) -> None:
    _setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--table", action="store_true")
    args = parser.parse_args()
    _setup()
    _create_database()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    scenarios = [(["inapp"], 1), (["inapp"], 4), (["inapp", "email"], 1), (["inapp", "email"], 4)]
    rows = []
    for channels, workers in scenarios:
        row = run_scenario(args.reminders, channels, workers)
        rows.append(row)
        print(row, flush=True)
    print()
    print(
        "| Reminders | Channels | Dispatchers at once | Deliveries | Seconds | Deliveries/s | Split | All sent"
        " | Duplicates (inbox / email) |"
    )
    print("|---:|---|---:|---:|---:|---:|---|---|---|")
    for r in rows:
        print(
            f"| {r['reminders']:,} | {r['channels']} | {r['workers']} | {r['deliveries']:,} | {r['seconds']:.1f} |"
            f" {r['per_second']:,.0f} | {'/'.join(map(str, r['split']))} | {'yes' if r['all_sent'] else 'NO'} |"
            f" {r['inbox_duplicates']} / {r['email_duplicates']} |"
        )
    bad = [r for r in rows if not r["all_sent"] or r["inbox_duplicates"] or r["email_duplicates"]]
    if bad:
        raise SystemExit(f"FAILED: {bad}")


if __name__ == "__main__":
    main()
