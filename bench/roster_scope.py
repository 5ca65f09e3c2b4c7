"""Access-scoped roster queries at the design's scale: 1,000 units, 100,000 members.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/union_bench .venv/bin/python bench/roster_scope.py

Builds the data once in that database (a separate one: it is filled with synthetic members), then
times each query several times and prints the median. Without BENCH_DATABASE_URL it uses
var/bench.sqlite3.
"""

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "union_office.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from members import selectors  # noqa: E402
from members.idcard import make_id_number  # noqa: E402
from members.models import Member, OrgUnit, Role, RoleGrant  # noqa: E402

BASES, BRANCHES, GROUPS = 10, 10, 9  # 1 + 10 + 100 + 900 = 1,011 units
MEMBERS = 100_000
REGIONS = ["130534", "130533", "130535", "110105", "320102", "440106", "510107", "610113"]


def build() -> None:
    if Member.objects.count() >= MEMBERS:
        return
    started = time.perf_counter()
    county = OrgUnit.objects.create(name="基准县总工会", kind="upper")
    leaves = []
    for b in range(BASES):
        base = OrgUnit.objects.create(name=f"基层工会{b}", kind="base", parent=county)
        for r in range(BRANCHES):
            branch = OrgUnit.objects.create(name=f"分工会{b}-{r}", kind="branch", parent=base)
            leaves.append(branch)
            for g in range(GROUPS):
                leaves.append(OrgUnit.objects.create(name=f"小组{b}-{r}-{g}", kind="group", parent=branch))
    batch = []
    for n in range(MEMBERS):
        gender = "F" if n % 5 < 3 else "M"
        birth = datetime.date(1965, 1, 1) + datetime.timedelta(days=n % 13000)
        number = make_id_number(REGIONS[n // 13000 % len(REGIONS)], birth, n // (13000 * len(REGIONS)), gender)
        batch.append(
            Member(name=f"会员{n}", gender=gender, id_number=number, birth_date=birth, org_unit=leaves[n % len(leaves)])
        )
    Member.objects.bulk_create(batch, batch_size=5000)
    users = get_user_model().objects
    RoleGrant.objects.create(user=users.create_user("bench_county"), org_unit=county, role=Role.CHAIR)
    branch = OrgUnit.objects.get(name="分工会3-4")
    RoleGrant.objects.create(user=users.create_user("bench_branch"), org_unit=branch, role=Role.COMMITTEE)
    elapsed = time.perf_counter() - started
    print(f"built {OrgUnit.objects.count()} units, {Member.objects.count()} members in {elapsed:.1f}s")


def timed(label: str, fn, runs: int = 7) -> None:
    samples = []
    for _ in range(runs):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            result = fn()
            samples.append((time.perf_counter() - started) * 1000)
    print(f"| {label} | {statistics.median(samples):.1f} ms | {len(ctx.captured_queries)} | {result} |")


def main() -> None:
    call_command("migrate", verbosity=0)
    build()
    print(f"database: {connection.vendor}\n")
    print("| query | median | queries | result |\n|---|---|---|---|")
    for username in ["bench_county", "bench_branch"]:

        def fresh_user(name=username):
            return get_user_model().objects.get(username=name)

        timed(f"{username}: roster count", lambda u=fresh_user: selectors.member_list(u()).count())
        timed(
            f"{username}: first roster page (50 rows)",
            lambda u=fresh_user: len(Paginator(selectors.member_list(u()), 50).get_page(1).object_list),
        )
        timed(f"{username}: dashboard head counts", lambda u=fresh_user: selectors.roster_overview(u())["active"])
        timed(f"{username}: dashboard unit breakdown", lambda u=fresh_user: len(selectors.roster_breakdown(u())))


if __name__ == "__main__":
    main()
