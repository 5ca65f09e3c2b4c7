"""Time and memory of `union_office.xlsx.write_report` against a plain openpyxl write-only loop.

    .venv/bin/python bench/xlsx_writer.py [--rows 100000] [--runs 3]

Synthetic roster rows (14 columns like the 会员花名册: Chinese names and units, masked ID numbers,
dates, Decimal amounts) come from a generator, so neither writer holds them. Each measurement runs
in a fresh process: ru_maxrss is a per-process high-water mark. Time is the median of --runs
processes; the tracemalloc peak is measured in one more process (tracing slows the writer down, so
it is not timed). "generate only" consumes the rows without writing them: the floor under both.
No database: the rows are made up, Django is only set up for gettext and the time zone.
"""

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "union_office.settings")

import django  # noqa: E402

django.setup()

from union_office.xlsx import Column, write_report  # noqa: E402

COLUMNS = [
    Column("序号", width=7, kind="int"),
    Column("姓名", width=10),
    Column("会员编号", width=12),
    Column("性别", width=6),
    Column("身份证号", width=21),
    Column("出生日期", width=12, kind="date"),
    Column("手机号", width=14),
    Column("所属工会", width=22),
    Column("部门", width=14),
    Column("入会日期", width=12, kind="date"),
    Column("会籍状态", width=10),
    Column("用工形式", width=10),
    Column("一线职工", width=8),
    Column("会费工资基数", width=14, kind="money"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超"]
UNITS = [f"第{n}中学分工会" for n in range(1, 41)] + [f"{n}号车间工会小组" for n in range(1, 21)]
DEPARTMENTS = ["", "教务处", "总务处", "高一年级组", "后勤保障部", "财务科", "信息中心"]
STATUSES = ["在册", "在册", "在册", "退休", "转出"]
EMPLOYMENT = ["在编", "合同制", "劳务派遣", "非全日制"]


def roster_rows(count: int) -> Iterator[tuple]:
    """`count` made-up member rows, built as they are consumed (like QuerySet.iterator())."""
    base = dt.date(1965, 1, 1)
    for number in range(1, count + 1):
        yield (
            number,
            SURNAMES[number % len(SURNAMES)] + GIVEN[number % len(GIVEN)] + (GIVEN[number % 7] if number % 3 else ""),
            f"HY{number:08d}",
            "男" if number % 2 else "女",
            f"3301{number % 100:02d}********{number % 10_000:04d}",
            base + dt.timedelta(days=number % 12_000),
            f"138{number:08d}",
            UNITS[number % len(UNITS)],
            DEPARTMENTS[number % len(DEPARTMENTS)],
            base + dt.timedelta(days=9_000 + number % 12_000),
            STATUSES[number % len(STATUSES)],
            EMPLOYMENT[number % len(EMPLOYMENT)],
            "是" if number % 4 else "否",
            Decimal(3_000 + number % 9_000) + Decimal(number % 100) / 100,
        )


def generate_only(count: int) -> bytes:
    for _row in roster_rows(count):
        pass
    return b""


def run_write_report(count: int) -> bytes:
    return write_report(
        title="会员花名册",
        unit="基准县总工会",
        period="2026年11月21日",
        columns=COLUMNS,
        rows=roster_rows(count),
        sheet_title="花名册",
    )


def run_openpyxl(count: int) -> bytes:
    """The plain write-only loop: no styles, merges or print setup, just the values."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append([column.title for column in COLUMNS])
    for row in roster_rows(count):
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


WRITERS = {
    "write_report": run_write_report,
    "openpyxl write-only loop": run_openpyxl,
    "generate only": generate_only,
}


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(writer: str, count: int, trace: bool) -> dict:
    """One run in this process (the child side)."""
    before = rss_mib()
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    data = WRITERS[writer](count)
    elapsed = time.perf_counter() - start
    result = {"seconds": elapsed, "bytes": len(data), "maxrss": rss_mib(), "rss_before": before}
    if trace:
        result["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result


def child(writer: str, count: int, trace: bool) -> dict:
    command = [sys.executable, __file__, "--child", writer, "--rows", str(count)] + (["--trace"] if trace else [])
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=WRITERS, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.rows, args.trace)))
        return

    mib = 2**20
    print(f"{args.rows:,} rows x {len(COLUMNS)} columns, median of {args.runs} runs, Python {sys.version.split()[0]}\n")
    print("| writer | time (s) | runs (s) | tracemalloc peak (MiB) | ru_maxrss (MiB) | RSS growth (MiB) | file (MiB) |")
    print("|---|--:|---|--:|--:|--:|--:|")
    for writer in WRITERS:
        runs = [child(writer, args.rows, trace=False) for _ in range(args.runs)]
        traced = child(writer, args.rows, trace=True)
        seconds = [run["seconds"] for run in runs]
        maxrss = max(run["maxrss"] for run in runs)
        growth = max(run["maxrss"] - run["rss_before"] for run in runs)
        size = f"{runs[0]['bytes'] / mib:.1f}" if runs[0]["bytes"] else "–"
        print(
            f"| {writer} | {statistics.median(seconds):.2f} | {', '.join(f'{s:.2f}' for s in seconds)} "
            f"| {traced['peak'] / mib:.1f} | {maxrss:.0f} | {growth:.0f} | {size} |"
        )


if __name__ == "__main__":
    main()
