"""Mixed load (issue 9 item 6, `make load`): the real user stories against gunicorn + PostgreSQL + Redis.

    flock /tmp/helpers/bench.lock env BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/union_bench \\
        .venv/bin/python bench/load_mixed.py

1. The database of bench/roster_scope.py (1,011 units, 100,000 members; built on the first run),
   plus, added here once and looked up by name afterwards, what the other apps need in four of its
   基层工会 (基层工会0–3): load accounts (`load_…`, one password), 80 new members with logins (member
   numbers `BL…`, 身份证号 of region 150102, so no bench member is touched), an open event, a 教代会
   whose motion window is open with those members as delegates, a draft work plan, an approved
   budget with 130 vouchers, and 30 notifications per account. What an earlier run wrote (sign-ups,
   motions) is removed first, so every run starts from the same data.
2. gunicorn (5 sync workers, 2 × cores + 1) on 127.0.0.1 with the production profile
   (DJANGO_ENV=production: DEBUG off, WhiteNoise's manifest storage after a collectstatic into
   var/load-static, secure cookies, HSTS, SSL redirect — the driver sends `X-Forwarded-Proto: https`
   as nginx would), Redis (REDIS_URL, database LOAD_REDIS_DB) for the cache and the Celery broker,
   database sessions as in production. The one difference: TWO_FACTOR_REQUIRED=false, so the
   virtual users log in with a password only (the 2FA step is one request at login, not part of
   the load).
3. bench/load_locust.py (locust, library mode) in a child process: each virtual user logs in through
   the real login page (CSRF token from the form), then repeats its persona's pages; POSTs carry
   the CSRF token as the browser does (form field, or htmx's X-CSRFToken header). Phases: warm-up,
   the realistic rate for LOAD_SECONDS, a stress ladder of rates until the server saturates, and
   each page alone (closed loop, LOAD_ISOLATED_USERS users) against the trivial view.

Markdown tables on stdout (progress on stderr). Environment: BENCH_DATABASE_URL, LOAD_RATE
(realistic rate, req/s, default 5), LOAD_SECONDS (default 300), LOAD_WARMUP (seconds after the last login, default 60),
LOAD_STEPS (stress rates, default "5,10,20,30,40,60,80,120"), LOAD_STEP_SECONDS (default 30),
LOAD_ISOLATED_SECONDS (default 15), LOAD_ISOLATED_USERS (default 8), LOAD_PORT (default 8766),
LOAD_REDIS_DB (default 13), BENCH_WORKERS.
"""

import contextlib
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/union_bench")
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ.setdefault("DJANGO_DEBUG", "false")

PORT = int(os.environ.get("LOAD_PORT", "8766"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
REDIS_URL = f"redis://127.0.0.1:6379/{int(os.environ.get('LOAD_REDIS_DB', '13'))}"
STATIC_ROOT = ROOT / "var" / "load-static"
PLAN_FILE = ROOT / "var" / "load" / "plan.json"
PASSWORD = "load-bench-password-2026"  # the bench database's synthetic accounts only
BASES = 4  # 基层工会0–3
CLERKS, TREASURERS, MEMBERS = 7, 2, 20  # per 基层工会
PREFIX = "load_"
MEMBER_NO = "BL"
MOTION_TITLE = "压测提案"
REGION = "150102"  # 呼和浩特: no bench member (roster_scope REGIONS, run_all IMPORT_REGIONS) uses it
NOTIFICATIONS = 30
# The development defaults of union_office/settings.py: the bench database's 身份证号 were encrypted
# and hashed with the key derived from them, so the production profile must use the same.
DEV_SECRET_KEY = "dev-only-not-secret-union-office-key-do-not-use-in-production-0123456789"


def note(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def out(text: str = "") -> None:
    print(text, flush=True)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- Data -----------------------------------------------------------------------------------------


def ensure_data() -> None:
    from bench import run_all

    run_all.ensure_database()
    run_all.setup_django()
    from bench import roster_scope

    note("checking the 100,000-member data set (built on the first run)")
    roster_scope.ensure_dataset()


def _user(username: str, password_hash: str):
    from django.contrib.auth import get_user_model

    user, _created = get_user_model().objects.get_or_create(username=username)
    if user.password != password_hash:
        user.password = password_hash
        user.save(update_fields=["password"])
    return user


def _grant(user, unit, role) -> None:
    from members.models import RoleGrant

    RoleGrant.objects.get_or_create(user=user, org_unit=unit, role=role)


def _members(base, users: list) -> list:
    """The base union's load members (one per user), created once in its 小组b-k-0."""
    from members.idcard import make_id_number
    from members.models import Member, OrgUnit

    b = int(base.name.removeprefix("基层工会"))
    result = []
    for k, user in enumerate(users):
        number = f"{MEMBER_NO}{b}{k:04d}"
        member = Member.objects.filter(member_no=number).first()
        if member is None:
            gender = "F" if k % 2 else "M"
            birth = dt.date(1980, 1, 1) + dt.timedelta(days=b * 400 + k * 17)
            member = Member(
                member_no=number,
                name=f"压测会员{b}-{k}",
                gender=gender,
                id_number=make_id_number(REGION, birth, k % 10, gender),
                birth_date=birth,
                phone=f"1360000{b}{k:03d}",
                org_unit=OrgUnit.objects.get(name=f"小组{b}-{k % 10}-0"),
                joined_on=dt.date(2010, 9, 1),
                frontline=k % 3 == 0,
                user=user,
            )
            member.full_clean()
            member.save()
        result.append(member)
    return result


def _plan(base, chair):
    from plans.editing import plan_create_from_parsed
    from plans.importer import parse_plan
    from plans.models import Plan

    plan = Plan.objects.filter(org_unit=base, year=2026).order_by("-version").first()
    if plan is None:
        text = (ROOT / "plans" / "demo" / "school_plan.txt").read_text(encoding="utf-8")
        parsed, title = parse_plan(text, year=2026), f"{base.name}2026年工作计划"
        plan = plan_create_from_parsed(actor=chair, org_unit=base, year=2026, parsed=parsed, title=title)
    return plan


def _event(base, chair):
    from django.utils import timezone

    from activities import services
    from activities.models import Event, EventStatus

    title = f"{base.name}职工健步走（压测）"
    event = Event.objects.filter(org_unit=base, title=title).first()
    starts = timezone.now() + dt.timedelta(days=30)
    if event is None:
        event = services.event_create(
            actor=chair,
            org_unit=base,
            title=title,
            kind=Event.Kind.CONTEST,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=3),
            place="县体育中心",
            description="全体会员均可报名。",
            capacity=5_000,
            budget=Decimal("6000.00"),
            status=EventStatus.OPEN,
        )
    elif event.starts_at < starts - dt.timedelta(days=10):  # a database seeded weeks ago: keep it ahead
        Event.objects.filter(pk=event.pk).update(starts_at=starts, ends_at=starts + dt.timedelta(hours=3))
    return event


def _congress(base, chair, members: list):
    from django.utils import timezone

    from congress import services
    from congress.models import CongressSession, Delegate, DelegateCategory

    today = timezone.localdate()
    session = CongressSession.objects.filter(org_unit=base, term=9, meeting=1).first()
    window = {
        "meeting_date": today + dt.timedelta(days=21),
        "motions_open_on": today - dt.timedelta(days=14),
        "motions_close_on": today + dt.timedelta(days=14),
        "reply_due_on": today + dt.timedelta(days=60),
    }
    if session is None:
        session = services.session_save(
            actor=chair,
            org_unit=base,
            values={
                "kind": CongressSession.Kind.TEACHERS,
                "term": 9,
                "meeting": 1,
                "year": today.year,
                "min_cosigners": 1,
                "frontline_min_percent": 50,
                "leaders_max_percent": 20,
                "women_margin_percent": 5,
                **window,
            },
        )
    elif session.motions_close_on < today + dt.timedelta(days=1):
        CongressSession.objects.filter(pk=session.pk).update(**window)
    for member in members:
        Delegate.objects.get_or_create(
            session=session,
            member=member,
            defaults={"group": "压测代表团", "category": DelegateCategory.FRONTLINE, "gender": member.gender},
        )
    return session


def _books(base, treasurer, chair) -> None:
    from finance.chart import load_chart
    from finance.management.commands.seed_demo_finance import ENTRIES, Command
    from finance.models import Account, Budget

    load_chart(Account)
    if Budget.objects.filter(org_unit=base, year=2026).exists():
        return
    seeder = Command()
    seeder._budget(base, treasurer, chair)
    for round_ in range(10):  # 130 vouchers over January–April, a tenth of the demo's amounts each
        for day, code, amount, summary, counterparty in ENTRIES:
            tenth = str((Decimal(amount) / 10).quantize(Decimal("0.01")))
            seeder._book(treasurer, base, day, code, tenth, f"{summary}（{round_ + 1}）", counterparty)


def _notifications(users: list) -> None:
    from union_office.notifications.models import Channel, Notification
    from union_office.notifications.services import notify

    for user in users:
        have = Notification.objects.filter(recipient=user).count()
        for n in range(have, NOTIFICATIONS):
            notify(
                kind="congress.motion_replied",
                recipient=user,
                subject=f"压测通知第{n + 1}条：您的提案已得到答复",
                body="请登录系统查看答复并评价。",
                url="/congress/",
                key=f"load-{n}",
                channels=[Channel.INAPP],
            )


def seed() -> dict:
    """Create (once) and look up what the virtual users need; remove what an earlier run wrote."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from activities.models import SignUp
    from congress.models import Motion
    from members.models import Member, OrgUnit, Role

    started = time.perf_counter()
    password_hash = make_password(PASSWORD)  # one hash for every load account (hashing is slow on purpose)
    from django.contrib.auth import get_user_model

    existing = get_user_model().objects.filter(username=f"{PREFIX}county").values_list("password", flat=True).first()
    if existing:
        from django.contrib.auth.hashers import check_password

        if check_password(PASSWORD, existing):
            password_hash = existing  # keeps the accounts as they are
    county = OrgUnit.objects.get(name="基准县总工会")
    plan: dict = {"password": PASSWORD, "staff": [], "treasurers": [], "members": [], "bases": []}
    with transaction.atomic():
        county_user = _user(f"{PREFIX}county", password_hash)
        _grant(county_user, county, Role.CHAIR)
        everyone = [county_user]
        for b in range(BASES):
            base = OrgUnit.objects.get(name=f"基层工会{b}")
            chair = _user(f"{PREFIX}chair{b}", password_hash)
            _grant(chair, base, Role.CHAIR)
            treasurers = [_user(f"{PREFIX}treasurer{b}_{k}", password_hash) for k in range(TREASURERS)]
            for user in treasurers:
                _grant(user, base, Role.TREASURER)
            clerks = []
            for k in range(CLERKS):
                clerk = _user(f"{PREFIX}clerk{b}_{k}", password_hash)
                branch = OrgUnit.objects.get(name=f"分工会{b}-{k}")
                _grant(clerk, branch, Role.COMMITTEE)
                clerks.append((clerk, branch))
            member_users = [_user(f"{PREFIX}member{b}_{k:02d}", password_hash) for k in range(MEMBERS)]
            members = _members(base, member_users)
            plan_obj = _plan(base, chair)
            event = _event(base, chair)
            session = _congress(base, chair, members)
            _books(base, treasurers[0], chair)
            everyone += [chair, *treasurers, *(c for c, _ in clerks), *member_users]

            def sample(unit) -> dict:
                """What a staff user's pages pick from: units, members (pks) and search words in scope."""
                units = list(
                    OrgUnit.objects.filter(path__startswith=unit.path).order_by("path").values_list("pk", flat=True)
                )
                people = list(
                    Member.objects.filter(org_unit__path__startswith=unit.path, member_no__startswith="BM")
                    .order_by("pk")
                    .values_list("pk", flat=True)[::97][:100]
                )
                return {"units": units[:60], "members": people}

            plan["bases"].append({"name": base.name, "plan": plan_obj.pk, "event": event.pk, "session": session.pk})
            plan["staff"].append({"username": chair.username, "base": b, "plan": plan_obj.pk, **sample(base)})
            for clerk, branch in clerks:
                plan["staff"].append({"username": clerk.username, "base": b, "plan": None, **sample(branch)})
            plan["treasurers"] += [{"username": u.username, "base": b} for u in treasurers]
            plan["members"] += [
                {"username": u.username, "base": b, "event": event.pk, "session": session.pk} for u in member_users
            ]
        county_sample = {"units": [], "members": []}
        for entry in plan["staff"]:
            if entry["plan"]:  # the chairs' samples: the county's scope is their union
                county_sample["units"] += entry["units"][:15]
                county_sample["members"] += entry["members"][:25]
        plan["staff"].insert(0, {"username": county_user.username, "base": None, "plan": None, **county_sample})
        plan["plans"] = [base["plan"] for base in plan["bases"]]
    _notifications(everyone)
    # What the previous run wrote.
    load_members = Member.objects.filter(member_no__startswith=MEMBER_NO)
    signups = SignUp.objects.filter(member__in=load_members).delete()[0]
    motions = Motion.objects.filter(title__startswith=MOTION_TITLE).delete()[0]
    note(
        f"seeded {len(everyone)} load accounts in {time.perf_counter() - started:.1f} s "
        f"(removed {signups} sign-ups and {motions} motions of an earlier run)"
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return plan


# --- The server -----------------------------------------------------------------------------------


def production_env() -> dict[str, str]:
    """The production profile (union_office/settings.py) on 127.0.0.1, with the bench's reference views."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_ENV": "production",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": DEV_SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": "dev-only-field-key:" + DEV_SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(STATIC_ROOT),
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "TWO_FACTOR_REQUIRED": "false",
        "REMINDERS_THREAD": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
    }


def collectstatic() -> None:
    """Once, and again only when a static file changed (it takes minutes: every file is hashed,
    then compressed twice)."""
    manifest = STATIC_ROOT / "staticfiles.json"
    sources = [ROOT / "package-lock.json", *ROOT.glob("static/**/*"), *ROOT.glob("*/static/**/*")]
    newest = max(path.stat().st_mtime for path in sources if path.is_file())
    if manifest.exists() and manifest.stat().st_mtime > newest:
        return
    note(f"collectstatic into {STATIC_ROOT.relative_to(ROOT)} (the manifest the production storage reads)")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=production_env(),
        check=True,
    )


def flush_redis() -> None:
    """Empty this benchmark's own Redis database (never another one), so each run starts cold."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


@contextlib.contextmanager
def gunicorn() -> Iterator[tuple[str, int]]:
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "union_office.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=production_env(),
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        deadline = time.monotonic() + 120  # 5 workers import Django: ~20 s on a busy machine
        while True:
            request = urllib.request.Request(base + "/bench/trivial/", headers={"X-Forwarded-Proto": "https"})
            try:
                urllib.request.urlopen(request, timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"gunicorn did not answer on {base}") from None
                time.sleep(0.3)
        yield base, server.pid
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


# --- Report ---------------------------------------------------------------------------------------


def ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def report(result: dict, facts: dict) -> bool:
    """Markdown tables; True when every request of every phase succeeded."""
    out("# Mixed load (`make load`)\n")
    out("| | |\n|---|---|")
    for name, value in facts.items():
        out(f"| {name} | {value} |")
    out()
    realistic = result["realistic"]
    trivial = result["isolated"].get("trivial view", {})
    out(
        f"## Realistic rate: {realistic['target_rps']:g} req/s for {realistic['seconds']:.0f} s "
        f"({realistic['users']} virtual users)\n"
    )
    out(
        f"Achieved {realistic['rps']:.2f} req/s, {realistic['requests']} requests, {realistic['failures']} errors; "
        f"server CPU {realistic['cpu_ms']:.1f} ms per request (gunicorn workers + PostgreSQL backends); "
        f"machine CPU busy {realistic['machine_busy']:.0%}; load average {realistic['load'][0]:.2f} → "
        f'{realistic["load"][1]:.2f}. "Alone": the page by itself, {result["isolated_users"]} users in a closed '
        f"loop for {result['isolated_seconds']} s, req/s as a share of the trivial view's measured the same way "
        "in the same run.\n"
    )
    out("| page | requests | errors | p50 | p95 | p99 | max | req/s in the mix | alone: req/s | alone ÷ trivial |")
    out("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for name, row in realistic["pages"].items():
        alone = result["isolated"].get(row.get("isolated_as", name))
        share = f"{alone['rps'] / trivial['rps']:.1%}" if alone and trivial else "–"
        out(
            f"| {name} | {row['requests']} | {row['failures']} | {ms(row['p50'])} | {ms(row['p95'])} "
            f"| {ms(row['p99'])} | {ms(row['max'])} | {row['rps']:.2f} | {alone['rps']:.1f} | {share} |"
            if alone
            else f"| {name} | {row['requests']} | {row['failures']} | {ms(row['p50'])} | {ms(row['p95'])} "
            f"| {ms(row['p99'])} | {ms(row['max'])} | {row['rps']:.2f} | – | – |"
        )
    out()
    if realistic["errors"]:
        out("Errors: " + "; ".join(f"{k}: {v}" for k, v in realistic["errors"].items()) + "\n")
    out("## Stress ladder: the same mix at rising rates\n")
    out(
        f"{result['step_seconds']} s per step, the same virtual users; a step is saturated when the server "
        "delivers less than 90 % of the rate asked (the users wait for their answers) or p95 passes 1 s.\n"
    )
    out(
        "| rate asked | achieved | requests | errors | p50 | p95 | p99 | server CPU / request "
        "| machine CPU busy | load |"
    )
    out("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for step in result["steps"]:
        out(
            f"| {step['target_rps']:g} | {step['rps']:.1f} | {step['requests']} | {step['failures']} "
            f"| {ms(step['p50'])} | {ms(step['p95'])} | {ms(step['p99'])} | {step['cpu_ms']:.1f} ms "
            f"| {step['machine_busy']:.0%} | {step['load'][0]:.1f} → {step['load'][1]:.1f} |"
        )
    out(f"\nSaturation: {result['saturation']}.\n")
    for step in result["steps"]:
        if step["errors"]:
            listed = "; ".join(f"{k} (×{v})" for k, v in sorted(step["errors"].items(), key=lambda kv: -kv[1])[:6])
            out(f"Errors at {step['target_rps']:g} req/s: {listed}.\n")
    out("## Each page alone (closed loop)\n")
    out("| page | requests | errors | req/s | ÷ trivial | p50 | p95 | server CPU / request |")
    out("|---|--:|--:|--:|--:|--:|--:|--:|")
    for name, row in result["isolated"].items():
        share = f"{row['rps'] / trivial['rps']:.1%}" if trivial else "–"
        out(
            f"| {name} | {row['requests']} | {row['failures']} | {row['rps']:.1f} | {share} | {ms(row['p50'])} "
            f"| {ms(row['p95'])} | {row['cpu_ms']:.1f} ms |"
        )
    out()
    logins = result["logins"]
    out(
        f"Logins before the load ({logins['accounts']} accounts, {logins['concurrency']} at a time, through the "
        f"login page: GET the form, POST the password): {logins['requests']} requests, {logins['failures']} "
        f"errors, p50 {ms(logins['p50'])}, p95 {ms(logins['p95'])}, {logins['rps']:.2f} req/s (PBKDF2 is slow "
        "on purpose).\n"
    )
    if logins["errors"]:
        out("Login errors: " + "; ".join(f"{k} (×{v})" for k, v in logins["errors"].items()) + "\n")
    # The ladder's last step may fail (timeouts past saturation): that is what it looks for.
    return sum(r["failures"] for r in [realistic, *result["isolated"].values(), logins]) == 0


def main() -> None:
    started = time.monotonic()
    load_before = load_average()
    ensure_data()
    plan = seed()
    collectstatic()
    flush_redis()
    PLAN_FILE.parent.mkdir(parents=True, exist_ok=True)
    with gunicorn() as (base, pid):
        plan |= {
            "base_url": base,
            "server_pid": pid,
            "database": DATABASE_URL.rsplit("/", 1)[1],
            "rate": float(os.environ.get("LOAD_RATE", "5")),
            "seconds": float(os.environ.get("LOAD_SECONDS", "300")),
            "warmup": float(os.environ.get("LOAD_WARMUP", "60")),
            "steps": [float(x) for x in os.environ.get("LOAD_STEPS", "5,10,20,30,40,60,80,120").split(",")],
            "step_seconds": float(os.environ.get("LOAD_STEP_SECONDS", "30")),
            "isolated_seconds": float(os.environ.get("LOAD_ISOLATED_SECONDS", "15")),
            "isolated_users": int(os.environ.get("LOAD_ISOLATED_USERS", "8")),
        }
        PLAN_FILE.write_text(json.dumps(plan, ensure_ascii=False, indent=1))
        note(f"gunicorn {WORKERS} workers on {base}; locust driver starting (load average {load_average()})")
        driver = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "load_locust.py"), str(PLAN_FILE)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
    flush_redis()
    (PLAN_FILE.parent / "result.json").write_text(driver.stdout)
    if driver.returncode != 0:
        raise SystemExit(f"the locust driver failed ({driver.returncode})")
    result = json.loads(driver.stdout.strip().splitlines()[-1])
    from importlib.metadata import version

    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), platform.processor())
    facts = {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "command": "make load",
        "CPU": f"{os.cpu_count()} × {cpu}",
        "server": f"gunicorn {WORKERS} sync workers, DJANGO_ENV=production (TWO_FACTOR_REQUIRED=false), "
        f"PostgreSQL {pg_version}, Redis cache + broker, database sessions",
        "driver": f"locust {version('locust')} (FastHttpUser, library mode) on the same machine; "
        f"Python {platform.python_version()}, Django {django.get_version()}",
        "data": "1,011 units, 100,000 members (bench/roster_scope.py) + the load data of 基层工会0–3",
        "load average (1, 5, 15 min) before → after": f"{load_before} → {load_average()}",
        "whole run": f"{(time.monotonic() - started) / 60:.1f} min",
    }
    ok = report(result, facts)
    if not ok:
        raise SystemExit("errors during the load test: see the tables")


if __name__ == "__main__":
    main()
