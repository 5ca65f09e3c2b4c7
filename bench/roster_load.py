"""Roster list page under load, against reference views on the same gunicorn server.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/union_bench .venv/bin/python bench/roster_load.py

Needs the 100,000-member database built by bench/roster_scope.py (run that first) and `wrk`
(Debian package). Starts gunicorn on 127.0.0.1 (loopback only), runs wrk with 12 connections for
each URL, prints a Markdown table with throughput, p50/p95/p99 and the ratio to the trivial view.
"""

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/union_bench")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "12"))
# gunicorn's own advice for sync workers: 2 × cores + 1 (one computes while another waits on
# PostgreSQL or the network); 5 on the 2-core machine of docs/performance.md.
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402


def session_cookie(username: str) -> str:
    """A logged-in session made the way a real login makes it.

    Through `login()`, so the session names a backend that can load users (the first of
    AUTHENTICATION_BACKENDS is django-axes', which cannot) and the login signals stamp the session
    clock and the second-factor answer, as the login page would.
    """
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def check_page(url: str, cookie: str | None) -> None:
    """Refuse to measure a page that does not answer 200: wrk would time error pages or redirects."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=30)  # does not follow redirects
    connection.request("GET", f"{parts.path}?{parts.query}", headers={"Cookie": cookie} if cookie else {})
    status = connection.getresponse().status
    connection.close()
    if status != 200:
        raise SystemExit(f"{url} answered {status}, not 200: fix the page or its login before measuring it")


def wait_until_up(url: str, timeout: float = 180) -> None:  # a loaded machine starts workers slowly
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            # A worker's first request loads the URLconf and templates: seconds on a busy machine.
            urllib.request.urlopen(url, timeout=15).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer on {url}")


def wrk(url: str, cookie: str | None) -> dict:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "-s", str(ROOT / "bench" / "wrk_report.lua")]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    county, branch = session_cookie("bench_county"), session_cookie("bench_branch")
    targets = [
        ("trivial view (no template, no database)", "/bench/trivial/", None),
        ("50-row template, no database", "/bench/template50/", None),
        ("roster list, county chair (100,000 members)", "/members/", county),
        ("roster list, 分工会 committee (1,000 members)", "/members/", branch),
        ("roster list, county chair, search 张伟", "/members/?q=%E5%BC%A0%E4%BC%9F", county),
    ]
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
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
    )
    try:
        base = f"http://127.0.0.1:{PORT}"
        wait_until_up(base + "/bench/trivial/")
        print(f"gunicorn {WORKERS} sync workers, wrk {CONNECTIONS} connections for {DURATION} each\n")
        print("| page | req/s | p50 | p95 | p99 | non-2xx | p95 vs trivial |\n|---|---|---|---|---|---|---|")
        trivial_p95 = None
        for label, path, cookie in targets:
            check_page(base + path, cookie)
            wrk(base + path, cookie)  # warm-up pass, not reported (connections, caches)
            result = wrk(base + path, cookie)
            trivial_p95 = trivial_p95 or result["p95_ms"]
            print(
                f"| {label} | {result['rps']:.0f} | {result['p50_ms']:.1f} ms | {result['p95_ms']:.1f} ms "
                f"| {result['p99_ms']:.1f} ms | {result['non2xx']} | {result['p95_ms'] / trivial_p95:.1f}× |"
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
