"""How long the PDF (and the .docx) of a 10-page plan takes (issue 4: under 1 s for 10 pages).

    .venv/bin/python bench/plan_pdf.py            # 5 runs, median
    BENCH_RUNS=9 .venv/bin/python bench/plan_pdf.py

Builds one plan the size of a long union plan in its own SQLite database (var/bench-plan.sqlite3,
migrated on the first run): 5 sections × 3 sub-sections × 2 items (BENCH_SECTIONS, BENCH_ITEMS),
each item with a 目标 and a 措施 of a sentence or two, a 时限 and a 责任人, and a 12-month 活动安排:
10 A4 pages. The PDF and the .docx are left in var/bench-plan.pdf and .docx to look at. Then, after
one warm-up render (WeasyPrint loads and subsets the Noto CJK fonts once per process), it times
`plans.exports.plan_pdf` and `plan_docx` BENCH_RUNS times each and prints the medians and the page
count (pdfinfo). Each run includes `plan_document`, i.e. the two queries for the tree and one for
the schedule. Markdown on stdout, for docs/performance.md.
"""

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
(ROOT / "var").mkdir(exist_ok=True)
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-plan.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "union_office.settings")
os.environ.setdefault("DJANGO_DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from members.models import OrgUnit  # noqa: E402
from plans.exports import plan_document, plan_docx, plan_pdf  # noqa: E402
from plans.models import Plan, PlanStatus  # noqa: E402
from plans.tests.builders import build_plan  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SECTIONS, SUBSECTIONS, ITEMS = int(os.environ.get("BENCH_SECTIONS", "5")), 3, int(os.environ.get("BENCH_ITEMS", "2"))
MONTHS = ["元月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"]
GOAL = "完善工作体系，发挥工会组织作用，履行“联系职工、代表职工、服务职工”的职责，全年覆盖全体会员。"
MEASURES = "制定实施方案，明确责任分工；每季度召开一次推进会，及时总结经验、解决问题；年底进行考核评比并表彰先进。"


def tree() -> list[dict]:
    return [
        {
            "title": f"第{s + 1}项重点工作：加强组织建设，推进民主管理，维护职工合法权益",
            "children": [
                {
                    "title": f"围绕中心工作开展第{s + 1}.{b + 1}类活动",
                    "items": [
                        {
                            "content": f"组织开展第{s + 1}.{b + 1}.{i + 1}项活动，做好宣传发动和组织实施工作。",
                            "goal": GOAL,
                            "measures": MEASURES,
                            "deadline_text": f"{(i % 12) + 1}月底前",
                            "owner_text": "工会主席、分管委员",
                        }
                        for i in range(ITEMS)
                    ],
                }
                for b in range(SUBSECTIONS)
            ],
        }
        for s in range(SECTIONS)
    ]


def bench_plan() -> Plan:
    call_command("migrate", verbosity=0, interactive=False)
    unit = OrgUnit.objects.filter(name="基准工会").first() or OrgUnit.objects.create(name="基准工会", kind="base")
    Plan.objects.filter(org_unit=unit).delete()
    schedule = [
        (month, "召开工会委员会会议，部署本月工作；\n组织职工文体活动；\n做好困难职工走访慰问。") for month in MONTHS
    ]
    return build_plan(unit, title="基准工会2026年工作计划", status=PlanStatus.APPROVED, tree=tree(), schedule=schedule)


def timed(function, plan: Plan) -> tuple[float, float, bytes]:
    """Wall time and this process's CPU time: on a shared machine the CPU time is the steadier one
    (it leaves out the time spent waiting for a core while other jobs run)."""
    started, cpu = time.perf_counter(), time.process_time()
    data = function(plan)
    return time.perf_counter() - started, time.process_time() - cpu, data


def pages(pdf: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def main() -> None:
    plan = bench_plan()
    items = sum(1 for block in plan_document(plan)["blocks"] if block["kind"] == "item")
    with CaptureQueriesContext(connection) as queries:
        plan_document(plan)
    warmup, _cpu, pdf = timed(plan_pdf, plan)
    pdf_runs = [timed(plan_pdf, plan) for _ in range(RUNS)]
    docx_runs = [timed(plan_docx, plan) for _ in range(RUNS)]
    median_pdf = statistics.median(run[0] for run in pdf_runs)
    print(f"Plan: {SECTIONS} sections × {SUBSECTIONS} sub-sections × {ITEMS} items = {items} items, 12-month 活动安排")
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print()
    print(f"| export | wall, median of {RUNS} | wall min–max | CPU, median | size | pages | queries |")
    print("|---|---|---|---|---|---|---|")
    for label, runs, data, page_count in (
        ("PDF (`plan_pdf`)", pdf_runs, pdf, str(pages(pdf))),
        ("Word (`plan_docx`)", docx_runs, docx_runs[0][2], "—"),
    ):
        wall = [run[0] for run in runs]
        cpu = statistics.median(run[1] for run in runs)
        print(
            f"| {label} | {statistics.median(wall):.3f} s | {min(wall):.3f}–{max(wall):.3f} s | {cpu:.3f} s "
            f"| {len(data) / 1024:.0f} KB | {page_count} | {len(queries)} |"
        )
    (ROOT / "var" / "bench-plan.pdf").write_bytes(pdf)
    (ROOT / "var" / "bench-plan.docx").write_bytes(docx_runs[0][2])
    print()
    print(f"First PDF in a fresh process (fonts loaded on first use): {warmup:.3f} s")
    print(f"Target: PDF of ~10 pages under 1 s — {'met' if median_pdf < 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
