"""The virtual users of `make load` (bench/load_mixed.py runs this file; it is not run on its own).

    .venv/bin/python bench/load_locust.py var/load/plan.json   # prints one JSON line of results

Locust in library mode (FastHttpUser, gevent). The plan file (written by bench/load_mixed.py) names
the server, the accounts and what their pages pick from. Every virtual user is one account: it logs
in through the login page once (GET the form for its CSRF token, POST the password; the session is
kept for the later phases), then repeats its persona's pages:

- staff (the county chair, the 基层工会 chairs, the 分工会 clerks): the roster (list, a unit and status
  filter, a name search, a member's page), the work plan (chairs), the dashboard, the inbox;
- treasurers: 经费收支表 and 预算执行情况表 (the report pages), the dashboard, the inbox;
- members (delegates of their union's 教代会): the dashboard, the event page, signing up and
  cancelling (the htmx POSTs of the event page, with htmx's X-CSRFToken header), a motion draft
  (the form, its POST, the motion's page after the redirect), the inbox;
- everyone, now and then: the trivial view (the same server's floor, in the same run).

Each request is checked (status, and a marker for the htmx answers), and a request without the
expected answer is an error. Requests carry `X-Forwarded-Proto: https`, as nginx sends them to the
production profile, and POSTs a same-origin Referer (Django checks it on HTTPS).

Pacing: the phase's rate is split over the users; each user waits exponential gaps (a Poisson
stream overall), and a user whose answer comes late does not catch up (so a saturated server shows
as a lower achieved rate). The isolated phases run each page alone with no wait (closed loop).
"""

import contextlib
import json
import random
import re
import subprocess
import sys
import time
from collections import Counter, deque
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, events, task
from locust.env import Environment

PLAN = json.loads(Path(sys.argv[1] if len(sys.argv) > 1 else "var/load/plan.json").read_text())
BASE = PLAN["base_url"]
ORIGIN = "https://" + BASE.split("://", 1)[1]  # what the browser would send behind TLS
HEADERS = {"X-Forwarded-Proto": "https", "Accept-Language": "zh-CN,zh;q=0.9"}
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MOTION = re.compile(r"^(?:https?://[^/]+)?/congress/motions/(\d+)/$")


def note(message: str) -> None:
    print(f"[locust {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class BehindTLS(DefaultCookiePolicy):
    """Send the `Secure` cookies of the production profile over the plain connection to gunicorn: the
    browser talks HTTPS to nginx, which talks HTTP to gunicorn (geventhttpclient judges by the URL)."""

    def return_ok_secure(self, cookie, request) -> bool:
        return True


# --- State shared by the users of a phase ---------------------------------------------------------

STATE = {"rate": None, "users": 1, "epoch": 0, "only": None, "measuring": False}
ASSIGN: deque = deque()
COOKIES: dict[str, list] = {}  # username → the cookies of its logged-in session
# username → signed up for its event or not; absent while a POST is under way (a phase that ends
# stops its users mid-request) or before the first: the event page tells.
SIGNED_UP: dict[str, bool] = {}
RECORD: dict[str, dict] = {}
ERRORS: Counter = Counter()


@events.request.add_listener
def record(request_type, name, response_time, response_length, exception=None, **kwargs) -> None:
    if not STATE["measuring"] and not name.startswith("login"):
        return
    entry = RECORD.setdefault(name, {"times": [], "failures": 0})
    if exception is None:
        entry["times"].append(response_time)
    else:
        entry["failures"] += 1
        ERRORS[f"{name}: {str(exception)[:120]}"] += 1


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def summary(entries: dict[str, dict], seconds: float) -> dict:
    times = [t for e in entries.values() for t in e["times"]]
    failures = sum(e["failures"] for e in entries.values())
    return {
        "requests": len(times) + failures,
        "failures": failures,
        "rps": (len(times) + failures) / seconds,
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "p99": percentile(times, 99),
        "max": max(times) if times else None,
    }


# --- Server CPU, machine CPU ----------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / 100  # clock ticks (USER_HZ = 100 on Linux)


def server_cpu() -> dict[int, float]:
    """CPU seconds of each gunicorn worker and each PostgreSQL backend of the bench database."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == PLAN["server_pid"]:
                pids.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    listed = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", PLAN["database"], "-tAc", query],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    pids += [int(line) for line in listed.split() if line.strip().isdigit()]
    return {pid: _cpu_seconds(pid) for pid in pids}


def machine_ticks() -> tuple[int, int]:
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values), values[3] + values[4]  # total, idle + iowait


class Meter:
    """Server CPU per request, machine CPU busy and load average over one measured window."""

    def __enter__(self) -> "Meter":
        import os

        self.load = [os.getloadavg()[0]]
        self.cpu, self.ticks, self.started = server_cpu(), machine_ticks(), time.monotonic()
        return self

    def __exit__(self, *exc) -> None:
        import os

        self.seconds = time.monotonic() - self.started
        after, ticks = server_cpu(), machine_ticks()
        self.spent = sum(seconds - self.cpu.get(pid, 0.0) for pid, seconds in after.items())
        total, idle = ticks[0] - self.ticks[0], ticks[1] - self.ticks[1]
        self.busy = 1 - idle / total if total else 0.0
        self.load.append(os.getloadavg()[0])

    def into(self, result: dict) -> dict:
        result["cpu_ms"] = 1000 * self.spent / max(result["requests"], 1)
        result["machine_busy"] = self.busy
        result["load"] = self.load
        return result


# --- The users ------------------------------------------------------------------------------------


class Visitor(FastHttpUser):
    host = BASE
    network_timeout = 30.0
    connection_timeout = 30.0

    def wait_time(self) -> float:
        if STATE["rate"] is None:
            return 0
        now = time.monotonic()
        if self.epoch != STATE["epoch"]:  # the rate changed: draw the next gap at the new rate
            self.epoch = STATE["epoch"]
            self.next_at = now + random.expovariate(self.per_user())
        return max(0.0, min(0.5, self.next_at - now))  # wake often enough to see a rate change

    def per_user(self) -> float:
        return STATE["rate"] / STATE["users"]

    def on_start(self) -> None:
        self.persona, self.account = ASSIGN.popleft()
        self.client.cookiejar.set_policy(BehindTLS())
        self.rng = random.Random(self.account["username"])
        self.epoch = STATE["epoch"]
        self.next_at = time.monotonic()
        self.login()
        if STATE["rate"] is not None:
            self.next_at = time.monotonic() + random.uniform(0, 1 / self.per_user())

    # helpers

    def csrf_cookie(self) -> str:
        return next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")

    def page(self, name: str, url: str, marker: str | None = None) -> str:
        with self.client.get(url, name=name, headers=HEADERS, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code} {r.headers.get('Location', '') if r.headers else ''}")
                return ""
            if marker is not None and marker not in r.text:
                r.failure(f"no {marker!r}")
                return ""
            r.success()
            return r.text

    def post(self, name: str, url: str, data: dict, *, htmx: bool = False, referer: str | None = None):
        headers = {
            **HEADERS,
            "Referer": ORIGIN + (referer or url),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        if htmx:
            headers |= {"HX-Request": "true", "X-CSRFToken": self.csrf_cookie(), "HX-Current-URL": ORIGIN + referer}
        return self.client.post(
            url, name=name, data=urlencode(data), headers=headers, allow_redirects=False, catch_response=True
        )

    def login(self) -> None:
        username = self.account["username"]
        if username in COOKIES:
            for cookie in COOKIES[username]:
                self.client.cookiejar.set_cookie(cookie)
            return
        form = self.page("login: form", "/login/", 'name="csrfmiddlewaretoken"')
        token = CSRF_FIELD.search(form).group(1) if form else ""
        data = {"csrfmiddlewaretoken": token, "username": username, "password": PLAN["password"], "next": ""}
        with self.post("login: POST", "/login/", data) as r:
            if r.status_code == 302 and r.headers.get("Location") == "/":
                r.success()
                COOKIES[username] = list(self.client.cookiejar)
            else:
                r.failure(f"login refused: status {r.status_code}")

    # pages

    def roster_list(self) -> int:
        self.page("roster: list", "/members/", 'data-testid="roster-filters"')
        return 1

    def roster_filter(self) -> int:
        unit = self.rng.choice(self.account["units"])
        self.page("roster: filter (unit, status)", f"/members/?unit={unit}&status=active")
        return 1

    def roster_search(self) -> int:
        word = f"会员{self.rng.randint(10, 99_999)}"
        self.page("roster: search", "/members/?" + urlencode({"q": word}))
        return 1

    def member_detail(self) -> int:
        self.page("roster: a member's page", f"/members/{self.rng.choice(self.account['members'])}/")
        return 1

    def plan(self) -> int:
        plan = self.account.get("plan") or self.rng.choice(PLAN["plans"])
        self.page("work plan (plan page)", f"/plans/{plan}/")
        return 1

    def dashboard(self) -> int:
        self.page("dashboard", "/")
        return 1

    def inbox(self) -> int:
        self.page("notification inbox", "/notifications/", "压测通知")
        return 1

    def trivial(self) -> int:
        self.page("trivial view", "/bench/trivial/")
        return 1

    def income_expense(self) -> int:
        self.page("finance: 经费收支表", "/finance/reports/income-expense/")
        return 1

    def budget_execution(self) -> int:
        self.page("finance: 预算执行情况表", "/finance/reports/budget-execution/")
        return 1

    def event(self) -> int:
        self.page("event page", f"/activities/{self.account['event']}/", 'id="signup-panel"')
        return 1

    def signup_toggle(self) -> int:
        """The event page's htmx buttons: 我要报名, or 取消报名 when already signed up."""
        event, username = self.account["event"], self.account["username"]
        page = f"/activities/{event}/"
        sent = 0
        if username not in SIGNED_UP:
            text = self.page("event page", page, 'id="signup-panel"')
            SIGNED_UP[username] = 'data-testid="cancel-button"' in text
            sent = 1
        signed_up = SIGNED_UP.pop(username)
        if signed_up:
            name, url, expect = "event: cancel (htmx POST)", f"/activities/{event}/cancel/", "signup-button"
        else:
            name, url, expect = "event: sign up (htmx POST)", f"/activities/{event}/signup/", "cancel-button"
        with self.post(name, url, {}, htmx=True, referer=page) as r:
            if r.status_code == 200 and f'data-testid="{expect}"' in r.text and "alert-danger" not in r.text:
                r.success()
                SIGNED_UP[username] = not signed_up
            else:
                r.failure(f"status {r.status_code}, no {expect}")
        return sent + 1

    def motion(self) -> int:
        """A delegate writes a motion draft: the form, the POST, the motion's page it redirects to."""
        url = f"/congress/sessions/{self.account['session']}/motions/new/"
        form = self.page("congress: motion form", url, 'name="csrfmiddlewaretoken"')
        if not form:
            return 1
        data = {
            "csrfmiddlewaretoken": CSRF_FIELD.search(form).group(1),
            "title": f"压测提案：关于改善职工食堂就餐条件的建议（{self.rng.randint(1, 10**6)}）",
            "category": "life",
            "reason": "午餐高峰时段排队时间长，菜品品种单一。",
            "proposal": "1. 高峰时段增开售饭窗口；\n2. 每周公布菜谱。",
        }
        with self.post("congress: submit a motion (POST)", url, data) as r:
            location = r.headers.get("Location", "") if r.headers else ""
            if r.status_code == 302 and MOTION.match(location):
                r.success()
            else:
                r.failure(f"status {r.status_code} {location}")
                return 2
        self.page("congress: the motion's page", location, "压测提案")
        return 3

    WEIGHTS = {
        "staff": {
            "roster_list": 4,
            "roster_filter": 3,
            "roster_search": 3,
            "member_detail": 4,
            "plan": 2,
            "dashboard": 3,
            "inbox": 2,
            "trivial": 1,
        },
        "treasurer": {"income_expense": 4, "budget_execution": 4, "dashboard": 2, "inbox": 1, "trivial": 1},
        "member": {"dashboard": 3, "event": 3, "signup_toggle": 2, "motion": 1, "inbox": 2, "trivial": 1},
    }

    @task
    def step(self) -> None:
        if STATE["rate"] is not None and time.monotonic() < self.next_at:
            return
        name = STATE["only"]
        if name is None:
            weights = dict(self.WEIGHTS[self.persona])
            if self.persona == "staff" and not self.account.get("plan") and self.account.get("base") is not None:
                weights["dashboard"] += weights.pop("plan")  # a 分工会 clerk reads no 基层工会 plan
            name = self.rng.choices(list(weights), weights=list(weights.values()))[0]
        requests = getattr(self, name)()
        if STATE["rate"] is not None:
            for _ in range(requests):
                self.next_at += random.expovariate(self.per_user())
            self.next_at = max(self.next_at, time.monotonic())


# --- Phases ---------------------------------------------------------------------------------------


def start(assignments: list[tuple[str, dict]], *, rate: float | None, only: str | None, spawn_rate: float):
    ASSIGN.clear()
    ASSIGN.extend(assignments)
    STATE.update(rate=rate, users=len(assignments), only=only, measuring=False)
    STATE["epoch"] += 1
    env = Environment(user_classes=[Visitor], events=events)
    runner = env.create_local_runner()
    runner.start(len(assignments), spawn_rate=spawn_rate)
    return runner


def measure(seconds: float) -> tuple[dict, Meter]:
    RECORD.clear()
    STATE["measuring"] = True
    with Meter() as meter:
        gevent.sleep(seconds)
    STATE["measuring"] = False
    return {name: dict(entry) for name, entry in RECORD.items()}, meter


def per_page(entries: dict, seconds: float) -> dict:
    return {name: summary({name: entry}, seconds) for name, entry in sorted(entries.items())}


LOGIN_CONCURRENCY = 3


def prelogin(accounts: list[dict]) -> None:
    """Every account logs in once, a few at a time, before the load: a login costs the server ~0.7 s
    of CPU (PBKDF2, 1,500,000 iterations), and 81 logins in 81 s on two shared cores ran into the
    30 s timeout. A failed attempt is recorded as an error and tried again (three times at most)."""
    from gevent.pool import Pool

    env = Environment(user_classes=[Visitor], events=events)

    def one(account: dict) -> None:
        visitor = Visitor(env)
        visitor.account = account
        visitor.client.cookiejar.set_policy(BehindTLS())
        for _attempt in range(3):
            visitor.login()
            if account["username"] in COOKIES:
                return

    Pool(LOGIN_CONCURRENCY).map(one, accounts)


def drain(limit: float = 90) -> None:
    """Wait until gunicorn has worked off what the stopped users left queued (a sync worker finishes
    a request whose client has gone): until the trivial view answers in under 50 ms."""
    from urllib.request import Request, urlopen

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        started = time.monotonic()
        with contextlib.suppress(OSError):
            urlopen(Request(BASE + "/bench/trivial/", headers=HEADERS), timeout=30).read()
        if time.monotonic() - started < 0.05:
            return
        gevent.sleep(1)


def mixed_assignments() -> list[tuple[str, dict]]:
    members_per_base = 10
    chosen = [m for m in PLAN["members"] if int(m["username"].rsplit("_", 1)[1]) < members_per_base]
    return (
        [("staff", a) for a in PLAN["staff"]]
        + [("treasurer", a) for a in PLAN["treasurers"]]
        + [("member", a) for a in chosen]
    )


def main() -> None:
    result: dict = {"isolated_users": PLAN["isolated_users"], "isolated_seconds": PLAN["isolated_seconds"]}
    assignments = mixed_assignments()
    accounts = [*PLAN["staff"], *PLAN["treasurers"], *PLAN["members"]]
    note(f"{len(accounts)} accounts log in through the login page, {LOGIN_CONCURRENCY} at a time")
    started = time.monotonic()
    prelogin(accounts)
    logins = {name: dict(entry) for name, entry in RECORD.items() if name.startswith("login")}
    result["logins"] = summary(logins, time.monotonic() - started) | {"errors": dict(ERRORS)}
    result["logins"]["accounts"], result["logins"]["concurrency"] = len(accounts), LOGIN_CONCURRENCY
    ERRORS.clear()
    note(f"then {PLAN['warmup']:.0f} s of warm-up at {PLAN['rate']:g} req/s")
    runner = start(assignments, rate=PLAN["rate"], only=None, spawn_rate=10)
    gevent.sleep(len(assignments) / 10 + PLAN["warmup"])

    note(f"realistic: {PLAN['rate']:g} req/s for {PLAN['seconds']:.0f} s")
    entries, meter = measure(PLAN["seconds"])
    realistic = meter.into(summary(entries, meter.seconds))
    realistic |= {
        "target_rps": PLAN["rate"],
        "seconds": meter.seconds,
        "users": len(assignments),
        "pages": per_page(entries, meter.seconds),
        "errors": dict(ERRORS),
    }
    result["realistic"] = realistic
    note(f"realistic: {realistic['rps']:.2f} req/s, p95 {realistic['p95']} ms, {realistic['failures']} errors")

    result["steps"], result["step_seconds"], saturation = [], PLAN["step_seconds"], None
    for rate in PLAN["steps"]:
        ERRORS.clear()
        STATE["rate"], STATE["epoch"] = rate, STATE["epoch"] + 1
        gevent.sleep(3)  # the users move to the new rate
        entries, meter = measure(PLAN["step_seconds"])
        step = meter.into(summary(entries, meter.seconds)) | {"target_rps": rate, "errors": dict(ERRORS)}
        result["steps"].append(step)
        note(f"step {rate:g} req/s: {step['rps']:.1f} achieved, p95 {step['p95']} ms, {step['failures']} errors")
        if step["rps"] < 0.9 * rate or (step["p95"] or 0) > 1000 or step["failures"]:
            saturation = (
                f"the server kept up with {result['steps'][-2]['target_rps']:g} req/s and fell behind at "
                f"{rate:g} req/s (achieved {step['rps']:.1f} req/s, p95 {step['p95']:.0f} ms)"
                if len(result["steps"]) > 1
                else f"already at {rate:g} req/s"
            )
            break
    result["saturation"] = saturation or f"not reached at {PLAN['steps'][-1]:g} req/s"
    runner.quit()
    drain()

    # Each page alone: closed loop, the same number of users, accounts of the page's persona.
    pages = [
        ("trivial view", "trivial", "staff"),
        ("roster: list", "roster_list", "staff"),
        ("roster: filter (unit, status)", "roster_filter", "staff"),
        ("roster: search", "roster_search", "staff"),
        ("roster: a member's page", "member_detail", "staff"),
        ("work plan (plan page)", "plan", "chairs"),
        ("dashboard", "dashboard", "staff"),
        ("notification inbox", "inbox", "staff"),
        ("finance: 经费收支表", "income_expense", "treasurer"),
        ("finance: 预算执行情况表", "budget_execution", "treasurer"),
        ("event page", "event", "member"),
        ("event: sign up + cancel (htmx POSTs)", "signup_toggle", "member"),
        ("congress: motion form, POST, motion page", "motion", "member"),
    ]
    pools = {
        "staff": [("staff", a) for a in PLAN["staff"]],
        "chairs": [("staff", a) for a in PLAN["staff"] if a.get("plan") or a.get("base") is None],
        "treasurer": [("treasurer", a) for a in PLAN["treasurers"]],
        "member": [("member", a) for a in PLAN["members"]],
    }
    users = PLAN["isolated_users"]
    result["isolated"] = {}
    for label, method, pool in pages:
        ERRORS.clear()
        rng = random.Random(label)
        chosen = rng.sample(pools[pool], users) if len(pools[pool]) >= users else (pools[pool] * users)[:users]
        runner = start(chosen, rate=None, only=method, spawn_rate=100)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(a["username"] not in COOKIES for _, a in chosen):
            gevent.sleep(0.5)  # accounts the mixed phase did not use log in first
        gevent.sleep(3)  # connections, caches
        entries, meter = measure(PLAN["isolated_seconds"])
        entries = {name: entry for name, entry in entries.items() if not name.startswith("login")}
        runner.quit()
        drain()
        row = meter.into(summary(entries, meter.seconds)) | {"errors": dict(ERRORS), "names": sorted(entries)}
        result["isolated"][label] = row
        note(f"alone: {label}: {row['rps']:.1f} req/s, p95 {row['p95']} ms, {row['failures']} errors")
    for name, row in realistic["pages"].items():
        if name.startswith("event: "):
            row["isolated_as"] = "event: sign up + cancel (htmx POSTs)"
        elif name.startswith("congress: "):
            row["isolated_as"] = "congress: motion form, POST, motion page"
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
