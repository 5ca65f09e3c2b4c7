"""Two-node rehearsal (issue 23, `make scale`): the app on two gunicorn nodes of one machine.

    SCALE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/union_scale .venv/bin/python bench/scale.py

What runs (ports SCALE_PORT .. SCALE_PORT + 2, default 9231-9233):
- an S3-compatible server (moto in server mode) on SCALE_PORT, one bucket for both storage aliases;
- node A and node B: gunicorn on SCALE_PORT + 1 and + 2, each with its own empty local media folders
  (so anything written to a local disk instead of the bucket shows up there);
- two Celery workers, one per queue (default, bulk), and one beat;
- one PostgreSQL database (the demo data of `seed_demo`, plus members enough for a roster export to
  go to the bulk worker) and Redis (SCALE_REDIS_URL) for the cache and the broker.

Then: the mixed read load spread over both nodes (each virtual user logged in on its node through the
real login form), requests/s, p95 and errors per node; a roster export asked for on node A, written
by the bulk worker into the bucket and downloaded through node B; the local folders of both nodes
checked to be empty. Markdown on stdout, progress on stderr. Everything it started is stopped at
the end. Environment: SCALE_DATABASE_URL, SCALE_REDIS_URL (default redis://127.0.0.1:6379/8),
SCALE_PORT (9231), SCALE_SECONDS (30), SCALE_USERS (per node, 3).
"""

import contextlib
import http.cookiejar
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


class Session:
    """One logged-in browser on one node: cookies, the login form's CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str, timeout: float = 30) -> tuple[int, bytes]:
        try:
            with self.opener.open(self.base + path, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def login(self, username: str) -> None:
        _status, page = self.get("/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        data = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
        request = urllib.request.Request(self.base + "/login/", data=data.encode(), headers={"Referer": self.base})
        with self.opener.open(request, timeout=30) as response:
            if "/login/" in response.url:
                raise RuntimeError(f"login as {username} on {self.base} failed")


def load(bases: dict[str, str], username: str) -> dict[str, list[tuple[float, int]]]:
    results: dict[str, list[tuple[float, int]]] = {name: [] for name in bases}
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def user(name: str, base: str, offset: int) -> None:
        session = Session(base)
        session.login(username)
        index = offset
        while time.monotonic() < deadline:
            started = time.monotonic()
            status, _body = session.get(PAGES[index % len(PAGES)])
            with lock:
                results[name].append((time.monotonic() - started, status))
            index += 1

    threads = [
        threading.Thread(target=user, args=(name, base, offset))
        for name, base in bases.items()
        for offset in range(USERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="union-scale-"))
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
    }
    processes: list[subprocess.Popen] = []

    def start(name: str, command: list[str], env: dict[str, str]) -> None:
        log = (work / f"{name}.log").open("w")
        processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))

    try:
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
        start("beat", [str(VENV / "celery"), "-A", "union_office", "beat", "-l", "WARNING",
                       "--schedule", str(work / "beat-schedule")], worker_env)  # fmt: skip
        for name, base in bases.items():
            for _ in range(300):
                with contextlib.suppress(OSError):
                    if urllib.request.urlopen(base + "/health/?format=text", timeout=120).status == 200:
                        break
                time.sleep(0.5)
            else:
                raise RuntimeError(f"node {name} never became healthy (see {work}/node-{name}.log)")
        note("both nodes healthy")

        note(f"mixed load: {USERS} users per node for {SECONDS:.0f} s")
        results = load(bases, "admin")
        print("| node | requests | requests/s | p50 ms | p95 ms | errors |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, samples in results.items():
            times = sorted(seconds * 1000 for seconds, _status in samples)
            errors = sum(1 for _seconds, status in samples if status != 200)
            p95 = times[int(len(times) * 0.95) - 1] if times else 0
            print(
                f"| {name} | {len(times)} | {len(times) / SECONDS:.1f} | {statistics.median(times):.0f} | "
                f"{p95:.0f} | {errors} |"
            )

        note("cross-node file: export asked for on A, written by the bulk worker, downloaded through B")
        on_a, on_b = Session(bases["A"]), Session(bases["B"])
        on_a.login("admin")
        on_b.login("admin")
        request = urllib.request.Request(bases["A"] + "/members/export/?full=1")
        with on_a.opener.open(request, timeout=60) as response:
            match = re.search(r"/members/exports/(\d+)/", response.url)
        if match is None:
            raise RuntimeError(f"the export did not go to the background: {response.url}")
        started, status = time.monotonic(), 0
        while time.monotonic() - started < 300:
            status, body = on_b.get(f"/members/exports/{match.group(1)}/download/", timeout=60)
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


if __name__ == "__main__":
    main()
