"""PostgreSQL restarted under load: how long do requests fail, and does gunicorn recover by itself?

    make faults                      # = .venv/bin/python bench/faults.py
    python bench/faults.py --keep    # leave the cluster and its database for another run

Never touches the shared server on 5432: the script makes its own PostgreSQL 15 cluster `faults`
on port 5441 (pg_createcluster, trust authentication on 127.0.0.1; needs root or the postgres
user), migrates and seeds the demo into it, starts gunicorn (FAULTS_WORKERS sync workers, the
production settings' CONN_MAX_AGE=60 and CONN_HEALTH_CHECKS) and a load of FAULTS_THREADS threads
GETting the main pages as the demo 工会主席. After FAULTS_BEFORE seconds it restarts the cluster
(`pg_ctlcluster 15 faults restart`, "fast" mode: every connection is ended) and keeps the load on
for FAULTS_AFTER seconds more. gunicorn is not touched.

Prints a Markdown report on stdout: requests and errors before, during and after the outage, the
time from the restart command until requests succeed again, and the success rate after recovery
(every request of the last FAULTS_AFTER / 2 seconds must succeed). Exit status 1 if they did not.
The cluster is stopped and dropped at the end unless --keep.
"""

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
VERSION, CLUSTER, PORT = "15", "faults", int(os.environ.get("FAULTS_PG_PORT", "5441"))
DATABASE_URL = f"postgres://postgres@127.0.0.1:{PORT}/union_faults"
HTTP_PORT = int(os.environ.get("FAULTS_HTTP_PORT", "8765"))
WORKERS = int(os.environ.get("FAULTS_WORKERS", "2"))
THREADS = int(os.environ.get("FAULTS_THREADS", "4"))
BEFORE = float(os.environ.get("FAULTS_BEFORE", "8"))
AFTER = float(os.environ.get("FAULTS_AFTER", "20"))
# The exception lines of the tracebacks gunicorn's workers log for the failed requests.
EXCEPTION = re.compile(r"^([\w.]+(?:Error|Exception)):")
GUNICORN_LOG = ROOT / "var" / "faults-gunicorn.log"
PAGES = ["/", "/members/", "/finance/", "/welfare/", "/activities/", "/congress/", "/plans/", "/notifications/"]
SEEDS = [
    "seed_demo",
    "seed_demo_finance",
    "seed_demo_activities",
    "seed_demo_congress",
    "seed_demo_welfare",
    "seed_demo_plan",
]


def log(message: str) -> None:
    print(f"[faults {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(*command: str, env: dict | None = None) -> str:
    done = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return done.stdout


def app_env() -> dict:
    return {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_DEBUG": "false",
        "REMINDERS_THREAD": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


# --- The private cluster -------------------------------------------------------------------------


def cluster_exists() -> bool:
    return any(
        line.split()[:2] == [VERSION, CLUSTER] for line in run("pg_lsclusters", "--no-header").splitlines() if line
    )


def cluster_up() -> None:
    if not cluster_exists():
        log(f"creating PostgreSQL {VERSION} cluster {CLUSTER!r} on port {PORT}")
        run(
            "pg_createcluster", VERSION, CLUSTER, "--port", str(PORT), "--",
            "--auth-host=trust", "--auth-local=trust",
        )  # fmt: skip
    if "online" not in cluster_status():
        run("pg_ctlcluster", VERSION, CLUSTER, "start")
    admin = f"postgres://postgres@127.0.0.1:{PORT}/postgres"
    exists = run("psql", admin, "-tAc", "SELECT 1 FROM pg_database WHERE datname = 'union_faults'").strip()
    if not exists:
        run("psql", admin, "-c", "CREATE DATABASE union_faults")


def cluster_status() -> str:
    return next(
        (line for line in run("pg_lsclusters", "--no-header").splitlines() if line.split()[:2] == [VERSION, CLUSTER]),
        "",
    )


def cluster_drop() -> None:
    log(f"dropping cluster {CLUSTER!r}")
    subprocess.run(["pg_dropcluster", VERSION, CLUSTER, "--stop"], check=False)


def prepare_database() -> None:
    env = app_env()
    log("migrating")
    run(PY, "manage.py", "migrate", "--noinput", "-v", "0", env=env)
    seeded = run(
        PY, "manage.py", "shell", "-c", "from members.models import Member; print(Member.objects.count())", env=env
    )
    if int(seeded.strip().splitlines()[-1]) == 0:
        for command in SEEDS:
            log(f"manage.py {command}")
            run(PY, "manage.py", command, env=env)


def session_cookie() -> str:
    """A logged-in session of the demo 工会主席, stored in the database like any login."""
    code = (
        "from django.test import Client; from django.contrib.auth import get_user_model; "
        "c = Client(); c.force_login(get_user_model().objects.get(username='chair')); "
        "print(c.cookies['sessionid'].value)"
    )
    return run(PY, "manage.py", "shell", "-c", code, env=app_env()).strip().splitlines()[-1]


# --- gunicorn and the load -----------------------------------------------------------------------


def gunicorn_start() -> subprocess.Popen:
    gunicorn = str(Path(PY).with_name("gunicorn"))
    command = [gunicorn, "union_office.wsgi", "-w", str(WORKERS), "-b", f"127.0.0.1:{HTTP_PORT}", "--timeout", "60"]
    # To a file: a pipe read only at the end fills with the outage's tracebacks and blocks the workers.
    process = subprocess.Popen(command, cwd=ROOT, env=app_env(), stderr=GUNICORN_LOG.open("w"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=2)
            conn.request("GET", "/login/")
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("gunicorn did not start")


def worker_pids(process: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    return sorted(int(pid) for pid in children.read_text().split()) if children.exists() else []


@dataclass
class Result:
    started: float  # seconds since the load began
    seconds: float
    status: int  # 0: no HTTP answer at all (connection error, timeout)


def load(cookie: str, stop: threading.Event, origin: float, results: list[Result], lock: threading.Lock) -> None:
    headers = {"Cookie": f"sessionid={cookie}"}
    conn = None
    number = 0
    while not stop.is_set():
        page = PAGES[number % len(PAGES)]
        number += 1
        started = time.monotonic()
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=30)
            conn.request("GET", page, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            status = 0
            if conn is not None:
                conn.close()
            conn = None
        with lock:
            results.append(Result(started - origin, time.monotonic() - started, status))


# --- The run -------------------------------------------------------------------------------------


def measure() -> dict:
    cluster_up()
    prepare_database()
    cookie = session_cookie()
    gunicorn = gunicorn_start()
    pids_before = worker_pids(gunicorn)
    results: list[Result] = []
    lock, stop = threading.Lock(), threading.Event()
    origin = time.monotonic()
    threads = [threading.Thread(target=load, args=(cookie, stop, origin, results, lock)) for _ in range(THREADS)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(BEFORE)
        log("restarting PostgreSQL")
        restart_at = time.monotonic() - origin
        run("pg_ctlcluster", VERSION, CLUSTER, "restart")
        restarted_at = time.monotonic() - origin
        log(f"restarted in {restarted_at - restart_at:.2f} s")
        time.sleep(AFTER)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        pids_after = worker_pids(gunicorn)
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
            gunicorn.wait()
    errors = GUNICORN_LOG.read_text(encoding="utf-8", errors="replace")
    return summarise(results, restart_at, restarted_at, pids_before, pids_after, errors)


def summarise(results, restart_at, restarted_at, pids_before, pids_after, gunicorn_log) -> dict:
    results.sort(key=lambda r: r.started)
    ok = [r for r in results if r.status == 200]
    failed = [r for r in results if r.status != 200]
    # A request counts for the time it ended: one in flight when the restart began fails with it.
    before = [r for r in results if r.started + r.seconds < restart_at]
    last_failure = max((r.started + r.seconds for r in failed if r.started + r.seconds >= restart_at), default=None)
    recovered_after = (last_failure - restart_at) if last_failure is not None else 0.0
    tail_start = restarted_at + AFTER / 2
    tail = [r for r in results if r.started >= tail_start]
    return {
        "date": time.strftime("%Y-%m-%d"),
        "requests": len(results),
        "ok": len(ok),
        "failed_before_restart": sum(1 for r in before if r.status != 200),
        "failed_total": len(failed),
        "failed_by_status": dict(Counter(r.status for r in failed)),
        "restart_seconds": round(restarted_at - restart_at, 2),
        "first_failure_at": round(min((r.started + r.seconds for r in failed), default=restart_at) - restart_at, 2),
        "recovered_after_seconds": round(recovered_after, 2),
        "tail_requests": len(tail),
        "tail_ok_percent": round(100 * sum(1 for r in tail if r.status == 200) / len(tail), 2) if tail else 0.0,
        "median_ms_before": round(1000 * statistics.median(r.seconds for r in before), 1) if before else None,
        "median_ms_tail": round(1000 * statistics.median(r.seconds for r in tail), 1) if tail else None,
        "gunicorn_workers_same": pids_before == pids_after and bool(pids_before),
        "gunicorn_errors": dict(Counter(m[1] for line in gunicorn_log.splitlines() if (m := EXCEPTION.match(line)))),
        "timeline": [(round(r.started, 2), round(r.seconds, 3), r.status) for r in results],
    }


def report(summary: dict) -> str:
    command = "make faults" if os.environ.get("MAKELEVEL") else "python bench/faults.py"
    rows = [
        ("Requests in all", summary["requests"]),
        ("Failed before the restart", summary["failed_before_restart"]),
        ("`pg_ctlcluster … restart` took", f"{summary['restart_seconds']} s"),
        ("Failed requests (by status; 0 = no answer)", f"{summary['failed_total']} {summary['failed_by_status']}"),
        ("Requests succeed again after the restart began", f"{summary['recovered_after_seconds']} s"),
        (
            "Success after recovery (last {:.0f} s, {} requests)".format(AFTER / 2, summary["tail_requests"]),
            f"{summary['tail_ok_percent']} %",
        ),  # fmt: skip
        ("Median response before / after", f"{summary['median_ms_before']} ms / {summary['median_ms_tail']} ms"),
        ("Exceptions in gunicorn's log", ", ".join(f"{k} × {v}" for k, v in summary["gunicorn_errors"].items())),
        ("gunicorn workers restarted", "no" if summary["gunicorn_workers_same"] else "yes"),
    ]
    lines = [
        f"PostgreSQL restart under load, {summary['date']}: `{command}` ({WORKERS} gunicorn workers, {THREADS} "
        f"client threads, {len(PAGES)} pages as 工会主席, restart after {BEFORE:.0f} s, {AFTER:.0f} s more)",
        "",
        "| | |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in rows),
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the cluster and its seeded database")
    parser.add_argument("--json", help="also write the figures to this file")
    options = parser.parse_args()
    try:
        summary = measure()
    finally:
        if not options.keep:
            cluster_drop()
    print(report(summary))
    if options.json:
        Path(options.json).write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    healthy = summary["failed_before_restart"] == 0 and summary["tail_ok_percent"] == 100.0
    return 0 if healthy and summary["gunicorn_workers_same"] else 1


if __name__ == "__main__":
    sys.exit(main())
