"""The issue 3 benchmark in one run (`make bench`): roster page under load, import, export.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/union_bench .venv/bin/python bench/run_all.py

1. Creates the database if it is missing and builds the 1,011 units / 100,000 members of
   bench/roster_scope.py in it (once; later runs reuse them).
2. Load: gunicorn on 127.0.0.1, wrk with 12 connections (bench/roster_load.py's helpers) against
   the roster list (county chair, 分工会 committee, a search), a trivial view and a 50-row template
   with no database; ratios to both references.
3. Export: 100,000 members as the county chair (masked): the Celery export
   (`members.exports.roster_export_run`, the file written into a temporary file and then storage),
   `members.exports.export_roster_xlsx` (bytes, as in the request), and a plain openpyxl
   write-only loop over the same rows.
4. Import: roster files of 10,000 and 100,000 new members (.csv and .xlsx, the importer's Chinese
   headers) through our importer (upload check, dry run, commit; then a re-import of the 100,000
   file, all unchanged), and through django-import-export with default settings.

Every measurement runs in a fresh process (`--child`) and reports that process's peak RSS, VmHWM
(/proc/self/status), rather than ru_maxrss: Linux carries the parent's high-water mark into
ru_maxrss across fork and exec, so every child of this (larger) parent would report at least the
parent's size; queries are counted with an execute wrapper (CaptureQueriesContext keeps at most
9,000 queries, and keeping them would inflate the memory measured), COPY streams separately. The
imported members go into the existing 基层工会9 subtree and are deleted afterwards (member numbers
BI…), so the 100,000 base members stay as they are. Markdown tables go to stdout, progress to stderr.

Environment: BENCH_DATABASE_URL; BENCH_DURATION (wrk, default 10s); BENCH_REPEAT (runs per
measurement, median reported, default 3); BENCH_BASELINE_TIMEOUT (seconds allowed to the default
django-import-export on 100,000 rows, default 90); BENCH_SKIP (comma-separated: load, export, import).
"""

import argparse
import contextlib
import csv
import datetime as dt
import io
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/union_bench")
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ.setdefault("DJANGO_DEBUG", "false")

REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
BASELINE_TIMEOUT = float(os.environ.get("BENCH_BASELINE_TIMEOUT", "90"))
SINGLE_DURATION = "5s"  # the one-connection pass after each page
WARMUP = "3s"  # before each page, not reported
# The cache of the gunicorn under load: Redis, as in production (docs/deploy), in a database of its
# own that is emptied before the run; "none" for each worker's own memory (the first rounds).
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
SKIP = {part.strip() for part in os.environ.get("BENCH_SKIP", "").split(",") if part.strip()}
DATA_DIR = ROOT / "var" / "bench-import"
SIZES = (10_000, 100_000)
KINDS = ("csv", "xlsx")
IMPORT_BASE = 9  # 基层工会9: its 10 分工会 and 90 小组 receive the imported members
MEMBER_NO_PREFIX = "BI"  # the base members are BM…, the imported ones BI…
# Regions of Shanxi (14…): the base members use other provinces, so no number can clash.
IMPORT_REGIONS = ["140105", "140106", "140107", "140108", "140109", "140110", "140121", "140122", "140123"]
EMPLOYMENT_LABELS = ["在编", "合同制", "劳务派遣", "临时聘用", "退休返聘"]
TARGETS = {"import_s": 10.0, "import_mib": 300.0, "export_s": 6.0, "export_mib": 100.0, "p95_ms": 100.0}
MIB = 2**20


def note(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def out(text: str = "") -> None:
    print(text, flush=True)


def rss_mib() -> float:
    """This process's peak RSS in MiB: VmHWM, which starts afresh at exec (see the module doc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: KiB on most systems


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def section(title: str) -> None:
    out(f"{title}\n\nLoad average before: {load_average()}.\n")


def median(values: list[float]) -> float:
    return statistics.median(values)


# --- The database ---------------------------------------------------------------------------------


def ensure_database() -> None:
    """CREATE DATABASE if the bench database does not exist yet (PostgreSQL only)."""
    if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
        return
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(DATABASE_URL)
    name = params.get("dbname")
    with psycopg.connect(make_conninfo(**{**params, "dbname": "postgres"}), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            note(f"creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django() -> None:
    import django

    django.setup()


def remove_imported() -> int:
    """Delete the members the import benchmark added (and its RosterImport rows), then VACUUM so
    that the next run starts from the same table."""
    from django.db import connection

    from members.models import RosterImport

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM members_member WHERE member_no LIKE %s", [MEMBER_NO_PREFIX + "%"])
        removed = cursor.rowcount
        RosterImport.objects.filter(original_name__startswith="bench-").delete()
        cursor.execute("VACUUM members_member")
    return removed


# --- Children: one measurement per process --------------------------------------------------------


@contextlib.contextmanager
def counted_queries() -> Iterator[dict[str, int]]:
    """Statements sent through Django (execute wrapper), and COPY streams (psycopg's cursor.copy(),
    which Django's query log does not see)."""
    import psycopg
    from django.db import connection

    counter = {"queries": 0, "copies": 0}

    def count(execute, sql, params, many, context):
        counter["queries"] += 1
        return execute(sql, params, many, context)

    original_copy = psycopg.Cursor.copy

    def copy(self, *args, **kwargs):
        counter["copies"] += 1
        return original_copy(self, *args, **kwargs)

    psycopg.Cursor.copy = copy
    try:
        with connection.execute_wrapper(count):
            yield counter
    finally:
        psycopg.Cursor.copy = original_copy


def bench_actor_and_target():
    from django.contrib.auth import get_user_model

    from members.models import OrgUnit

    return get_user_model().objects.get(username="bench_county"), OrgUnit.objects.get(name=f"基层工会{IMPORT_BASE}")


def child_validate(path: Path) -> dict:
    """Upload check, storing the file, and the dry run (roster_import_validate), as the upload view
    and the Celery task do it, without HTTP."""
    from django.core.files import File

    from members.imports import check_upload, roster_import_validate
    from members.models import RosterImport

    actor, target = bench_actor_and_target()
    before = rss_mib()
    with counted_queries() as counter, path.open("rb") as stream:
        upload = File(stream, name=path.name)
        started = time.perf_counter()
        kind = check_upload(upload)
        checked = time.perf_counter()
        roster_import = RosterImport(org_unit=target, created_by=actor, original_name=f"bench-{path.name}")
        roster_import.file.save(f"{uuid.uuid4().hex}.{kind}", upload, save=False)
        roster_import.save()
        stored = time.perf_counter()
        queries_before = counter["queries"]
        done = roster_import_validate(import_id=roster_import.pk)
        finished = time.perf_counter()
    return {
        "import_id": done.pk,
        "status": done.status,
        "message": done.message,
        "counts": [done.new_count, done.changed_count, done.unchanged_count, done.invalid_count],
        "errors": done.errors[:3],
        "check_upload_s": checked - started,
        "store_s": stored - checked,
        "seconds": finished - stored,
        "queries": counter["queries"] - queries_before,
        "copies": counter["copies"],
        "maxrss": rss_mib(),
        "rss_before": before,
    }


def child_commit(import_id: int, *, roster_changed: bool = False) -> dict:
    """roster_import_commit: writes the dry run's plan in one transaction, or, with
    `roster_changed` (a department added to the target's base union after the preview, which
    changes no row's outcome but the roster stamp), reads and checks every row again (on PostgreSQL
    while a second thread writes the plan's rows, kept because the check finds the same rows)."""
    from members.imports import roster_import_commit
    from members.models import Department

    actor, target = bench_actor_and_target()
    if roster_changed:
        Department.objects.create(org_unit=target, name="基准测试新部门")
    before = rss_mib()
    with counted_queries() as counter:
        started = time.perf_counter()
        done = roster_import_commit(actor=actor, import_id=import_id)
        finished = time.perf_counter()
    if roster_changed:
        Department.objects.filter(org_unit=target, name="基准测试新部门").delete()
    return {
        "status": done.status,
        "message": done.message,
        "counts": [done.new_count, done.changed_count, done.unchanged_count, done.invalid_count],
        "errors": done.errors[:3],
        "seconds": finished - started,
        "queries": counter["queries"],
        "copies": counter["copies"],
        "maxrss": rss_mib(),
        "rss_before": before,
    }


def default_member_resource():
    """django-import-export as its documentation shows it, with default Meta options (no bulk, diffs
    and row results kept, a savepoint and an instance lookup per row, no model validation).

    Not mapped: 部门 (a ForeignKeyWidget on name cannot tell the ten 基层工会's 部门07 apart).
    `before_save_instance` does the least the model needs to accept a row, since nothing else
    does: the codes behind the labels 男/在编/是 and the birth date the 身份证号 carries (NOT NULL).
    """
    from import_export import fields, resources, widgets

    from members.idcard import parse_id_number
    from members.models import EmploymentType, Gender, Member, OrgUnit

    genders = {str(label): value for value, label in Gender.choices}
    employment = {str(label): value for value, label in EmploymentType.choices}

    class DefaultMemberResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名", widget=widgets.CharWidget())
        id_number = fields.Field(attribute="id_number", column_name="身份证号")
        gender = fields.Field(attribute="gender", column_name="性别")
        phone = fields.Field(attribute="phone", column_name="手机号", widget=widgets.CharWidget())
        org_unit = fields.Field(
            attribute="org_unit", column_name="所属工会", widget=widgets.ForeignKeyWidget(OrgUnit, "name")
        )
        joined_on = fields.Field(attribute="joined_on", column_name="入会日期", widget=widgets.DateWidget())
        member_no = fields.Field(attribute="member_no", column_name="会员编号", widget=widgets.CharWidget())
        employment_type = fields.Field(attribute="employment_type", column_name="用工形式")
        frontline = fields.Field(attribute="frontline", column_name="一线职工")
        wage_base = fields.Field(attribute="wage_base", column_name="会费工资基数", widget=widgets.DecimalWidget())

        class Meta:
            model = Member
            fields = [
                "id",  # import_id_fields defaults to ["id"]: no such column, so every row is new
                "name",
                "id_number",
                "gender",
                "phone",
                "org_unit",
                "joined_on",
                "member_no",
                "employment_type",
                "frontline",
                "wage_base",
            ]

        def before_save_instance(self, instance, row, **kwargs):
            info = parse_id_number(instance.id_number)
            instance.birth_date = info.birth_date
            instance.gender = genders.get(instance.gender, info.gender)
            instance.employment_type = employment.get(instance.employment_type, EmploymentType.PERMANENT)
            instance.frontline = instance.frontline == "是"

        started = 0.0

        def after_import_row(self, row, row_result, **kwargs):
            # Progress on stderr, so that a run stopped by the timeout still tells its rate.
            number = kwargs["row_number"]
            if number % 2_000 == 0:
                seconds = time.perf_counter() - self.started
                print(json.dumps({"rows": number, "seconds": seconds}), file=sys.stderr, flush=True)

    return DefaultMemberResource


def child_baseline(path: Path) -> dict:
    """The same file through django-import-export's defaults: format → tablib Dataset → import_data."""
    from import_export.formats import base_formats

    member_resource = default_member_resource()()
    before = rss_mib()
    with counted_queries() as counter:
        member_resource.started = started = time.perf_counter()
        if path.suffix == ".csv":
            dataset = base_formats.CSV().create_dataset(path.read_text(encoding="utf-8-sig"))
        else:
            dataset = base_formats.XLSX().create_dataset(path.read_bytes())
        loaded = time.perf_counter()
        result = member_resource.import_data(dataset, dry_run=False, raise_errors=False)
        finished = time.perf_counter()
    totals = result.totals
    first_error = ""
    if result.has_errors():
        first_error = repr(result.row_errors()[0][1][0].error) if result.row_errors() else repr(result.base_errors)
    elif result.has_validation_errors():
        first_error = repr(result.invalid_rows[0].error)
    return {
        "new": totals["new"],
        "errors": totals["error"] + totals["invalid"],
        "first_error": first_error[:300],
        "read_s": loaded - started,
        "seconds": finished - started,
        "queries": counter["queries"],
        "maxrss": rss_mib(),
        "rss_before": before,
    }


def child_export(writer: str, trace: bool) -> dict:
    """100,000 members as the county chair: the Celery export (a RosterExport run to its stored
    file), our writer returning bytes, or a plain openpyxl write-only loop over the very rows our
    export writes (members.exports._roster_rows)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import translation
    from openpyxl import Workbook

    from members import selectors
    from members.exports import ROSTER_COLUMNS, _roster_rows, export_queryset, export_roster_xlsx, roster_export_run
    from members.models import RosterExport
    from union_office.jobs import JobStatus

    before = rss_mib()
    export = None
    if writer == "task":
        # Created before the clock starts, as the request does before the task runs.
        export = RosterExport.objects.create(
            created_by=get_user_model().objects.get(username="bench_county"), query="", total_rows=0
        )
    if trace:
        tracemalloc.start()
    with counted_queries() as counter:
        started = time.perf_counter()
        if writer == "task":
            roster_export_run(export_id=export.pk)
            size = None
        else:
            user = get_user_model().objects.get(username="bench_county")
            queryset = selectors.member_list(user)
        if writer == "ours":
            size = len(export_roster_xlsx(user=user, queryset=queryset, full_id_numbers=False))
        elif writer == "openpyxl":
            with translation.override(settings.LANGUAGE_CODE):
                workbook = Workbook(write_only=True)
                sheet = workbook.create_sheet("会员花名册")
                sheet.append([str(column.title) for column in ROSTER_COLUMNS])
                queryset = export_queryset(user=user, queryset=queryset, full_id_numbers=False)
                for row in _roster_rows(queryset, full_id_numbers=False, on_progress=None):
                    sheet.append(row)
                buffer = io.BytesIO()
                workbook.save(buffer)
                size = len(buffer.getvalue())
        finished = time.perf_counter()
    result = {"seconds": finished - started, "queries": counter["queries"], "rss_before": before}
    if trace:
        result["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    result["maxrss"] = rss_mib()
    if export is not None:
        export.refresh_from_db()
        if export.status != JobStatus.DONE:
            raise SystemExit(f"export {export.pk} ended {export.status}: {export.message}")
        size = export.file.size
        result["rows"] = export.total_rows
        export.file.delete(save=False)
        export.delete()
    result["bytes"] = size
    return result


def run_child(*args: str, timeout: float | None = None) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", *args]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"bench child {args} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def child_main(args: list[str]) -> None:
    setup_django()
    kind, *rest = args
    if kind == "validate":
        result = child_validate(Path(rest[0]))
    elif kind == "commit":
        result = child_commit(int(rest[0]), roster_changed="roster-changed" in rest)
    elif kind == "baseline":
        result = child_baseline(Path(rest[0]))
    elif kind == "export":
        result = child_export(rest[0], trace="trace" in rest)
    else:
        raise SystemExit(f"unknown child {kind}")
    print(json.dumps(result, default=str))


# --- Machine facts --------------------------------------------------------------------------------


def machine_facts() -> list[tuple[str, str]]:
    import django
    import import_export
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), platform.processor())
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    memory = next((line.split()[1] for line in meminfo if line.startswith("MemTotal")), "0")
    return [
        ("date", dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")),
        ("CPU", f"{os.cpu_count()} × {cpu} (nproc {len(os.sched_getaffinity(0))})"),
        ("memory", f"{int(memory) / 2**20:.1f} GiB"),
        ("PostgreSQL", f"{pg_version} on {connection.settings_dict['HOST']}"),
        (
            "software",
            f"Python {platform.python_version()}, Django {django.get_version()}, "
            f"django-import-export {import_export.__version__}",
        ),
        ("load average at start", load_average()),
    ]


# --- 1. Load --------------------------------------------------------------------------------------


def wrk(load, url: str, cookie: str | None, connections: int, duration: str) -> dict:
    """roster_load.wrk with a 30 s timeout: at wrk's default of 2 s a slower response counts as a
    timeout error and is left out of the percentiles, which then describe only the fast ones."""
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}", "--timeout", "30s"]
    command += ["-s", str(ROOT / "bench" / "wrk_report.lua")]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _cpu_seconds(pid: int) -> float:
    """utime + stime of one process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu(server_pid: int) -> dict[int, float]:
    """CPU seconds so far of each gunicorn worker and each PostgreSQL backend serving the bench
    database: what one page costs the machine, whatever else runs on it (wall times on a shared
    machine say as much about the neighbours as about the page)."""
    from django.db import connection

    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == server_pid:
                workers.append(int(stat.parent.name))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        backends = [pid for (pid,) in cursor.fetchall()]
    return {pid: _cpu_seconds(pid) for pid in [*workers, *backends]}


def cpu_ms_per_request(before: dict[int, float], after: dict[int, float], requests: int) -> float:
    spent = sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
    return 1000 * spent / max(requests, 1)


def server_cache() -> dict[str, str]:
    """REDIS_URL for the server under load, its database emptied first; none for "none"."""
    if REDIS_URL == "none":
        return {}
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    return {"REDIS_URL": REDIS_URL}


@contextlib.contextmanager
def gunicorn(load) -> Iterator[tuple[str, int]]:
    """gunicorn on 127.0.0.1 only, with bench/settings.py (the reference views), as roster_load.py.
    Yields the base URL and the server's pid."""
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "union_office.wsgi:application",
            "--bind",
            f"127.0.0.1:{load.PORT}",
            "--workers",
            str(load.WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", **server_cache()},
    )
    try:
        base = f"http://127.0.0.1:{load.PORT}"
        load.wait_until_up(base + "/bench/trivial/")
        yield base, server.pid
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def load_section() -> dict:
    section("## Roster list page under load")
    if shutil.which("wrk") is None:
        out("wrk is not installed (`apt-get install wrk`): load test skipped.\n")
        return {}
    from bench import roster_load as load

    county, branch = load.session_cookie("bench_county"), load.session_cookie("bench_branch")
    targets = [
        ("trivial", "trivial view (no template, no database)", "/bench/trivial/", None),
        ("template", "50-row template, no database", "/bench/template50/", None),
        ("county", "roster list, county chair (100,000 members)", "/members/", county),
        ("branch", "roster list, 分工会 committee (1,000 members)", "/members/", branch),
        ("search", "roster list, county chair, search 张伟", "/members/?q=%E5%BC%A0%E4%BC%9F", county),
    ]
    results = {}
    with gunicorn(load) as (base, server_pid):
        for key, label, path, cookie in targets:
            note(f"wrk {WARMUP} + {load.DURATION} + {SINGLE_DURATION} at 1 connection: {label}")
            load.check_page(base + path, cookie)
            wrk(load, base + path, cookie, load.CONNECTIONS, WARMUP)  # not reported: connections, caches
            cpu_before, load_before = server_cpu(server_pid), os.getloadavg()[0]
            results[key] = {"label": label, **wrk(load, base + path, cookie, load.CONNECTIONS, load.DURATION)}
            results[key]["cpu_ms"] = cpu_ms_per_request(cpu_before, server_cpu(server_pid), results[key]["requests"])
            results[key]["load"] = (load_before, os.getloadavg()[0])
            results[key]["single"] = wrk(load, base + path, cookie, 1, SINGLE_DURATION)
    trivial, template = results["trivial"], results["template"]
    cache_label = "each worker's memory" if REDIS_URL == "none" else "Redis, as in production"
    out(
        f"gunicorn {load.WORKERS} sync workers on 127.0.0.1 (cache: {cache_label}), "
        f"wrk 2 threads, {load.CONNECTIONS} connections, "
        f"{load.DURATION} per page after a {WARMUP} warm-up (wrk timeout 30 s). Ratios: p95 as a "
        "multiple of the reference's p95; req/s as a share of the reference's. \"1 connection\" is one "
        f'connection for {SINGLE_DURATION} (no queue: the time one request takes). "CPU / request" is '
        "the CPU time the gunicorn workers and the PostgreSQL backends spent during the 12-connection "
        "run divided by the requests served (wrk's own CPU not included): unlike the times, it does not "
        "depend on what else the machine is running. Load average (1 min) before and after each run.\n"
    )
    out(
        "| page | req/s | p50 | p95 | p99 | errors / non-2xx | p95 ÷ trivial | p95 ÷ 50-row | "
        "req/s vs trivial | req/s vs 50-row | 1 connection: p50, req/s | CPU / request | load average |"
    )
    out("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for result in results.values():
        single = result["single"]
        out(
            f"| {result['label']} | {result['rps']:.0f} | {result['p50_ms']:.1f} ms | {result['p95_ms']:.1f} ms "
            f"| {result['p99_ms']:.1f} ms | {result['errors']} / {result['non2xx']} "
            f"| {result['p95_ms'] / trivial['p95_ms']:.1f}× | {result['p95_ms'] / template['p95_ms']:.1f}× "
            f"| {result['rps'] / trivial['rps']:.1%} | {result['rps'] / template['rps']:.1%} "
            f"| {single['p50_ms']:.1f} ms, {single['rps']:.0f} | {result['cpu_ms']:.1f} ms "
            f"| {result['load'][0]:.1f} → {result['load'][1]:.1f} |"
        )
    out()
    page_breakdown([(key, label, path) for key, label, path, _cookie in targets[2:]])
    return results


def page_breakdown(pages: list[tuple[str, str, str]]) -> None:
    """One request at a time through the test client, in this process: SQL time (client side, an
    execute wrapper) against the rest (views, forms, template), to say where a page's time goes."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    users = {"county": "bench_county", "branch": "bench_branch", "search": "bench_county"}
    out(
        "Where one request's time goes: the same pages through the test client in one process, one at a time, "
        "after a warm-up request (so the county's statistics come from the cache, as under load); median of 7. "
        "The last column is the CPU time of this process (test client included, PostgreSQL not): it does not "
        "grow while the process waits for a core, as the times do on a busy machine.\n"
    )
    out("| page | total | SQL (client side) | queries | Python: views, forms, template | CPU of this process |")
    out("|---|--:|--:|--:|--:|--:|")
    for key, label, path in pages:
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(get_user_model().objects.get(username=users[key]))
        client.get(path)
        samples = []
        for _ in range(7):
            timing = {"sql": 0.0, "queries": 0}

            def timed(execute, sql, params, many, context, timing=timing):
                started = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    timing["sql"] += time.perf_counter() - started
                    timing["queries"] += 1

            with connection.execute_wrapper(timed):
                started, cpu_started = time.perf_counter(), time.process_time()
                status = client.get(path).status_code
                total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            if status != 200:
                raise SystemExit(f"{label}: status {status}")
            samples.append((total, timing["sql"], timing["queries"], cpu))
        total, sql = median([sample[0] for sample in samples]), median([sample[1] for sample in samples])
        out(
            f"| {label} | {total * 1000:.1f} ms | {sql * 1000:.1f} ms | {samples[-1][2]} "
            f"| {(total - sql) * 1000:.1f} ms | {median([sample[3] for sample in samples]) * 1000:.1f} ms |"
        )
    out()


# --- 2. Export ------------------------------------------------------------------------------------


def export_section() -> dict:
    section("## Export of 100,000 members to .xlsx (county chair, masked 身份证号)")
    writers = {
        "task": "Celery export `roster_export_run`: `write_report_into` a temporary file, then the FileField",
        "ours": "`export_roster_xlsx` → bytes (the request's export; used up to 5,000 rows)",
        "openpyxl": "plain openpyxl write-only loop over the same rows, saved to bytes",
    }
    summary = {}
    out(
        f"Fresh process per run; time is the median of {REPEAT} runs (for the Celery export: the whole task, "
        "claim, count, query, rows, the file and its copy into MEDIA_ROOT, the row marked done; for the others "
        "from the user lookup to the bytes); the tracemalloc peak comes from one more, traced run (tracing slows "
        "it, so it is not timed). Peak RSS is the process's high-water mark (VmHWM), including Django (RSS "
        "before = after setup).\n"
    )
    out("| writer | median | runs | tracemalloc peak | peak RSS | RSS before | file | queries |")
    out("|---|--:|---|--:|--:|--:|--:|--:|")
    for writer, label in writers.items():
        note(f"export: {writer} × {REPEAT + 1}")
        runs = [run_child("export", writer) for _ in range(REPEAT)]
        traced = run_child("export", writer, "trace")
        seconds = [run["seconds"] for run in runs]
        maxrss = max(run["maxrss"] for run in runs)
        before = min(run["rss_before"] for run in runs)
        summary[writer] = {"seconds": median(seconds), "maxrss": maxrss, "before": before, "peak": traced["peak"]}
        out(
            f"| {label} | {median(seconds):.2f} s | {', '.join(f'{s:.2f}' for s in seconds)} "
            f"| {traced['peak'] / MIB:.1f} MiB | {maxrss:.0f} MiB | {before:.0f} MiB "
            f"| {runs[0]['bytes'] / MIB:.1f} MiB | {runs[0]['queries']} |"
        )
    task, plain = summary["task"], summary["openpyxl"]
    out(f"\nCelery export ÷ plain openpyxl: {task['seconds'] / plain['seconds']:.2f}× the time.\n")
    return summary


# --- 3. Import ------------------------------------------------------------------------------------


def import_rows(count: int, *, dates_as_text: bool) -> Iterator[list[Any]]:
    """`count` new members of 基层工会{IMPORT_BASE}'s 分工会 and 小组, in the importer's column order,
    every cell filled as a clerk would (性别 agrees with the number, 部门 exists in the base union)."""
    from bench.roster_scope import BRANCHES, DEPARTMENTS_PER_BASE, GROUPS
    from members.idcard import make_id_number
    from members.imports import COLUMNS

    base = IMPORT_BASE
    units = [f"分工会{base}-{r}" for r in range(BRANCHES)]
    units += [f"小组{base}-{r}-{g}" for r in range(BRANCHES) for g in range(GROUPS)]
    for n in range(count):
        gender = "F" if n % 5 < 3 else "M"
        birth = dt.date(1966, 1, 1) + dt.timedelta(days=n % 12_000)
        joined = birth + dt.timedelta(days=8_000 + n % 1_500)
        values = {
            "姓名": f"导入会员{n}",
            "身份证号": make_id_number(IMPORT_REGIONS[n // 12_000], birth, 0, gender),
            "性别": "女" if gender == "F" else "男",
            "手机号": f"137{n:08d}",
            "所属工会": units[n % len(units)],
            "部门": f"部门{n % DEPARTMENTS_PER_BASE:02d}",
            "入会日期": joined.isoformat() if dates_as_text else joined,
            "会员编号": f"{MEMBER_NO_PREFIX}{n:06d}",
            "用工形式": EMPLOYMENT_LABELS[n % len(EMPLOYMENT_LABELS)],
            "一线职工": "是" if n % 3 == 0 else "否",
            "会费工资基数": f"{4_000 + n % 3_000}.50" if dates_as_text else Decimal(f"{4_000 + n % 3_000}.50"),
        }
        yield [values[column] for column in COLUMNS]


def import_file(count: int, kind: str) -> Path:
    """The roster file, written once into var/bench-import and reused. The .xlsx is written by
    openpyxl (shared strings, dates as date cells, numbers as numbers), like Excel writes it."""
    from members.imports import COLUMNS

    path = DATA_DIR / f"roster-v1-{count}.{kind}"
    if path.exists():
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    note(f"writing {path.relative_to(ROOT)}")
    partial = path.with_suffix(".part")
    if kind == "csv":
        with partial.open("w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(COLUMNS)
            writer.writerows(import_rows(count, dates_as_text=True))
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("花名册")
        sheet.append(COLUMNS)
        for row in import_rows(count, dates_as_text=False):
            sheet.append(row)
        workbook.save(partial)
    partial.rename(path)
    return path


def expect(result: dict, counts: list[int], what: str) -> None:
    if result["counts"] != counts or result["status"] not in {"preview", "done"}:
        raise SystemExit(f"{what}: expected counts {counts}, got {result}")


def import_section() -> dict:
    from members.imports.files import PROGRESS_EVERY

    section("## Import of a 会员花名册")
    files = {(count, kind): import_file(count, kind) for count in SIZES for kind in KINDS}
    ours: dict[tuple[int, str, str], list[dict]] = {}
    for kind in KINDS:
        for count in SIZES:
            for run in range(REPEAT):
                note(f"import (ours): {count:,} rows, .{kind}, run {run + 1}/{REPEAT}")
                checked = run_child("validate", str(files[count, kind]))
                expect(checked, [count, 0, 0, 0], "dry run")
                committed = run_child("commit", str(checked["import_id"]))
                expect(committed, [count, 0, 0, 0], "commit")
                ours.setdefault((count, kind, "check"), []).append(checked)
                ours.setdefault((count, kind, "commit"), []).append(committed)
                if count == SIZES[-1] and run == 0:
                    note(f"re-import (ours): {count:,} rows, .{kind}, all unchanged")
                    again = run_child("validate", str(files[count, kind]))
                    expect(again, [0, 0, count, 0], "re-import dry run")
                    again_committed = run_child("commit", str(again["import_id"]))
                    expect(again_committed, [0, 0, count, 0], "re-import commit")
                    ours[(count, kind, "re-check")] = [again]
                    ours[(count, kind, "re-commit")] = [again_committed]
                    remove_imported()
                    note(f"import (ours): {count:,} rows, .{kind}, the roster changed between preview and commit")
                    checked = run_child("validate", str(files[count, kind]))
                    expect(checked, [count, 0, 0, 0], "dry run")
                    committed = run_child("commit", str(checked["import_id"]), "roster-changed")
                    expect(committed, [count, 0, 0, 0], "commit after a roster change")
                    ours[(count, kind, "changed-commit")] = [committed]
                remove_imported()

    out(
        f"Our importer (members/imports), driven through its services as the upload view and the Celery tasks "
        f"do: `check_upload`, `roster_import_validate` (the dry run that fills the preview), "
        f"`roster_import_commit` (writes the rows the dry run checked, in one transaction, after checking that "
        f"neither the file nor what the checks read of the roster changed; else reads and checks every row "
        f"again, the plan's rows written meanwhile and kept if the check finds the same: the last row of each "
        f"file). Target "
        f"基层工会{IMPORT_BASE} (101 units, 10,000 existing members); 11 columns, all filled. Fresh process per "
        f"phase; median of {REPEAT} runs (the re-import: one run). Peak RSS (VmHWM) includes Django (RSS before). "
        f"Queries: statements through Django (the dry run writes its progress every {PROGRESS_EVERY:,} rows) "
        "+ COPY streams (the copier thread of a commit after a roster change sends its COPY outside Django).\n"
    )
    out("| file | phase | median | runs | rows/s | peak RSS | RSS before | queries + COPY | result |")
    out("|---|---|--:|---|--:|--:|--:|--:|---|")
    phases = {
        "check": "upload check + dry run",
        "commit": "commit (what the user waits for after 确认导入)",
        "re-check": "re-import: dry run (all unchanged)",
        "re-commit": "re-import: commit (all unchanged)",
        "changed-commit": "commit when the roster changed since the preview (every row checked again + write)",
    }
    summary: dict[str, Any] = {}
    for kind in KINDS:
        for count in SIZES:
            for phase, label in phases.items():
                runs = ours.get((count, kind, phase))
                if not runs:
                    continue
                seconds = [r["seconds"] + r.get("check_upload_s", 0) for r in runs]
                maxrss = max(r["maxrss"] for r in runs)
                before = min(r["rss_before"] for r in runs)
                new, changed, unchanged, invalid = runs[0]["counts"]
                summary[f"{count}-{kind}-{phase}"] = {"seconds": median(seconds), "maxrss": maxrss}
                upload = (
                    f" (upload check {median([r['check_upload_s'] for r in runs]):.2f} s)" if phase == "check" else ""
                )
                out(
                    f"| {count:,} new, .{kind} | {label}{upload} | {median(seconds):.2f} s "
                    f"| {', '.join(f'{s:.2f}' for s in seconds)} | {count / median(seconds):,.0f} "
                    f"| {maxrss:.0f} MiB | {before:.0f} MiB | {runs[0]['queries']} + {runs[0]['copies']} "
                    f"| {new:,} new, {unchanged:,} unchanged, {invalid} invalid |"
                )
    out()
    summary["baseline"] = baseline_section(files, summary)
    return summary


def baseline_section(files: dict[tuple[int, str], Path], ours: dict) -> dict:
    section("### The same files through django-import-export with default settings")
    out(
        "A plain `resources.ModelResource` for Member (declared fields on the same Chinese headers, "
        '`id_number` as `Field(attribute="id_number")`, 所属工会 by `ForeignKeyWidget(OrgUnit, "name")`, '
        "部门 not mapped), default Meta options, `import_data(dataset, dry_run=False, raise_errors=False)` "
        "after `base_formats.CSV/XLSX().create_dataset()`. It validates nothing (no `full_clean`); "
        "`before_save_instance` only turns the labels into codes and takes the birth date from the number. "
        f"One run each (fresh process). The 100,000-row run is attempted only when 10,000 rows took under 60 s, "
        f"and is stopped after {BASELINE_TIMEOUT:.0f} s.\n"
    )
    out("| file | seconds (read + import) | rows/s | peak RSS | queries | result | ours, commit |")
    out("|---|--:|--:|--:|--:|---|--:|")
    summary = {}
    for kind in KINDS:
        note(f"import (django-import-export defaults): 10,000 rows, .{kind}")
        result = run_child("baseline", str(files[SIZES[0], kind]))
        remove_imported()
        summary[f"10000-{kind}"] = result
        mine = ours[f"{SIZES[0]}-{kind}-commit"]["seconds"]
        outcome = f"{result['new']:,} new, {result['errors']} errors" + (
            f" ({result['first_error']})" if result["errors"] else ""
        )
        out(
            f"| {SIZES[0]:,} new, .{kind} | {result['seconds']:.1f} s (read {result['read_s']:.2f} s) "
            f"| {SIZES[0] / result['seconds']:,.0f} | {result['maxrss']:.0f} MiB | {result['queries']:,} "
            f"| {outcome} | {mine:.2f} s ({result['seconds'] / mine:.0f}× faster) |"
        )
    small = summary[f"10000-{KINDS[0]}"]
    count, kind = SIZES[-1], KINDS[0]
    extrapolated = small["seconds"] * count / SIZES[0]
    mine = ours[f"{count}-{kind}-commit"]["seconds"]
    if small["seconds"] >= 60:
        out(
            f"| {count:,} new, .{kind} | **not run: extrapolated from 10k, ≈ {extrapolated:.0f} s** "
            f"| ≈ {SIZES[0] / small['seconds']:,.0f} | – | ≈ {small['queries'] * count // SIZES[0]:,} | – "
            f"| {mine:.2f} s |"
        )
        return summary
    note(f"import (django-import-export defaults): {count:,} rows, .{kind}, stopped after {BASELINE_TIMEOUT:.0f} s")
    try:
        result = run_child("baseline", str(files[count, kind]), timeout=BASELINE_TIMEOUT)
    except subprocess.TimeoutExpired as stopped:
        stderr = stopped.stderr.decode() if isinstance(stopped.stderr, bytes) else (stopped.stderr or "")
        progress = [json.loads(line) for line in stderr.splitlines() if line.startswith('{"rows"')]
        last = progress[-1] if progress else {"rows": 0, "seconds": BASELINE_TIMEOUT}
        rate = last["rows"] / last["seconds"] if last["rows"] else 0
        estimate = f"≈ {count / rate:.0f} s at that rate" if rate else "?"
        summary[f"{count}-{kind}"] = {"stopped": True, **last}
        out(
            f"| {count:,} new, .{kind} | **stopped after {BASELINE_TIMEOUT:.0f} s** at row {last['rows']:,} "
            f"(rolled back); {estimate}; 10k × 10 ≈ {extrapolated:.0f} s | {rate:,.0f} | – | – | – | {mine:.2f} s |"
        )
    else:
        summary[f"{count}-{kind}"] = result
        out(
            f"| {count:,} new, .{kind} | {result['seconds']:.1f} s (read {result['read_s']:.2f} s) "
            f"| {count / result['seconds']:,.0f} | {result['maxrss']:.0f} MiB | {result['queries']:,} "
            f"| {result['new']:,} new, {result['errors']} errors | {mine:.2f} s "
            f"({result['seconds'] / mine:.0f}× faster) |"
        )
    remove_imported()
    out()
    return summary


# --- Summary --------------------------------------------------------------------------------------


def verdict(**parts: bool) -> str:
    """ "met", or what is not: `verdict(time=True, memory=False)` → "**not met** (memory)"."""
    failed = [name for name, ok in parts.items() if not ok]
    return "met" if not failed else f"**not met** ({', '.join(failed)})"


def targets_section(load: dict, export: dict, imports: dict) -> None:
    out("## Targets\n")
    out("| target | measured | |")
    out("|---|---|---|")
    big = SIZES[-1]
    for kind in KINDS:
        # Every wait of the import counts: the dry run that fills the preview, the commit after
        # 确认导入, and the commit that checks every row again because the roster changed.
        phases = {
            "dry run (upload check + check)": imports.get(f"{big}-{kind}-check"),
            "commit": imports.get(f"{big}-{kind}-commit"),
            "commit after a roster change": imports.get(f"{big}-{kind}-changed-commit"),
        }
        measured = {label: phase for label, phase in phases.items() if phase}
        if measured:
            ok = verdict(
                time=all(p["seconds"] < TARGETS["import_s"] for p in measured.values()),
                memory=all(p["maxrss"] < TARGETS["import_mib"] for p in measured.values()),
            )
            figures = "; ".join(f"{label} {p['seconds']:.1f} s, {p['maxrss']:.0f} MiB" for label, p in measured.items())
            out(
                f"| import {big:,} rows .{kind} with all validation < {TARGETS['import_s']:.0f} s, "
                f"< {TARGETS['import_mib']:.0f} MiB | {figures} | {ok} |"
            )
    if export:
        ours = export["task"]  # the export that runs at this size: Celery, into a file
        own = ours["maxrss"] - ours["before"]
        fast = ours["seconds"] < TARGETS["export_s"]
        out(
            f"| export {big:,} rows < {TARGETS['export_s']:.0f} s, < {TARGETS['export_mib']:.0f} MiB "
            f"| {ours['seconds']:.2f} s; the export's own memory: +{own:.0f} MiB RSS, tracemalloc peak "
            f"{ours['peak'] / MIB:.1f} MiB | {verdict(time=fast, memory=own < TARGETS['export_mib'])} |"
        )
        whole = verdict(time=fast, memory=ours["maxrss"] < TARGETS["export_mib"])
        out(
            f"| … the same, counting the whole process (Django {ours['before']:.0f} MiB before the export) "
            f"| peak RSS {ours['maxrss']:.0f} MiB | {whole} |"
        )
    for key in ("county", "branch", "search"):
        if key in load:
            result = load[key]
            ok = result["p95_ms"] < TARGETS["p95_ms"] and not result["non2xx"] and not result["errors"]
            out(
                f"| {result['label']}: p95 < {TARGETS['p95_ms']:.0f} ms at 12 connections "
                f"| p95 {result['p95_ms']:.0f} ms, {result['rps']:.0f} req/s | {verdict(p95=ok)} |"
            )
    out()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child)
        return

    started = time.monotonic()
    ensure_database()
    setup_django()
    from bench import roster_scope

    note("checking the 100,000-member data set (built on the first run)")
    roster_scope.ensure_dataset()
    removed = remove_imported()  # what an interrupted run may have left
    if removed:
        note(f"removed {removed:,} members left by an earlier run")
    with tempfile.TemporaryDirectory(prefix="bench-media-") as media:
        os.environ["DJANGO_MEDIA_ROOT"] = media  # the children store the uploaded rosters here
        out("# Issue 3 benchmark (`make bench`)\n")
        out("| machine | |\n|---|---|")
        for name, value in machine_facts():
            out(f"| {name} | {value} |")
        out(
            "\nThe machine is shared: other jobs (test suites) may run at the same time, so single figures vary "
            "by ±30 % between runs; medians are given where a measurement is repeated.\n"
        )
        load = {} if "load" in SKIP else load_section()
        export = {} if "export" in SKIP else export_section()
        imports = {} if "import" in SKIP else import_section()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE members_member")
        targets_section(load, export, imports)
    out(f"Load average at the end: {load_average()}; whole run {(time.monotonic() - started) / 60:.1f} min.")


if __name__ == "__main__":
    main()
