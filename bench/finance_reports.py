"""The finance reports at scale (issues 5 and 23): each report and its page in under 300 ms at
20,000, 200,000 and 2,000,000 entries (a growth table), and the .xlsx 明细账 of 100,000 entries in
under 6 s and 100 MiB.

    flock /tmp/bench.lock .venv/bin/python bench/finance_reports.py
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/union_bench_finance BENCH_RUNS=7 ...
    BENCH_FINANCE_SIZES=20000,200000 ...     # the sizes measured (default 20000,200000,2000000)

1. Creates the PostgreSQL database if it is missing, migrates it, and books (once per size; later
   runs reuse them) the entries of 2025 for one 基层工会 per size (基准财务工会20k, …200k, …2000k)
   with an approved budget: half on 50202 送温暖, the rest spread over the other leaves, dates
   spread over the year in voucher order, about 1 % red-ink reversals. The rows are written by one
   INSERT … SELECT generate_series (the service books one at a time under its lock, which is not
   what is measured here; two million through the ORM would take most of an hour), then the
   ledger's day totals are rebuilt from them (`services.ledger_day_totals_rebuild`) and the voucher
   counter set to the last number.
2. Each measurement runs in a fresh process (`--child NAME SIZE`) so its peak RSS (VmHWM from
   /proc/self/status) is its own. The three aggregate reports are built (rows materialised) once to
   warm up, then BENCH_RUNS times; the 经费收支表 page (GET through Django's test client as the
   unit's treasurer: form, years, report, template) likewise; the median is reported with the
   number of queries. The 明细账 of 50202 at 200,000 entries (100,000 entries with month rows) is
   written to an .xlsx temporary file once, as the download view does, timed from the query to the
   last byte.

Markdown table on stdout (for docs/performance.md), progress on stderr.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/union_bench_finance")
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ.setdefault("DJANGO_DEBUG", "false")

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SIZES = [int(s) for s in os.environ.get("BENCH_FINANCE_SIZES", "20000,200000,2000000").split(",")]
XLSX_SIZE, YEAR = 200_000, 2025
LEDGER_ACCOUNT = "50202"
TREASURER = "bench_finance_treasurer"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def unit_name(size: int) -> str:
    return f"基准财务工会{size // 1000}k"


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def create_database() -> None:
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    import django

    django.setup()


# One INSERT … SELECT: entry i of n is dated in order through the year, every second one on 50202.
INSERT_ENTRIES = """
INSERT INTO finance_ledgerentry (org_unit_id, year, voucher_number, date, account_id, amount, is_reversal,
                                 summary, counterparty, source_key, source_id, booked_at)
SELECT %(unit)s, %(year)s, i, %(start)s::date + ((i - 1)::bigint * 365 / %(n)s)::int,
       CASE WHEN i %% 2 = 1 THEN %(ledger)s ELSE (%(others)s::int[])[1 + (i / 2) %% %(k)s] END,
       (100 + floor(random() * 499900)) / 100, false,
       '基准凭证第' || i || '号：慰问困难职工家庭及节日走访', '职工' || lpad((i %% 5000)::text, 4, '0'), '', '', now()
  FROM generate_series(1, %(n)s) AS i
"""
# About 1 %: red-ink reversals of every hundredth entry, dated on the same day (they count negative).
INSERT_REVERSALS = """
INSERT INTO finance_ledgerentry (org_unit_id, year, voucher_number, date, account_id, amount, is_reversal,
                                 reverses_id, summary, counterparty, source_key, source_id, booked_at)
SELECT org_unit_id, year, %(n)s + row_number() OVER (ORDER BY voucher_number), date, account_id, amount, true,
       id, '冲销 ' || year || '-' || lpad(voucher_number::text, 4, '0'), '', '', '', now()
  FROM finance_ledgerentry
 WHERE org_unit_id = %(unit)s AND year = %(year)s AND voucher_number %% 100 = 1
"""


def build(size: int) -> None:
    """The unit, its budget and `size` entries of 2025, unless they are there already."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from finance import services
    from finance.models import Account, Budget, BudgetLine, BudgetStatus, LedgerEntry, VoucherCounter
    from members.models import OrgUnit, Role, RoleGrant

    name = unit_name(size)
    unit = OrgUnit.objects.filter(name=name).first()
    if unit is None:
        unit = OrgUnit.objects.create(name=name, kind=OrgUnit.Kind.BASE)
    user, _created = get_user_model().objects.get_or_create(username=TREASURER)
    RoleGrant.objects.get_or_create(user=user, org_unit=unit, role=Role.TREASURER)
    count = LedgerEntry.objects.filter(org_unit=unit).count()
    if count >= size:
        log(f"{name}: {count:,} entries already there")
        return
    if count:
        raise SystemExit(f"{name} has {count} entries from an interrupted run: drop the database and run again")
    leaves = list(Account.objects.filter(is_active=True).exclude(children__is_active=True).order_by("code"))
    ledger_account = next(a for a in leaves if a.code == LEDGER_ACCOUNT)
    others = [a.pk for a in leaves if a.code != LEDGER_ACCOUNT]
    log(f"{name}: booking {size:,} entries (INSERT … SELECT)")
    started = time.perf_counter()
    with transaction.atomic():
        budget = Budget.objects.create(org_unit=unit, year=YEAR, status=BudgetStatus.APPROVED)
        BudgetLine.objects.bulk_create(
            BudgetLine(
                budget=budget,
                account=a,
                previous_actual=Decimal("90000"),
                planned=Decimal("100000000"),
                approved=Decimal("100000000"),
            )
            for a in leaves
        )
        params = {
            "unit": unit.pk,
            "year": YEAR,
            "start": dt.date(YEAR, 1, 1),
            "n": size,
            "ledger": ledger_account.pk,
            "others": others,
            "k": len(others),
        }
        with connection.cursor() as cursor:
            cursor.execute(INSERT_ENTRIES, params)
            cursor.execute(INSERT_REVERSALS, params)
        number = LedgerEntry.objects.filter(org_unit=unit).count()
        VoucherCounter.objects.update_or_create(org_unit=unit, year=YEAR, defaults={"last_number": number})
        services.ledger_day_totals_rebuild(org_unit=unit)
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run inside a transaction
        cursor.execute("VACUUM ANALYZE finance_ledgerentry")
    log(f"{name}: booked {number:,} entries in {time.perf_counter() - started:.0f} s")


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure(call, counter: QueryCounter) -> tuple[float, float, int]:
    """Median and maximum seconds of BENCH_RUNS calls after one warm-up, and the queries of one call."""
    from django.db import connection

    call()  # warm-up: connection, chart, the pages of the index in cache
    timings = []
    for _ in range(RUNS):
        counter.count = 0
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), max(timings), counter.count


def child(name: str, size: int) -> dict:
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from finance.models import Account, LedgerEntry
    from finance.reports import REPORTS, Params
    from members.models import OrgUnit

    unit = OrgUnit.objects.get(name=unit_name(size))
    entries = LedgerEntry.objects.filter(org_unit=unit, year=YEAR).count()
    result = {"name": name, "size": size, "entries": entries}
    if name == "baseline":  # what a process holds before any report: Django, the apps, a connection
        return result | {"seconds": 0.0, "queries": 2, "peak_mib": peak_rss_mib()}
    year_from, year_to = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    counter = QueryCounter()
    if name == "ledger-xlsx":
        account = Account.objects.get(code=LEDGER_ACCOUNT)
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            report = REPORTS["account-ledger"].build(
                Params(unit=unit, account=account, date_from=year_from, date_to=year_to)
            )
            with tempfile.TemporaryFile() as handle:  # as the download view writes it
                report.write_xlsx_into(handle)
                size_bytes = handle.tell()
        return result | {
            "entries": LedgerEntry.objects.filter(org_unit=unit, account=account).count(),
            "seconds": time.perf_counter() - started,
            "queries": counter.count,
            "bytes": size_bytes,
            "peak_mib": peak_rss_mib(),
        }
    if name == "income-expense-page":
        client = Client(SERVER_NAME="localhost")
        client.force_login(get_user_model().objects.get(username=TREASURER))
        url = reverse("finance:report", args=["income-expense"])
        query = {"unit": unit.pk, "date_from": year_from.isoformat(), "date_to": year_to.isoformat()}

        def call() -> None:
            response = client.get(url, query)
            if response.status_code != 200 or b"report-table" not in response.content:
                raise SystemExit(f"{url} answered {response.status_code} without the report")

    else:
        params = {
            "income-expense": Params(unit=unit, date_from=year_from, date_to=year_to),
            "budget-execution": Params(unit=unit, year=YEAR),
            "aid-usage": Params(unit=unit, date_from=year_from, date_to=year_to),
        }[name]
        spec = REPORTS[name]

        def call() -> None:
            list(spec.build(params).rows)

    seconds, slowest, queries = measure(call, counter)
    return result | {"seconds": seconds, "max": slowest, "queries": queries, "peak_mib": peak_rss_mib()}


def run_child(name: str, size: int) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", name, str(size)], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


LABELS = {
    "baseline": ("A fresh process after django.setup() (reference)", "—"),
    "income-expense": ("经费收支表, full year (rows built)", "< 300 ms"),
    "income-expense-page": ("经费收支表 page (GET, as the treasurer)", "< 300 ms"),
    "budget-execution": ("预算执行情况表, full year", "< 300 ms"),
    "aid-usage": ("帮扶资金使用情况表, by month", "< 300 ms"),
    "ledger-xlsx": ("明细账 of 50202 → .xlsx file", "< 6 s, < 100 MiB"),
}


def shown(result: dict) -> str:
    seconds = result["seconds"]
    time_ = f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"
    return f"{time_} ({result['queries']} q, {result['peak_mib']:.0f} MiB)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs=2, metavar=("NAME", "SIZE"))
    args = parser.parse_args()
    if args.child:
        setup_django()
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return
    create_database()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    for size in SIZES:
        build(size)
    growth = {}
    for name in ("baseline", "income-expense", "income-expense-page", "budget-execution", "aid-usage"):
        for size in SIZES:
            log(f"measuring {name} at {size:,}")
            growth[name, size] = run_child(name, size)
    xlsx = None
    if XLSX_SIZE in SIZES:
        log("measuring ledger-xlsx")
        xlsx = run_child("ledger-xlsx", XLSX_SIZE)
    from django.db import connection

    print(
        f"PostgreSQL {connection.pg_version // 10000}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs (shared), median of {RUNS} runs after a warm-up; each in a fresh process; "
        "time (queries, peak RSS).\n"
    )
    entries = [growth["baseline", size]["entries"] for size in SIZES]
    print("| Measurement | " + " | ".join(f"{n:,} entries" for n in entries) + " | Target |")
    print("|---|" + "---:|" * len(SIZES) + "---|")
    for name, (label, target) in LABELS.items():
        if name == "ledger-xlsx":
            continue
        cells = [shown(growth[name, size]) for size in SIZES]
        if name == "baseline":
            cells = [f"— ({growth[name, size]['peak_mib']:.0f} MiB)" for size in SIZES]
        print(f"| {label} | " + " | ".join(cells) + f" | {target} |")
    if xlsx is not None:
        label, target = LABELS["ledger-xlsx"]
        print(
            f"\n| {label} ({xlsx['bytes'] / 1024 / 1024:.1f} MiB file) | {xlsx['entries']:,} entries | "
            f"{shown(xlsx)} | {target} |"
        )


if __name__ == "__main__":
    main()
