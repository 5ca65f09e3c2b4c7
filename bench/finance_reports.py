"""The finance reports at scale (issue 5): a report over 200,000 entries in under 300 ms, computed
by aggregate queries, and the .xlsx 明细账 of 100,000 entries in under 6 s and 100 MiB.

    flock /tmp/bench.lock .venv/bin/python bench/finance_reports.py
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/union_bench_finance BENCH_RUNS=7 ...

1. Creates the PostgreSQL database if it is missing, migrates it, and books (once; later runs reuse
   them) 200,000 entries of 2025 for one 基层工会 with an approved budget: 100,000 on 50202 送温暖,
   the rest spread over the other leaves, dates over the year, about 1 % red-ink reversals. The
   rows are written with bulk_create (the service books one at a time under its lock, which is not
   what is measured here) and the voucher counter is set to the last number.
2. Each measurement runs in a fresh process (`--child NAME`) so its peak RSS (VmHWM from
   /proc/self/status) is its own. The three aggregate reports are built (rows materialised) once to
   warm up, then BENCH_RUNS times; the median is reported with the number of queries. The 明细账
   of 50202 (100,000 entries with month rows) is written to an .xlsx temporary file once, as the
   download view does, timed from the query to the last byte.

Markdown table on stdout (for docs/performance.md), progress on stderr.
"""

import argparse
import json
import os
import platform
import random
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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "union_office.settings")
os.environ.setdefault("DJANGO_DEBUG", "false")

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
ENTRIES, LEDGER_ENTRIES, YEAR = 200_000, 100_000, 2025
UNIT = "基准财务工会"
LEDGER_ACCOUNT = "50202"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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


def build() -> None:
    """The unit, its budget and 200,000 entries of 2025, unless they are there already."""
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    from finance.models import Account, Budget, BudgetLine, BudgetStatus, LedgerEntry, VoucherCounter
    from members.models import OrgUnit

    unit = OrgUnit.objects.filter(name=UNIT).first()
    if unit is None:
        unit = OrgUnit.objects.create(name=UNIT, kind=OrgUnit.Kind.BASE)
    count = LedgerEntry.objects.filter(org_unit=unit).count()
    if count >= ENTRIES:
        log(f"{count:,} entries already there")
        return
    if count:
        raise SystemExit(f"{UNIT} has {count} entries from an interrupted run: drop the database and run again")
    leaves = list(Account.objects.filter(is_active=True).exclude(children__is_active=True).order_by("code"))
    ledger_account = next(a for a in leaves if a.code == LEDGER_ACCOUNT)
    others = [a for a in leaves if a.code != LEDGER_ACCOUNT]
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
    rng = random.Random(5)
    log(f"booking {ENTRIES:,} entries (bulk_create)")
    started = time.perf_counter()
    # Dates in order, so voucher numbers follow the dates as the service would number them.
    days = sorted(rng.randrange(365) for _ in range(ENTRIES))
    start = dt.date(YEAR, 1, 1)
    batch: list = []
    number = 0
    reversals: list = []
    for index, day in enumerate(days):
        number += 1
        account = ledger_account if index % 2 == 0 else others[index // 2 % len(others)]
        batch.append(
            LedgerEntry(
                org_unit=unit,
                year=YEAR,
                voucher_number=number,
                date=start + dt.timedelta(day),
                account=account,
                amount=Decimal(rng.randrange(100, 500_000)) / 100,
                summary=f"基准凭证第{number}号：慰问困难职工家庭及节日走访",
                counterparty=f"职工{rng.randrange(5000):04d}",
            )
        )
        if len(batch) == 5_000:
            created = LedgerEntry.objects.bulk_create(batch)
            reversals.extend(e for e in created[::100])
            batch = []
            log(f"  {number:,}")
    if batch:
        LedgerEntry.objects.bulk_create(batch)
    # About 1 %: red-ink reversals of earlier entries, dated on the same day (they count negative).
    reversal_rows = []
    for original in reversals[: ENTRIES // 100 - 1]:
        number += 1
        reversal_rows.append(
            LedgerEntry(
                org_unit=unit,
                year=YEAR,
                voucher_number=number,
                date=original.date,
                account=original.account,
                amount=original.amount,
                is_reversal=True,
                reverses=original,
                summary=f"冲销 {original.voucher_label}",
            )
        )
    LedgerEntry.objects.bulk_create(reversal_rows, batch_size=5_000)
    VoucherCounter.objects.update_or_create(org_unit=unit, year=YEAR, defaults={"last_number": number})
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run inside a transaction
        cursor.execute("VACUUM ANALYZE finance_ledgerentry")
    log(f"booked {number:,} entries in {time.perf_counter() - started:.0f} s")


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def child(name: str) -> dict:
    import datetime as dt

    from django.db import connection

    from finance.models import Account, LedgerEntry
    from finance.reports import REPORTS, Params
    from members.models import OrgUnit

    unit = OrgUnit.objects.get(name=UNIT)
    entries = LedgerEntry.objects.filter(org_unit=unit, year=YEAR).count()
    if name == "baseline":  # what a process holds before any report: Django, the apps, a connection
        return {"name": name, "entries": entries, "seconds": 0.0, "queries": 2, "peak_mib": peak_rss_mib()}
    year_from, year_to = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    if name == "ledger-xlsx":
        account = Account.objects.get(code=LEDGER_ACCOUNT)
        ledger_entries = LedgerEntry.objects.filter(org_unit=unit, account=account).count()
        counter = QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            report = REPORTS["account-ledger"].build(
                Params(unit=unit, account=account, date_from=year_from, date_to=year_to)
            )
            with tempfile.TemporaryFile() as handle:  # as the download view writes it
                report.write_xlsx_into(handle)
                size = handle.tell()
        seconds = time.perf_counter() - started
        return {
            "name": name,
            "entries": ledger_entries,
            "seconds": seconds,
            "queries": counter.count,
            "bytes": size,
            "peak_mib": peak_rss_mib(),
        }
    params = {
        "income-expense": Params(unit=unit, date_from=year_from, date_to=year_to),
        "budget-execution": Params(unit=unit, year=YEAR),
        "aid-usage": Params(unit=unit, date_from=year_from, date_to=year_to),
    }[name]
    spec = REPORTS[name]
    list(spec.build(params).rows)  # warm-up: connection, chart, the pages of the index in cache
    timings = []
    counter = QueryCounter()
    for _ in range(RUNS):
        counter.count = 0
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            report = spec.build(params)
            rows = list(report.rows)
        timings.append(time.perf_counter() - started)
    return {
        "name": name,
        "entries": entries,
        "seconds": statistics.median(timings),
        "max": max(timings),
        "queries": counter.count,
        "rows": len(rows),
        "peak_mib": peak_rss_mib(),
    }


def run_child(name: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", name], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        setup_django()
        print(json.dumps(child(args.child)))
        return
    create_database()
    setup_django()
    build()
    results = []
    for name in ("baseline", "income-expense", "budget-execution", "aid-usage", "ledger-xlsx"):
        log(f"measuring {name}")
        results.append(run_child(name))
    from django.db import connection

    print(
        f"PostgreSQL {connection.pg_version // 10000}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs (shared), median of {RUNS} runs after a warm-up; each in a fresh process.\n"
    )
    print("| Measurement | Entries | Time | Queries | Peak RSS | Target |")
    print("|---|---:|---:|---:|---:|---|")
    labels = {
        "baseline": ("A fresh process after django.setup() (reference)", "—"),
        "income-expense": ("经费收支表, full year (rows built)", "< 300 ms"),
        "budget-execution": ("预算执行情况表, full year", "< 300 ms"),
        "aid-usage": ("帮扶资金使用情况表, by month", "< 300 ms"),
        "ledger-xlsx": ("明细账 of 50202 → .xlsx file", "< 6 s, < 100 MiB"),
    }
    for result in results:
        label, target = labels[result["name"]]
        seconds = result["seconds"]
        shown = f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"
        queries = result["queries"]
        if result["name"] == "baseline":
            shown = queries = "—"
        if "bytes" in result:
            label += f" ({result['bytes'] / 1024 / 1024:.1f} MiB file)"
        print(f"| {label} | {result['entries']:,} | {shown} | {queries} | {result['peak_mib']:.0f} MiB | {target} |")


if __name__ == "__main__":
    main()
