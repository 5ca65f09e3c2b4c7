"""Two-node rehearsal (issue 23, `make scale`): the app on two gunicorn nodes of one machine.

    SCALE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/union_scale .venv/bin/python bench/scale.py

What runs (ports SCALE_PORT .. SCALE_PORT + 2, default 9231-9233):
- an S3-compatible server (moto in server mode) on SCALE_PORT, one bucket for both storage aliases;
- node A and node B: gunicorn on SCALE_PORT + 1 and + 2, each with its own empty local media folders
  (so anything written to a local disk instead of the bucket shows up there);
- two Celery workers, one per queue (default, bulk), and SCALE_BEATS beats (default 2: compose runs
  one, the rehearsal runs two to show that a reminder still goes out once);
- one PostgreSQL database (the demo data of `seed_demo`, plus members enough for a roster export to
  go to the bulk worker) and Redis (SCALE_REDIS_URL) for the cache and the broker.

Then: SCALE_REMINDERS reminders (in-app and email, default 200) due a few seconds into the load;
the mixed read load spread over both nodes (each virtual user logged in on its node through the
real login form), requests/s, p50, p95 and errors per node; a roster export asked for on node A,
written by the bulk worker into the bucket and downloaded through node B; the local folders of both
nodes checked to be empty; the reminders counted once every delivery is sent and the beats have
ticked a few more times: deliveries, in-app notifications and emails (the mail backend of the Celery
integration test, one line per email sent), and how many went out twice (must be 0). Markdown on
stdout, progress on stderr, and the run's own duration at the end. Everything it started is stopped
at the end; the process exits non-zero if any check failed. Environment: SCALE_DATABASE_URL,
SCALE_REDIS_URL (default redis://127.0.0.1:6379/8, emptied first), SCALE_PORT (9231), SCALE_SECONDS
(30), SCALE_USERS (per node, 3), SCALE_BEATS (2), SCALE_REMINDERS (200).
"""

import contextlib
import http.cookiejar
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin"
DATABASE_URL = os.environ.get("SCALE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/union_scale")
REDIS_URL = os.environ.get("SCALE_REDIS_URL", "redis://127.0.0.1:6379/8")
PORT = int(os.environ.get("SCALE_PORT", "9231"))
SECONDS = float(os.environ.get("SCALE_SECONDS", "30"))
USERS = int(os.environ.get("SCALE_USERS", "3"))
BEATS = int(os.environ.get("SCALE_BEATS", "2"))
REMINDERS = int(os.environ.get("SCALE_REMINDERS", "200"))
REMINDER_KIND = "bench.scale"
BUCKET = "union-scale"
PASSWORD = "gonghui-2026"  # seed_demo's default password for its demo accounts
# Above members.exports.EXPORT_SYNC_LIMIT: the export goes to the bulk worker, not the request.
MEMBERS_FOR_EXPORT = 5_200
PAGES = ["/", "/members/", "/members/?q=%E5%BC%A0", "/notifications/", "/health/"]


def note(message: str) -> None:
    print(f"[scale {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ensure_database() -> None:
    import psycopg

    url = urllib.parse.urlparse(DATABASE_URL)
    name = url.path.lstrip("/")
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(VENV / "python"), "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def add_members(env: dict[str, str]) -> None:
    code = f"""
from members.models import Member, OrgUnit
from members.tests.factories import MemberFactory
missing = {MEMBERS_FOR_EXPORT} - Member.objects.count()
if missing > 0:
    unit = OrgUnit.objects.filter(depth__gt=0).order_by("path").first()
    Member.objects.bulk_create([MemberFactory.build(org_unit=unit) for _ in range(missing)], batch_size=1000)
"""
    manage(env, "shell", "-c", code)


def manage_output(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [str(VENV / "python"), "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return done.stdout.decode()


def schedule_reminders(env: dict[str, str], seconds_ahead: float) -> None:
    """REMINDERS users with an email address, each reminded in-app and by email `seconds_ahead` from now."""
    code = f"""
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from union_office.notifications import Delivery, Notification, Reminder, register_kind, reminder_schedule
User = get_user_model()
register_kind("{REMINDER_KIND}", label="演练提醒")
with transaction.atomic():
    Notification.objects.filter(kind="{REMINDER_KIND}").delete()
    Delivery.objects.filter(reminder__kind="{REMINDER_KIND}").delete()
    Reminder.objects.filter(kind="{REMINDER_KIND}").delete()
    users = [User.objects.get_or_create(username=f"scale-r{{i}}", defaults={{"email": f"scale-r{{i}}@example.org"}})[0]
             for i in range({REMINDERS})]
    due = timezone.now() + timedelta(seconds={seconds_ahead})
    for user in users:
        reminder_schedule(kind="{REMINDER_KIND}", recipient=user, due_at=due, subject="演练提醒",
                          channels=["inapp", "email"])
"""
    manage_output(env, code)


def reminder_counts(env: dict[str, str], mail_log: Path) -> dict[str, int]:
    code = f"""
import json
from collections import Counter
from django.db.models import F
from union_office.notifications import Delivery, Notification
deliveries = Delivery.objects.filter(reminder__kind="{REMINDER_KIND}")
notifications = Notification.objects.filter(kind="{REMINDER_KIND}")
per_delivery = Counter(notifications.values_list("delivery_id", flat=True))
print(json.dumps({{
    "deliveries": deliveries.count(),
    "sent": deliveries.filter(state="sent").count(),
    "notifications": sum(per_delivery.values()),
    "duplicate_notifications": sum(1 for n in per_delivery.values() if n > 1),
    "early": notifications.filter(created_at__lt=F("delivery__reminder__due_at")).count(),
}}))
"""
    counts = json.loads(manage_output(env, code).strip().splitlines()[-1])
    emails = mail_log.read_text().split() if mail_log.exists() else []
    counts["emails"] = len(emails)
    counts["duplicate_emails"] = len(emails) - len(set(emails))
    return counts


class Session:
    """One logged-in browser on one node: cookies, the login form's CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str, timeout: float = 30) -> tuple[int, bytes]:
        """(status, body); status 0 when no answer came in `timeout` seconds (counted as an error)."""
        try:
            with self.opener.open(self.base + path, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except (TimeoutError, urllib.error.URLError):
            return 0, b""

    def login(self, username: str) -> None:
        _status, page = self.get("/login/", timeout=120)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if match is None:
            raise RuntimeError(f"no login form on {self.base} (status {_status})")
        token = match.group(1).decode()
        data = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
        request = urllib.request.Request(self.base + "/login/", data=data.encode(), headers={"Referer": self.base})
        with self.opener.open(request, timeout=120) as response:
            if "/login/" in response.url:
                raise RuntimeError(f"login as {username} on {self.base} failed")


def load(bases: dict[str, str], username: str) -> dict[str, list[tuple[float, str, int]]]:
    """Every virtual user logs in on its node first; the SECONDS of load start once all have (a
    login is one slow PBKDF2 request, and on a busy machine the logins would eat the window)."""
    results: dict[str, list[tuple[float, str, int]]] = {name: [] for name in bases}
    lock = threading.Lock()
    deadline: list[float] = []
    users = [(name, base, offset) for name, base in bases.items() for offset in range(USERS)]
    all_logged_in = threading.Barrier(len(users), action=lambda: deadline.append(time.monotonic() + SECONDS))

    def user(name: str, base: str, offset: int) -> None:
        session = Session(base)
        started = time.monotonic()
        try:
            session.login(username)
        except (OSError, RuntimeError):  # no answer in time, or refused: an error of this node
            with lock:
                results[name].append((time.monotonic() - started, "/login/", 0))
            all_logged_in.wait()
            return
        all_logged_in.wait()
        index = offset
        while time.monotonic() < deadline[0]:
            started = time.monotonic()
            path = PAGES[index % len(PAGES)]
            status, _body = session.get(path)
            with lock:
                results[name].append((time.monotonic() - started, path, status))
            index += 1

    threads = [threading.Thread(target=user, args=args) for args in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def main() -> int:
    run_started = time.monotonic()
    failures: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="union-scale-"))
    mail_log = work / "mail.log"
    endpoint = f"http://127.0.0.1:{PORT}"
    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "union_office.settings",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "DJANGO_DEBUG": "false",
        "REMINDERS_THREAD": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": endpoint,
        "S3_ACCESS_KEY_ID": "scale",
        "S3_SECRET_ACCESS_KEY": "scale",
        # Reminders: the beats wake the dispatcher every 2 s; each email leaves its delivery id in mail.log.
        "REMINDERS_DISPATCH_INTERVAL": "2",
        "EMAIL_BACKEND": "tests.integration.slow_mail.EmailBackend",
        "CELERY_IT_MAIL_LOG": str(mail_log),
        "PYTHONPATH": str(ROOT),
    }
    processes: list[subprocess.Popen] = []

    def start(name: str, command: list[str], env: dict[str, str]) -> None:
        log = (work / f"{name}.log").open("w")
        processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))

    try:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()  # no task left in the broker by an earlier run
        note(f"S3 server on {endpoint}")
        start("s3", [str(VENV / "moto_server"), "-H", "127.0.0.1", "-p", str(PORT)], base_env)
        for _ in range(150):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
                break
            time.sleep(0.2)
        import boto3

        boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="scale",
            aws_secret_access_key="scale",
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)

        note("database: migrate, demo data, members for a background export")
        ensure_database()
        manage(base_env, "migrate", "--noinput")
        manage(base_env, "seed_demo")
        add_members(base_env)

        bases = {}
        for index, name in enumerate(["A", "B"], start=1):
            env = {
                **base_env,
                "DJANGO_MEDIA_ROOT": str(work / name / "media"),
                "DJANGO_PRIVATE_MEDIA_ROOT": str(work / name / "private"),
            }
            (work / name / "media").mkdir(parents=True)
            (work / name / "private").mkdir(parents=True)
            port = PORT + index
            start(
                f"node-{name}",
                # A generous timeout: the first request imports every app's views, slow on a busy machine.
                [
                    str(VENV / "gunicorn"),
                    "union_office.wsgi:application",
                    "-b",
                    f"127.0.0.1:{port}",
                    "-w",
                    "2",
                    "--timeout",
                    "120",
                ],  # fmt: skip
                env,
            )
            bases[name] = f"http://127.0.0.1:{port}"
        worker_env = {**base_env, "DJANGO_MEDIA_ROOT": str(work / "W" / "media")}
        start("worker-default", [str(VENV / "celery"), "-A", "union_office", "worker", "-Q", "default",
                                 "-n", "default@scale", "-c", "1", "-l", "WARNING"], worker_env)  # fmt: skip
        start("worker-bulk", [str(VENV / "celery"), "-A", "union_office", "worker", "-Q", "bulk", "-n", "bulk@scale",
                              "-c", "1", "--max-tasks-per-child", "20", "-l", "WARNING"], worker_env)  # fmt: skip
        for beat in range(1, BEATS + 1):
            # INFO: each beat logs every task it sends, so the report can count both beats' wake-ups.
            start(f"beat-{beat}", [str(VENV / "celery"), "-A", "union_office", "beat", "-l", "INFO",
                                   "--schedule", str(work / f"beat-schedule-{beat}")], worker_env)  # fmt: skip
        for name, base in bases.items():
            for _ in range(300):
                with contextlib.suppress(OSError):
                    if urllib.request.urlopen(base + "/health/?format=text", timeout=120).status == 200:
                        break
                time.sleep(0.5)
            else:
                raise RuntimeError(f"node {name} never became healthy (see {work}/node-{name}.log)")
        note("both nodes healthy")

        note(f"{REMINDERS} reminders (in-app and email) due in 10 s, {BEATS} beats running")
        schedule_reminders(base_env, 10)
        note(f"mixed load: {USERS} users per node log in, then {SECONDS:.0f} s of pages")
        results = load(bases, "admin")
        print("| node | requests | requests/s | p50 ms | p95 ms | errors |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, samples in results.items():
            times = sorted(seconds * 1000 for seconds, _path, _status in samples)
            errors = [f"{path} {status}" for _seconds, path, status in samples if status != 200]
            p50 = f"{statistics.median(times):.0f}" if times else "—"
            p95 = f"{times[max(0, math.ceil(len(times) * 0.95) - 1)]:.0f}" if times else "—"
            print(f"| {name} | {len(times)} | {len(times) / SECONDS:.1f} | {p50} | {p95} | {len(errors)} |")
            if errors:
                failures.append(f"node {name}: " + ", ".join(sorted(set(errors))))

        note("cross-node file: export asked for on A, written by the bulk worker, downloaded through B")
        on_a, on_b = Session(bases["A"]), Session(bases["B"])
        on_a.login("admin")
        on_b.login("admin")
        request = urllib.request.Request(bases["A"] + "/members/export/?full=1")
        with on_a.opener.open(request, timeout=120) as response:
            match = re.search(r"/members/exports/(\d+)/", response.url)
        if match is None:
            raise RuntimeError(f"the export did not go to the background: {response.url}")
        started, status = time.monotonic(), 0
        while time.monotonic() - started < 300:
            status, body = on_b.get(f"/members/exports/{match.group(1)}/download/", timeout=120)
            if status == 200:
                break
            time.sleep(1)
        local = [str(path) for path in work.glob("[AB]/**/*") if path.is_file()]
        print()
        print("| cross-node check | result |")
        print("|---|---|")
        print(f"| export {match.group(1)} asked on A, downloaded on B | HTTP {status}, {len(body):,} bytes, "
              f"zip: {body[:2] == b'PK'}, {time.monotonic() - started:.1f} s after the request |")  # fmt: skip
        print(f"| files written to the nodes' local folders | {len(local)} |")
        if status != 200 or body[:2] != b"PK":
            failures.append(f"cross-node download answered {status}")
        if local:
            failures.append(f"files on the nodes' disks: {local}")

        note("reminders: waiting for every delivery, then a few more beat ticks")
        deadline = time.monotonic() + 300
        counts = reminder_counts(base_env, mail_log)
        while counts["sent"] < 2 * REMINDERS and time.monotonic() < deadline:
            time.sleep(2)
            counts = reminder_counts(base_env, mail_log)
        time.sleep(10)  # five more dispatcher ticks from each beat: nothing more may go out
        counts = reminder_counts(base_env, mail_log)
        wakeups = [
            (work / f"beat-{beat}.log").read_text().count("Sending due task reminders-dispatch-due")
            for beat in range(1, BEATS + 1)
        ]
        print()
        print("| reminders (in-app + email) | beats | dispatcher runs sent by each beat | deliveries sent | "
              "in-app notifications | emails | sent twice | sent early |")  # fmt: skip
        print("|---:|---:|---|---:|---:|---:|---:|---:|")
        twice = counts["duplicate_notifications"] + counts["duplicate_emails"]
        print(f"| {REMINDERS} | {BEATS} | {' + '.join(map(str, wakeups))} | {counts['sent']} of "
              f"{counts['deliveries']} | {counts['notifications']} | {counts['emails']} | {twice} | "
              f"{counts['early']} |")  # fmt: skip
        if (counts["sent"], counts["notifications"], counts["emails"]) != (2 * REMINDERS, REMINDERS, REMINDERS):
            failures.append(f"reminders: {counts}")
        if twice or counts["early"]:
            failures.append(f"reminders sent twice or early: {counts}")
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        note(f"logs in {work}")
        if os.environ.get("SCALE_KEEP_LOGS") != "1":
            shutil.rmtree(work / "A", ignore_errors=True)
            shutil.rmtree(work / "B", ignore_errors=True)
    print(f"\nThe whole run took {time.monotonic() - run_started:.0f} s; checks failed: {len(failures)}.")
    for failure in failures:
        print(f"- {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
