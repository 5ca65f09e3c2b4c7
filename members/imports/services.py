"""The import's selectors and services (upload, dry run, confirm, commit) and the template download."""

import contextlib
import datetime
import gc
import io
import logging
import uuid
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from union_office import jobs
from union_office.audit import audit_record
from union_office.jobs import JobStatus
from union_office.xlsx import safe_cell

from .. import access
from ..idcard import make_id_number
from ..models import EmploymentType, OrgUnit, RosterImport
from .dry_run import (
    PlanCheck,
    PlanCopier,
    PlanMismatch,
    PlanWriter,
    file_digest,
    plan_discard,
    plan_file_unchanged,
    plan_open,
    plan_still_holds,
    plan_write,
)
from .files import (
    COLUMNS,
    DEPARTMENT,
    EMPLOYMENT,
    FRONTLINE,
    GENDER,
    ID_NUMBER,
    JOINED_ON,
    MAX_ROWS,
    MEMBER_NO,
    NAME,
    PHONE,
    UNIT,
    WAGE_BASE,
    RosterImportError,
    RosterTable,
    check_upload,
    read_roster,
)
from .resource import (
    MemberResource,
    RosterResult,
    copy_changed_members,
    file_hashes,
    result_counts,
    row_errors,
)

logger = logging.getLogger(__name__)

# A check or commit that no worker has started after this long is sent to Celery again.

# --- Selectors -----------------------------------------------------------------------------------


def roster_import_list(user: Any) -> QuerySet[RosterImport]:
    """The user's own imports that they may still work on, newest first."""
    return access.visible(user, "members.change_member", RosterImport.objects.filter(created_by=user)).select_related(
        "org_unit"
    )


def roster_import_get(user: Any, pk: int) -> RosterImport:
    """One import for someone who keeps the roster at its unit; 403 for a read-only role there
    (a 财务 sees the roster but does not change it), 404 for anyone else."""
    found = RosterImport.objects.select_related("org_unit", "created_by").filter(pk=pk).first()
    if found is None or not access.can(user, "members.view_member", found.org_unit):
        raise Http404(_("没有找到该导入，或您无权查看。"))
    access.require(user, "members.change_member", found.org_unit)
    return found


def import_kind(name: str) -> str:
    return "xlsx" if name.lower().endswith(".xlsx") else "csv"


# --- Services ------------------------------------------------------------------------------------


def roster_import_create(*, actor: Any, org_unit: OrgUnit, uploaded_file: Any) -> RosterImport:
    """Store a checked upload and queue its dry run. The stored name is random: the original name
    (often a person's or a unit's) stays in the row, not in the file system."""
    from ..tasks import roster_import_validate_task

    access.require(actor, "members.change_member", org_unit)
    kind = check_upload(uploaded_file)
    original_name = str(uploaded_file.name)[:255]
    uploaded_file.name = f"{uuid.uuid4().hex}.{kind}"
    with transaction.atomic():
        roster_import = RosterImport(org_unit=org_unit, created_by=actor, original_name=original_name)
        roster_import.file.save(uploaded_file.name, uploaded_file, save=False)
        try:
            roster_import.save()
        except BaseException:
            roster_import.file.delete(save=False)
            raise
        jobs.send_on_commit(roster_import_validate_task, roster_import.pk)
    return roster_import


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a file's rows are read, checked or written.

    Those rows are a few hundred thousand lists and tuples that live until the end, and the
    collector, triggered every 700 new ones, went through all of them again and again: a third of
    a 100,000-row dry run. They hold no reference cycles (reference counting frees them); whatever
    cycle is made meanwhile is collected once the collector is back on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_import_file(roster_import: RosterImport) -> tuple[RosterTable, str]:
    """The upload's rows, and its SHA-256 (what the dry run's plan is tied to)."""
    try:
        digest = file_digest(roster_import)
        with roster_import.file.open("rb") as stream:
            return read_roster(stream, import_kind(roster_import.file.name)), digest
    except FileNotFoundError:
        raise RosterImportError(_("上传的文件已不存在，请重新上传。")) from None


def _discard_file(roster_import: RosterImport) -> None:
    """Drop the uploaded file (and the dry run's plan) once no longer needed: it holds 身份证号 in clear."""
    if roster_import.file:
        plan_discard(roster_import)
        roster_import.file.delete(save=False)
        RosterImport.objects.filter(pk=roster_import.pk).update(file="")


def roster_import_validate(*, import_id: int) -> RosterImport:
    """The dry run: every row checked, counts and errors stored, nothing written to the roster.

    The task may run twice (acks_late): only the run that moves QUEUED → RUNNING does the work.
    """
    claimed = RosterImport.objects.filter(pk=import_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, processed_rows=0, message="", updated_at=timezone.now()
    )
    roster_import = RosterImport.objects.select_related("org_unit").get(pk=import_id)
    if not claimed:
        return roster_import
    try:
        with contextlib.closing(PlanWriter()) as plan, _gc_paused():
            table, digest = _read_import_file(roster_import)
            RosterImport.objects.filter(pk=import_id).update(total_rows=len(table.row_numbers))
            resource = MemberResource(
                org_unit=roster_import.org_unit,
                on_progress=lambda n: RosterImport.objects.filter(pk=import_id).update(processed_rows=n),
                plan=plan,
            )
            result = resource.import_table(table, dry_run=True)
            if result.base_errors:  # the whole check failed, not a row (rows are counted as invalid)
                raise RuntimeError(f"import errors: {result.base_errors}")
            if not result_counts(result)["invalid_count"]:  # else it can never be committed
                plan.save(
                    roster_import,
                    file_sha256=digest,
                    stamp=resource.stamp(),
                    hashes=file_hashes(resource.row_hashes),
                    counts=result_counts(result),
                    total_rows=len(table.row_numbers),
                )
    except Exception as exc:
        if isinstance(exc, RosterImportError):
            message = exc.messages[0]
        else:
            logger.exception("roster import %s: the check failed", import_id)
            message = gettext("检查文件时出错。请重新上传；如仍出错请联系管理员。")
        roster_import.status, roster_import.message = JobStatus.FAILED, message
        roster_import.save(update_fields=["status", "message", "updated_at"])
        _discard_file(roster_import)
        return roster_import
    for name, value in result_counts(result).items():
        setattr(roster_import, name, value)
    roster_import.total_rows = roster_import.processed_rows = len(table.row_numbers)
    roster_import.errors = row_errors(result, table.row_numbers)
    roster_import.status = JobStatus.PREVIEW
    roster_import.message = (
        gettext("文件中的列“%(columns)s”不属于花名册，已忽略。") % {"columns": "、".join(table.ignored_headers)}
        if table.ignored_headers
        else ""
    )
    roster_import.save()
    if roster_import.invalid_count:
        _discard_file(roster_import)  # it can never be committed; a corrected file comes as a new upload
    return roster_import


def _claim_for_commit(*, actor: Any, import_id: int, resume: bool) -> RosterImport:
    """PREVIEW (no invalid rows) → RUNNING with committed_at set, in its own short transaction so
    that the page shows "正在导入" at once and a second click is told so."""
    with transaction.atomic():
        roster_import = RosterImport.objects.select_for_update().select_related("org_unit").get(pk=import_id)
        access.require(actor, "members.change_member", roster_import.org_unit)
        status = roster_import.status
        if status == JobStatus.DONE:
            raise RosterImportError(
                _("该花名册已于 %(at)s 导入完成，不会重复导入。")
                % {"at": timezone.localtime(roster_import.committed_at).strftime("%Y-%m-%d %H:%M")}
            )
        if status == JobStatus.RUNNING and roster_import.committed_at is not None:
            if resume:
                return roster_import
            raise RosterImportError(_("该花名册正在导入，请勿重复提交。"))
        if status != JobStatus.PREVIEW:
            raise RosterImportError(_("该花名册还没有检查完毕，或检查失败，不能导入。"))
        if roster_import.invalid_count:
            raise RosterImportError(
                _("还有 %(n)d 行有错误。请在文件中改正后重新上传，全部无误才能导入。")
                % {"n": roster_import.invalid_count}
            )
        roster_import.status, roster_import.committed_at = JobStatus.RUNNING, timezone.now()
        roster_import.processed_rows = 0
        roster_import.save(update_fields=["status", "committed_at", "processed_rows", "updated_at"])
    return roster_import


def roster_import_confirm(*, actor: Any, import_id: int) -> RosterImport:
    """The 确认导入 button: claim the import and queue the commit."""
    from ..tasks import roster_import_commit_task

    roster_import = _claim_for_commit(actor=actor, import_id=import_id, resume=False)
    jobs.send_on_commit(roster_import_commit_task, import_id, actor.pk)
    return roster_import


def roster_import_requeue(*, now: datetime.datetime | None = None) -> list[int]:
    """The sweep (beat, every minute): send again the checks and commits that wait in vain.

    - A check QUEUED untouched for RESEND_AFTER (its message never sent or lost) is sent again.
    - A check RUNNING untouched for the task time limit lost its worker: back to QUEUED, sent again.
    - A confirmed commit (RUNNING with committed_at) whose row nobody holds locked is not being
      written (the commit locks the row for its whole transaction; one that died was rolled back),
      so after RESEND_AFTER it is sent again, as its creator: the import's row does not say who
      confirmed it, and in practice the one who uploaded it confirms it.
    Each row is won with a conditional update (a row lock for the commit), so two sweeps send it
    once; an extra message does nothing (the services claim or lock the row). Returns the ids sent.
    """
    from ..tasks import roster_import_commit_task, roster_import_validate_task

    now = now or timezone.now()
    dead_before = now - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    checks = RosterImport.objects.filter(
        Q(status=JobStatus.QUEUED, updated_at__lt=now - jobs.RESEND_AFTER)
        | Q(status=JobStatus.RUNNING, committed_at=None, updated_at__lt=dead_before)
    )
    reset = {"status": JobStatus.QUEUED, "processed_rows": 0, "updated_at": now}
    sent, reachable = jobs.resend(checks, roster_import_validate_task, reset=reset)
    if not reachable:
        return sent  # the broker is down: the next sweep tries again
    commits = RosterImport.objects.filter(
        status=JobStatus.RUNNING, committed_at__isnull=False, updated_at__lt=now - jobs.RESEND_AFTER
    )
    for pk in commits.values_list("pk", flat=True).order_by("pk"):
        with transaction.atomic():
            row = commits.select_for_update(skip_locked=True).filter(pk=pk).values_list("created_by_id", flat=True)
            actor_id = row.first()
            if actor_id is None:  # being written right now, or already done
                continue
            RosterImport.objects.filter(pk=pk).update(updated_at=now)
        if not jobs.send(roster_import_commit_task, pk, actor_id):
            return sent
        sent.append(pk)
    if sent:
        logger.warning("roster imports sent again (lost message or dead worker): %s", sent)
    return sent


def roster_import_commit(*, actor: Any, import_id: int) -> RosterImport:
    """Write the whole file to the roster, all or nothing.

    Accepts an import in PREVIEW without invalid rows (claimed here) or one already claimed by
    roster_import_confirm. The dry run's plan is written as it is if neither the file nor what its
    checks read of the roster changed since (plan.py); else the rows are read and checked again.
    Any invalid row or database error rolls everything back. The import's row stays locked for the
    whole transaction, so a second run waits and then finds it DONE.
    """
    _claim_for_commit(actor=actor, import_id=import_id, resume=True)
    try:
        with transaction.atomic():
            roster_import = RosterImport.objects.select_for_update().select_related("org_unit").get(pk=import_id)
            if roster_import.status == JobStatus.DONE:
                raise RosterImportError(_("该花名册已导入完成，不会重复导入。"))
            if roster_import.status != JobStatus.RUNNING or roster_import.committed_at is None:
                raise RosterImportError(_("该花名册的状态已经改变，不能导入。"))
            with _gc_paused():
                written = _write_planned(roster_import) or _write_checked(roster_import)
            counts, roster_import.total_rows = written
            for name, value in counts.items():
                setattr(roster_import, name, value)
            roster_import.status, roster_import.committed_at = JobStatus.DONE, timezone.now()
            roster_import.processed_rows = roster_import.total_rows
            roster_import.errors, roster_import.message = [], ""
            roster_import.save()
            audit_record(
                actor=actor,
                action="member.import",
                obj=roster_import,
                changes={
                    "new_count": counts["new_count"],
                    "changed_count": counts["changed_count"],
                    "unchanged_count": counts["unchanged_count"],
                    "org_unit": roster_import.org_unit.name,
                    "original_name": roster_import.original_name,
                },
            )
            transaction.on_commit(lambda: _discard_file(roster_import))
        return roster_import
    except _CommitFailed as failure:
        return _record_failed_commit(import_id, failure)
    except RosterImportError:
        raise
    except Exception:
        logger.exception("roster import %s: the commit failed and was rolled back", import_id)
        return _record_failed_commit(
            import_id, _CommitFailed(gettext("导入时出错，未导入任何数据。请重新上传；如仍出错请联系管理员。"))
        )


def _write_planned(roster_import: RosterImport) -> tuple[dict[str, int], int] | None:
    """Write the dry run's plan if it still holds; if only the roster changed, the plan while the
    rows are checked again (PostgreSQL); None if the file must be checked and written again."""
    with plan_open(roster_import) as plan:
        if plan is None:
            return None
        if plan_still_holds(plan, roster_import):
            try:
                plan_write(plan)
            except DatabaseError:
                logger.warning("roster import %s: writing the plan failed", roster_import.pk, exc_info=True)
                raise _CommitFailed(_write_failed_message()) from None
            return plan.header["counts"], plan.header["total_rows"]
        if connection.vendor != "postgresql" or not plan_file_unchanged(plan, roster_import):
            return None
        resource = MemberResource(org_unit=roster_import.org_unit)
        resource.prefetch(plan.hashes)  # its queries now: the connection is the copier's meanwhile
    del plan  # and its keyed hashes
    return _write_plan_checked_again(roster_import, resource)


class _Redo(Exception):
    """The rows checked again are not the plan's: roll its rows back and write the checked ones."""

    def __init__(self, table: RosterTable | None) -> None:
        super().__init__("the plan no longer holds")
        self.table = table


def _write_plan_checked_again(roster_import: RosterImport, resource: MemberResource) -> tuple[dict[str, int], int]:
    """The roster changed since the preview, the upload did not: every row is checked again (a
    dry run on the members it would change, locked) while a second thread writes the plan's new
    members (plan.py: PlanCopier, PlanCheck). Kept if the check finds exactly the plan's rows; else
    rolled back and the rows written as checked (_write_checked, with the rows already read)."""
    try:
        check = resource.plan = PlanCheck(roster_import)
    except PlanMismatch:  # the plan went away meanwhile
        return _write_checked(roster_import)
    table = None
    try:
        with transaction.atomic():  # the plan's rows, undone if the check does not find them
            copier = PlanCopier(roster_import, connection.connection)
            copier.start()
            try:
                table, _digest = _read_import_file(roster_import)
                result = resource.import_table(table, dry_run=True)
                check.finish(result_counts(result))
            except (PlanMismatch, RosterImportError):
                copier.stop()
                raise _Redo(table) from None
            except BaseException:
                copier.stop()
                raise
            finally:
                check.close()
                copier.join()
            if copier.error is not None:
                if isinstance(copier.error, PlanMismatch):  # the plan file went away meanwhile
                    raise _Redo(table)
                with connection.wrap_database_errors:
                    raise copier.error
            if check.changed_rows:
                now = timezone.now()
                for values in check.changed_rows:
                    values[-1] = now  # updated_at, the last of UPDATE_ATTNAMES
                copy_changed_members(check.changed_rows)
    except _Redo as redo:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as the copier leaves them when done
        return _write_checked(roster_import, redo.table)
    except DatabaseError:
        logger.warning("roster import %s: writing the plan failed", roster_import.pk, exc_info=True)
        raise _CommitFailed(_write_failed_message()) from None
    return result_counts(result), len(table.row_numbers)


def _write_checked(roster_import: RosterImport, table: RosterTable | None = None) -> tuple[dict[str, int], int]:
    """Read and check every row again and write them (no plan, or the file or the roster changed)."""
    if table is None:
        try:
            table, _digest = _read_import_file(roster_import)
        except RosterImportError as exc:
            raise _CommitFailed(exc.messages[0]) from None
    result = MemberResource(org_unit=roster_import.org_unit).import_table(table, dry_run=False)
    counts = result_counts(result)
    if counts["invalid_count"] or result.has_errors():
        raise _CommitFailed("", result=result, table=table)
    return counts, len(table.row_numbers)


def _write_failed_message() -> str:
    return gettext("写入花名册时出错（可能有人同时登记了相同的身份证号），未导入任何数据。请重新上传。")


class _CommitFailed(Exception):
    """Raised inside the commit's transaction to roll it back; says what to show afterwards."""

    def __init__(self, message: str, result: RosterResult | None = None, table: RosterTable | None = None) -> None:
        super().__init__(message or "rows failed at commit")
        self.message, self.result, self.table = message, result, table


def _record_failed_commit(import_id: int, failure: _CommitFailed) -> RosterImport:
    """After the rollback: nothing was written. If rows no longer pass (the roster changed since
    the preview: someone registered one of these numbers …), show them like a preview; else FAILED.
    Either way the file cannot be committed any more and is dropped."""
    update: dict[str, Any] = {"committed_at": None, "updated_at": timezone.now()}
    if failure.result is not None:
        counts = result_counts(failure.result)
        logger.warning("roster import %s rolled back: %s", import_id, failure.result.base_errors)
        update |= counts | {"errors": row_errors(failure.result, failure.table.row_numbers)}
        if counts["invalid_count"]:
            update["status"] = JobStatus.PREVIEW
            update["message"] = gettext(
                "预览之后花名册有了变化，重新检查时发现错误，未导入任何数据。请改正后重新上传。"
            )
        else:
            update["status"] = JobStatus.FAILED
            update["message"] = _write_failed_message()
    else:
        update |= {"status": JobStatus.FAILED, "message": failure.message}
    RosterImport.objects.filter(pk=import_id).update(**update)
    roster_import = RosterImport.objects.get(pk=import_id)
    _discard_file(roster_import)
    return roster_import


# --- The template --------------------------------------------------------------------------------


def roster_template_xlsx(*, user: Any) -> bytes:
    """The import template: the headers, one example row, drop-down lists, a sheet of instructions
    and the units the user may import into. Written fresh on each download, never stored."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    widths = {NAME: 10, ID_NUMBER: 22, GENDER: 6, PHONE: 14, UNIT: 20, DEPARTMENT: 14, JOINED_ON: 12}
    widths |= {MEMBER_NO: 12, EMPLOYMENT: 10, FRONTLINE: 9, WAGE_BASE: 13}
    bold, fill = Font(bold=True), PatternFill("solid", start_color="FFD9D9D9", end_color="FFD9D9D9")
    sheet.append(COLUMNS)
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font, cell.fill, cell.alignment = bold, fill, Alignment(horizontal="center")
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = widths[column]
        if column in {ID_NUMBER, PHONE, MEMBER_NO, JOINED_ON}:
            # Text, so that Excel keeps all 18 digits and the leading zeros.
            sheet.column_dimensions[letter].number_format = "@"
    units = list(access.units(user, "members.change_member").order_by("path")[:500])
    # Unit names are typed by people: through safe_cell like every exported text, as openpyxl
    # would store "=…" as a live formula.
    example_unit = safe_cell(units[0].name) if units else "高一年级分工会"
    example = [
        "张三（示例，请删除此行）",
        make_id_number("130534", datetime.date(1985, 3, 12), 41, "M"),
        "男",
        "13800138000",
        example_unit,
        "",
        "2015-09-01",
        "",
        str(EmploymentType.PERMANENT.label),
        "是",
        "6500.00",
    ]
    sheet.append(example)
    for index in range(1, len(COLUMNS) + 1):
        sheet.cell(row=2, column=index).number_format = "@"
    for column, options in (
        (GENDER, "男,女"),
        (EMPLOYMENT, ",".join(str(c.label) for c in EmploymentType)),
        (FRONTLINE, "是,否"),
    ):
        letter = sheet.cell(row=1, column=COLUMNS.index(column) + 1).column_letter
        validation = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True)
        validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet("填写说明")
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 90
    lines = [
        ("列", "填写要求"),
        (NAME, gettext("必填。")),
        (ID_NUMBER, gettext("必填，18位第二代身份证号；请保持“文本”格式，不要让 Excel 变成科学计数法。")),
        (GENDER, gettext("可不填：按身份证号判断；填写时须与身份证号一致。")),
        (PHONE, gettext("11位手机号或带区号的电话。")),
        (UNIT, gettext("必填，写导入单位之下的分工会或工会小组的名称；重名时写“上级单位/名称”。")),
        (DEPARTMENT, gettext("可不填；须是所在基层工会登记过的部门。")),
        (JOINED_ON, gettext("yyyy-mm-dd，如 2015-09-01。")),
        (MEMBER_NO, gettext("可不填。")),
        (EMPLOYMENT, "、".join(str(c.label) for c in EmploymentType)),
        (FRONTLINE, gettext("是 或 否。")),
        (WAGE_BASE, gettext("月工资基数，不小于0，最多两位小数。")),
        ("", ""),
        ("", gettext("已在花名册中的会员按身份证号匹配并更新；空着的选填格保留原值。")),
        ("", gettext("整个文件全部无误才会导入；有任何一行出错都不会导入，请按提示改正后重新上传。")),
        ("", gettext("不要使用公式；每次最多 %(rows)s 行，文件不超过 20 MB。") % {"rows": f"{MAX_ROWS:,}"}),
        ("", ""),
        (gettext("可选的所属工会"), ""),
    ]
    lines += [("", safe_cell(unit.name)) for unit in units]
    for line in lines:
        notes.append([str(value) for value in line])
    notes["A1"].font = notes["B1"].font = bold
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
