"""Access-scoped roster queries at the design's scale: 1,000 units, 100,000 members.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/union_bench .venv/bin/python bench/roster_scope.py

Builds the data once in that database (a separate one: it is filled with synthetic members), then
times each query several times and prints the median. Without BENCH_DATABASE_URL it uses
var/bench.sqlite3.

The roster list (issue 3) is timed three times on PostgreSQL: with the indexes the models have,
then with each index tried for it (BENCH_INDEXES: created here, dropped at the end; they are
not part of the models until a migration adds them). `--runs=models` times the first run only.
"""

import argparse
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
os.environ.setdefault("DJANGO_DEBUG", "false")  # time the page as served, not with debug templates

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.db.models import CharField, DateField, ExpressionWrapper, F, Value  # noqa: E402
from django.db.models.functions import Cast, Concat, Least, LPad, Mod  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from members import selectors  # noqa: E402
from members.idcard import make_id_number  # noqa: E402
from members.models import Department, Member, MemberStatus, OrgUnit, Role, RoleGrant  # noqa: E402
from members.stats import roster_stats  # noqa: E402

BASES, BRANCHES, GROUPS = 10, 10, 9  # 1 + 10 + 100 + 900 = 1,011 units
MEMBERS = 100_000
DEPARTMENTS_PER_BASE = 20
REGIONS = ["130534", "130533", "130535", "110105", "320102", "440106", "510107", "610113"]
CAP = 10_000
PAGE = 50
# Indexes tried for the roster (docs/performance.md), created by the bench only for its runs and
# dropped at the end: they are not in the models until a migration adds them.
BENCH_INDEXES = {
    # The list's order, name then pk. (Measured: not needed, member_name_idx plus an incremental
    # sort on pk is as fast.)
    "bench_member_name_id_idx": "(name, id)",
    # member_unit_status_name_idx with every column the statistics count: they read a 6 MB index
    # instead of the 110 MB table (an index-only scan).
    "bench_member_unit_status_name_incl_idx": "(org_unit_id, status, name) INCLUDE (gender, frontline, birth_date)",
}
BENCH_RUNS = [
    ("with the indexes of the models as they stand", []),
    ("+ an index on (name, id)", ["bench_member_name_id_idx"]),
    ("+ (org_unit, status, name) INCLUDE (gender, frontline, birth_date)", ["bench_member_unit_status_name_incl_idx"]),
]


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


# Realistic names: the search has to find "张伟" among 100,000 people, and most Chinese names have
# two or three characters (an index of trigrams serves none of the two-character ones). Surnames by
# rough frequency (the first ones the most common), then one given character (a third of the names)
# or two. Seeded by the member's position: every bench database gets the same names.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛")
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文玉红志春海燕"
    "鹏辉飞斌宇浩凯俊峰雪梅琳晶婷颖佳欣怡慧鑫波亮东晓云龙"
)
SURNAME_WEIGHTS = [1 / (rank + 4) for rank in range(len(SURNAMES))]


def member_name(n: int) -> str:
    import random

    rnd = random.Random(n)
    surname = rnd.choice(COMPOUND_SURNAMES) if rnd.random() < 0.005 else rnd.choices(SURNAMES, SURNAME_WEIGHTS)[0]
    given = rnd.choice(GIVEN) if rnd.random() < 0.35 else rnd.choice(GIVEN) + rnd.choice(GIVEN)
    return surname + given


def realistic_names() -> None:
    """Give the members names like a roster's (an older bench database has 会员0 … 会员99999):
    once, in place, keeping every other column (the n of 会员n seeds the name)."""
    old = Member.objects.filter(name__startswith="会员").order_by("pk").values_list("pk", "name")
    renamed = [(pk, member_name(int(name[2:]))) for pk, name in old if name[2:].isdigit()]
    if not renamed:
        return
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE bench_names (id integer PRIMARY KEY, name varchar(50))")
            with cursor.cursor.copy("COPY bench_names (id, name) FROM STDIN") as copy:
                for row in renamed:
                    copy.write_row(row)
            cursor.execute("UPDATE members_member m SET name = n.name FROM bench_names n WHERE m.id = n.id")
            cursor.execute("DROP TABLE bench_names")
    else:
        Member.objects.bulk_update([Member(pk=pk, name=name) for pk, name in renamed], ["name"], batch_size=2000)
    print(f"renamed {len(renamed)} members (会员n → a realistic name) in {time.perf_counter() - started:.1f}s")


def enrich() -> None:
    """Fill what the roster filters and statistics read (added after the first build, so an older
    bench database is upgraded in place): join dates, departments, 一线, phone, member number and
    a few members who left. Runs once: it stops when every member has a join date."""
    if not Member.objects.filter(joined_on__isnull=True).exists():
        return
    started = time.perf_counter()
    members = Member.objects.all()
    for k in range(10):
        # Joined at 18 to 24 years of age, never after the bench's reference day.
        joined = ExpressionWrapper(F("birth_date") + datetime.timedelta(days=6570 + k * 240), output_field=DateField())
        members.annotate(m=Mod("id", 10)).filter(m=k).update(
            joined_on=Least(joined, Value(datetime.date(2026, 1, 1)), output_field=DateField())
        )
    members.annotate(m=Mod("id", 3)).filter(m=0).update(frontline=True)
    members.annotate(m=Mod("id", 20)).filter(m=0).update(status=MemberStatus.RETIRED)
    members.annotate(m=Mod("id", 50)).filter(m=1).update(status=MemberStatus.WITHDRAWN)
    members.annotate(m=Mod("id", 97)).filter(m=2).update(status=MemberStatus.TRANSFERRED_OUT)
    digits = Cast("id", CharField())
    Member.objects.update(
        phone=Concat(Value("139"), LPad(digits, 8, Value("0"))),
        member_no=Concat(Value("BM"), LPad(digits, 6, Value("0"))),
    )
    for base in OrgUnit.objects.filter(kind="base"):
        for d in range(DEPARTMENTS_PER_BASE):
            department, _ = Department.objects.get_or_create(org_unit=base, name=f"部门{d:02d}")
            in_base = Member.objects.filter(org_unit__path__startswith=base.path)
            in_base.annotate(m=Mod("id", DEPARTMENTS_PER_BASE)).filter(m=d).update(department=department)
    print(f"enriched the members (join dates, departments, 一线, phones) in {time.perf_counter() - started:.1f}s")


def timed(label: str, fn, runs: int = 7) -> None:
    samples = []
    for _ in range(runs):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            result = fn()
            samples.append((time.perf_counter() - started) * 1000)
    print(f"| {label} | {statistics.median(samples):.1f} ms | {len(ctx.captured_queries)} | {result} |")


def fresh_user(name: str):
    # A new user object each run: its grants are looked up again, as in a new request.
    return get_user_model().objects.get(username=name)


def table_header(title: str) -> None:
    print(f"\n{title}\n\n| query | median | queries | result |\n|---|---|---|---|")


def access_queries() -> None:
    """The original bench (docs/performance.md, first section)."""
    table_header("Access-scoped queries")
    for username in ["bench_county", "bench_branch"]:
        timed(f"{username}: roster count", lambda u=username: selectors.member_list(fresh_user(u)).count())
        timed(
            f"{username}: first roster page (50 rows), unit-path order",
            lambda u=username: len(
                Paginator(selectors.member_list(fresh_user(u)).order_by("org_unit__path", "name", "pk"), PAGE)
                .get_page(1)
                .object_list
            ),
        )
        timed(
            f"{username}: dashboard head counts", lambda u=username: selectors.roster_overview(fresh_user(u))["active"]
        )
        timed(
            f"{username}: dashboard unit breakdown", lambda u=username: len(selectors.roster_breakdown(fresh_user(u)))
        )


def roster_list_queries(clients: dict[str, Client]) -> None:
    """The roster list page (members/views/roster.py) and its parts."""
    url = reverse("members:member_list")
    for username in ["bench_county", "bench_branch"]:

        def members(u=username, **filters):
            return selectors.member_list(fresh_user(u)).filter(**filters)

        timed(f"{username}: capped count (≤ {CAP + 1:,})", lambda m=members: selectors.roster_count(m(), cap=CAP))
        timed(f"{username}: first page (50 rows), by name", lambda m=members: len(list(m()[:PAGE])))
        timed(f"{username}: page 200 (rows 9,951–10,000)", lambda m=members: len(list(m()[CAP - PAGE : CAP])))

        def stats(u=username):
            user = fresh_user(u)
            return roster_stats(user, selectors.member_list(user).filter(status=MemberStatus.ACTIVE)).total

        timed(f"{username}: statistics (在册)", stats)
        client = clients[username]
        for label, params in [
            ("whole page, no filter", {}),
            ("whole page, page 2", {"page": 2}),
            ("whole page, 年龄段 35–45 + 一线 + 女", {"age": "35-45", "frontline": "yes", "gender": "F"}),
            ("whole page, 入会年份 1990-1995", {"join_year": "1990-1995"}),
            ("whole page, search name 张伟", {"q": "张伟"}),
            ("whole page, search surname 王", {"q": "王"}),
            ("whole page, search ID tail 1234", {"q": "1234"}),
            ("whole page, status 已退休", {"status": "retired"}),
        ]:
            # A first view: nothing cached, every count made (cached until the roster changes).
            timed(f"{username}: {label}", lambda c=client, p=params: (cache.clear(), c.get(url, p).status_code)[1])
        timed(f"{username}: whole page, seen again, cached", lambda c=client: c.get(url, {"page": 3}).status_code)


def set_indexes(names: list[str]) -> None:
    """Create the named bench indexes, drop the others, and refresh the planner's statistics and
    the visibility map (an index-only scan skips the table only for all-visible pages)."""
    with connection.cursor() as cursor:
        for name, columns in BENCH_INDEXES.items():
            if name in names:
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON members_member {columns}")
            else:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute("VACUUM ANALYZE members_member")


def ensure_dataset() -> None:
    """Migrate, build and enrich the bench data if it is not there yet, then ANALYZE. Measures
    nothing: bench/run_all.py calls it before its own measurements."""
    call_command("migrate", verbosity=0)
    build()
    enrich()
    realistic_names()
    if connection.vendor == "postgresql":
        # Fresh planner statistics: the bench server runs without autovacuum, and with none on
        # members_orgunit the planner takes a 1,000-unit subtree for one unit and picks a nested
        # loop over all 100,000 members (production keeps autovacuum on).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", choices=["all", "models"], default="all", help="models: no bench index")
    options = parser.parse_args()
    ensure_dataset()
    print(f"database: {connection.vendor}")
    access_queries()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    clients = {}
    for username in ["bench_county", "bench_branch"]:
        clients[username] = Client()
        clients[username].force_login(fresh_user(username))
    runs = BENCH_RUNS if options.runs == "all" and connection.vendor == "postgresql" else BENCH_RUNS[:1]
    try:
        for title, names in runs:
            if connection.vendor == "postgresql":
                set_indexes(names)
            table_header(f"Roster list, {title}")
            roster_list_queries(clients)
    finally:
        if connection.vendor == "postgresql":
            set_indexes([])


if __name__ == "__main__":
    main()
