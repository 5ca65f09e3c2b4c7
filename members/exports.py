"""Roster exports: the 会员花名册 as .xlsx (in the request or, when large, in Celery) and as a PDF.

Every export reads a queryset that the access policy has already scoped (selectors.member_list),
narrowed by the roster list's own filters (MemberFilter), so an export never shows a row that the
list would not. 身份证号 are exported masked (the stored id_number_masked column, nothing decrypted),
with the birth year only (the masked digits are the birth date), unless the user asked for full
numbers and holds `members.view_full_id_number`; then the rows are narrowed once more to that
permission's scope. Either way one audit entry records the export.
"""

import logging
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from io import BytesIO
from typing import IO, Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from union_office import crypto, jobs
from union_office.audit import audit_export
from union_office.integers import parse_int
from union_office.jobs import JobStatus
from union_office.xlsx import Column, write_report_into

from . import access, selectors
from .filters import MemberFilter
from .idcard import birth_shown_with_masked_id
from .models import (
    Department,
    Education,
    EmploymentType,
    Gender,
    Member,
    MemberStatus,
    OrgUnit,
    PoliticalStatus,
    RosterExport,
)

logger = logging.getLogger(__name__)

FULL_ID_PERM = "members.view_full_id_number"

# Up to this many rows the .xlsx is written inside the request (about a second on PostgreSQL);
# larger exports go to Celery so no request runs for tens of seconds. Read at call time: tests lower it.
EXPORT_SYNC_LIMIT = 5_000
# Rows fetched per round trip (a server-side cursor on PostgreSQL): memory stays flat at any size.
# 1,000 rows of 14 values are ~1 MiB of tuples; 2,000 cost the Celery export 1-2 MiB more peak
# memory for no measurable speed (a round trip on loopback is about a millisecond).
CHUNK_SIZE = 1_000
# The Celery export writes processed_rows this often: a progress bar that moves, one UPDATE per chunk.
PROGRESS_EVERY = 2_000
# A printed roster is for one 分工会 or 小组; a whole 基层工会 of thousands belongs in Excel, and
# WeasyPrint needs about 6 s and 350 MiB for a thousand rows (measured, docs/roster-import-export.md).
PDF_ROW_LIMIT = 1_000
# A 花名册 reads unit by unit (the roster list pages by name instead, for its first-page speed):
# a sort of 100,000 rows costs PostgreSQL about a tenth of a second, against ~20 s of writing.
EXPORT_ORDERING = ("org_unit__path", "name", "pk")
# Query-string keys that are not filters and must not be stored with a queued export.
NON_FILTER_PARAMS = frozenset({"page", "full", "csrfmiddlewaretoken"})
# RosterExport.query is a CharField of this length.
QUERY_MAX_LENGTH = 1_000
# A queued export no worker has started after this long is sent to Celery again (roster_export_requeue).

# The columns of the exported roster, in order, and the values (Member.objects.values_list) behind
# them. 会员编号 is exported so a file can be corrected and imported again.
ROSTER_COLUMNS = [
    Column(_("序号"), width=7, kind="int"),
    Column(_("姓名"), width=10),
    Column(_("会员编号"), width=12),
    Column(_("性别"), width=6),
    Column(_("民族"), width=8),
    Column(_("身份证号"), width=21),
    Column(_("出生日期"), width=12, kind="date"),
    Column(_("文化程度"), width=12),
    Column(_("政治面貌"), width=13),
    Column(_("手机号"), width=14),
    Column(_("所属工会"), width=22),
    Column(_("部门"), width=14),
    Column(_("入会日期"), width=12, kind="date"),
    Column(_("会员证号"), width=12),
    Column(_("会籍状态"), width=10),
    Column(_("用工形式"), width=10),
    Column(_("一线职工"), width=8),
    Column(_("会费工资基数"), width=14, kind="money"),
]
_ROW_FIELDS = [
    "name",
    "member_no",
    "gender",
    "ethnicity",
    "id_number_masked",  # replaced by id_number_cipher for a full-number export
    "birth_date",
    "education",
    "political_status",
    "phone",
    "org_unit__name",
    "department__name",
    "joined_on",
    "card_no",
    "status",
    "employment_type",
    "frontline",
    "wage_base",
    "org_unit__path",  # not a column: whether the phone is shown in full (members.view_phone)
]


def roster_signatures(unit: OrgUnit | None = None) -> list[str]:
    """The foot of a 花名册 to sign: who filled it in, who checked it, the union's phone."""
    phone = unit.contact_phone if unit is not None else ""
    return [gettext("填报人："), gettext("审核人："), gettext("联系电话：%(phone)s") % {"phone": phone}]


def filter_query(params: QueryDict) -> str:
    """The filter part of a roster query string, as stored with a queued export."""
    kept = [(key, value) for key, values in params.lists() if key not in NON_FILTER_PARAMS for value in values if value]
    return urlencode(kept)


def filter_summaries(export_list: list[RosterExport]) -> dict[int, str]:
    """{export pk: its stored filter as a person reads it ("单位：高一年级分工会；会籍状态：在册")}.

    Units and departments are looked up in one query each for the whole list.
    """
    parsed = {export.pk: QueryDict(export.query) for export in export_list}
    models = {"unit": OrgUnit, "department": Department}
    names: dict[str, dict[str, str]] = {}
    for key, model in models.items():
        pks = {value for params in parsed.values() for value in params.getlist(key) if parse_int(value) is not None}
        # all_objects: an old export may name a unit merged or a department retired since.
        names[key] = {str(pk): name for pk, name in model.all_objects.filter(pk__in=pks).values_list("pk", "name")}
    summaries = {}
    for pk, params in parsed.items():
        parts = []
        for key, values in params.lists():
            definition = MemberFilter.base_filters.get(key)
            label = definition.label if definition is not None else key
            choices = definition.extra.get("choices") if definition is not None else None
            choice_labels = {str(v): str(text) for v, text in choices} if isinstance(choices, list | tuple) else {}
            shown = [names[key].get(v, v) if key in names else choice_labels.get(v, v) for v in values]
            parts.append(f"{label}：{'、'.join(shown)}")
        summaries[pk] = "；".join(parts)
    return summaries


def roster_filter(*, user: Any, params: QueryDict, request: HttpRequest | None = None) -> MemberFilter:
    """The roster list's filter over the members `user` may see, validated.

    The Celery task has no request; the filter gets a bare one carrying the user, which is all the
    filter reads from it (its unit choices are the user's roster units).
    """
    if request is None:
        request = HttpRequest()
        request.user = user
        request.GET = params
    member_filter = MemberFilter(params, queryset=selectors.member_list(user), request=request)
    if not member_filter.is_valid():
        # An invalid filter is ignored by django-filter; exporting the unfiltered roster instead of
        # what the user asked for would be worse than saying so.
        fields = member_filter.form.fields
        raise ValidationError(
            [
                f"{fields[name].label}：{message}" if name in fields else message
                for name, messages in member_filter.errors.items()
                for message in messages
            ]
        )
    return member_filter


def export_queryset(*, user: Any, queryset: QuerySet[Member], full_id_numbers: bool) -> QuerySet[Member]:
    """The rows an export writes: `queryset`, narrowed to the full-number scope when those were asked for."""
    if not full_id_numbers:
        return queryset
    if not access.has_anywhere(user, FULL_ID_PERM):
        raise PermissionDenied(_("您的角色不能导出完整身份证号；可以导出隐去中间位数的花名册。"))
    # Never leak: someone who reads the roster more widely than they may see full numbers (a 财务
    # of the 基层工会 who is also a 分工会 委员) gets only the rows where they may.
    return access.visible(user, FULL_ID_PERM, queryset)


def roster_scope_units(*, user: Any, member_filter: MemberFilter | None = None) -> list[OrgUnit]:
    """The units an export is about: the filtered unit, else the roots of the user's roster scope
    ([] for all units). One query at most."""
    unit = member_filter.form.cleaned_data.get("unit") if member_filter is not None else None
    if unit is not None:
        return [unit]
    roots = access.scope_paths(user, "members.view_member")
    if user.is_superuser or not roots:
        return []
    return list(OrgUnit.objects.filter(path__in=roots).order_by("path"))


def roster_scope_label(
    *, user: Any, member_filter: MemberFilter | None = None, units: list[OrgUnit] | None = None
) -> str:
    """The 单位 line of an export: the filtered unit, else the roots of the user's roster scope."""
    if units is None:
        units = roster_scope_units(user=user, member_filter=member_filter)
    return "、".join(unit.name for unit in units) or gettext("全部单位")


def _roster_rows(
    queryset: QuerySet[Member],
    *,
    full_id_numbers: bool,
    on_progress: Callable[[int], None] | None,
    phone: Callable[[str, str], str] = lambda phone, path: phone,
) -> Iterator[tuple[Any, ...]]:
    # values_list + iterator: one query (a server-side cursor on PostgreSQL), no model instances,
    # so 100,000 rows cost the same memory as 2,000.
    fields = list(_ROW_FIELDS)
    if full_id_numbers:
        fields[fields.index("id_number_masked")] = "id_number_cipher"
    genders = {value: str(label) for value, label in Gender.choices}
    statuses = {value: str(label) for value, label in MemberStatus.choices}
    employment = {value: str(label) for value, label in EmploymentType.choices}
    educations = {value: str(label) for value, label in Education.choices}
    politics = {value: str(label) for value, label in PoliticalStatus.choices}
    yes, no = gettext("是"), gettext("否")
    rows = queryset.order_by(*EXPORT_ORDERING).values_list(*fields).iterator(chunk_size=CHUNK_SIZE)
    for number, row in enumerate(rows, start=1):
        (
            name,
            member_no,
            gender,
            ethnicity,
            id_number,
            birth,
            education,
            political,
            mobile,
            unit,
            department,
            joined,
            card_no,
            status,
            kind,
            front,
            wage,
            path,
        ) = row
        if full_id_numbers:
            id_number = crypto.decrypt(id_number) if id_number else ""
        else:
            birth = birth_shown_with_masked_id(birth)
        yield (
            number,
            name,
            member_no,
            genders.get(gender, gender),
            ethnicity,
            id_number,
            birth,
            educations.get(education, education),
            politics.get(political, political),
            phone(mobile or "", path),
            unit,
            department or "",
            joined,
            card_no,
            statuses.get(status, status),
            employment.get(kind, kind),
            yes if front else no,
            wage,
        )
        if on_progress is not None and number % PROGRESS_EVERY == 0:
            on_progress(number)


def write_roster_xlsx(
    target: IO[bytes],
    *,
    user: Any,
    queryset: QuerySet[Member],
    full_id_numbers: bool,
    unit_label: str = "",
    query: str = "",
    on_progress: Callable[[int], None] | None = None,
    audit_obj: RosterExport | None = None,
    signing_unit: OrgUnit | None = None,
) -> int:
    """Write the 会员花名册 of `queryset` as .xlsx into `target`; returns the number of rows.

    `queryset` must already be scoped to what `user` may read (selectors.member_list); for full
    numbers it is narrowed here once more to `members.view_full_id_number`, and one audit entry
    records the export (row count and `query`, the filter used). The file is always written in the
    site language: it is an official document that the roster import reads back by its headers.
    """
    queryset = export_queryset(user=user, queryset=queryset, full_id_numbers=full_id_numbers)
    if signing_unit is None and not unit_label:
        units = roster_scope_units(user=user)
        unit_label = roster_scope_label(user=user, units=units)
        signing_unit = units[0] if len(units) == 1 else None
    written = 0

    def rows() -> Iterator[tuple[Any, ...]]:
        nonlocal written
        rows = _roster_rows(
            queryset, full_id_numbers=full_id_numbers, on_progress=on_progress, phone=access.phone_masker(user)
        )
        for row in rows:
            written = row[0]
            yield row

    with translation.override(settings.LANGUAGE_CODE):
        write_report_into(
            target,
            title=gettext("会员花名册"),
            unit=unit_label,
            unit_label=gettext("填报单位"),
            period=timezone.localdate().isoformat(),
            period_label=gettext("填报日期"),
            columns=ROSTER_COLUMNS,
            rows=rows(),
            sheet_title=gettext("会员花名册"),
            signatures=roster_signatures(signing_unit),
        )
    with transaction.atomic():
        audit_export(
            actor=user,
            action="member.export_full_id_numbers" if full_id_numbers else "member.export_roster",
            obj=audit_obj,
            unit_pk=roster_audit_unit_pk(user=user, query=query),
            changes={"rows": written, "filter": query},
        )
    return written


def roster_audit_unit_pk(*, user: Any, query: str) -> int | None:
    """The unit an export's audit entry is filed under (the 审计日志 page's scope): the filtered
    unit (the filter accepted it, so it is in the user's scope), else the root of the user's roster
    scope when there is one root."""
    unit_pk = parse_int(QueryDict(query).get("unit"))
    return unit_pk if unit_pk is not None else access.scope_root_pk(user, "members.view_member")


def export_roster_xlsx(
    *,
    user: Any,
    queryset: QuerySet[Member],
    full_id_numbers: bool,
    unit_label: str = "",
    query: str = "",
    signing_unit: OrgUnit | None = None,
) -> bytes:
    """The 会员花名册 of `queryset` as .xlsx bytes: the export in the request (≤ EXPORT_SYNC_LIMIT rows)."""
    buffer = BytesIO()
    write_roster_xlsx(
        buffer,
        user=user,
        queryset=queryset,
        full_id_numbers=full_id_numbers,
        unit_label=unit_label,
        query=query,
        signing_unit=signing_unit,
    )
    return buffer.getvalue()


def roster_export_filename(unit_label: str) -> str:
    return gettext("会员花名册-%(unit)s-%(date)s.xlsx") % {
        "unit": unit_label.replace("、", "_")[:60],
        "date": timezone.localdate().strftime("%Y%m%d"),
    }


def roster_export_create(*, user: Any, query: str, full_id_numbers: bool, total_rows: int) -> RosterExport:
    """Queue a large export for Celery; the task starts once this transaction commits."""
    from .tasks import roster_export_task  # the task module imports this one

    if len(query) > QUERY_MAX_LENGTH:
        raise ValidationError(_("筛选条件过长，无法排队导出，请减少筛选条件后重试。"))
    with transaction.atomic():
        export = RosterExport.objects.create(
            created_by=user, query=query, full_id_numbers=full_id_numbers, total_rows=total_rows
        )
        jobs.send_on_commit(roster_export_task, export.pk)
    return export


def _claim(export_id: int) -> bool:
    """QUEUED → RUNNING, exactly once. A RUNNING export older than the task time limit was killed
    with its worker (acks_late redelivers the message), so it may be claimed again."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    claimed = RosterExport.objects.filter(pk=export_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, processed_rows=0, updated_at=now
    )
    if not claimed:
        claimed = RosterExport.objects.filter(pk=export_id, status=JobStatus.RUNNING, updated_at__lt=stale).update(
            processed_rows=0, updated_at=now
        )
    return claimed == 1


def roster_export_run(*, export_id: int) -> None:
    """Write a queued export's file (the Celery task's body). Running it again does nothing.

    The stored filter is applied again through MemberFilter over selectors.member_list of the
    export's creator, so the access policy of now, not of the moment of the request, decides
    the rows. Not one transaction: processed_rows must be visible to the progress bar meanwhile.
    """
    if not _claim(export_id):
        return
    export = RosterExport.objects.select_related("created_by").get(pk=export_id)
    user = export.created_by
    rows = RosterExport.objects.filter(pk=export_id)

    def on_progress(done: int) -> None:
        rows.update(processed_rows=done, updated_at=timezone.now())

    try:
        member_filter = roster_filter(user=user, params=QueryDict(export.query))
        queryset = member_filter.qs
        total = export_queryset(user=user, queryset=queryset, full_id_numbers=export.full_id_numbers).count()
        rows.update(total_rows=total, updated_at=timezone.now())
        units = roster_scope_units(user=user, member_filter=member_filter)
        unit_label = roster_scope_label(user=user, units=units)
        # Written to a temporary file, then copied into storage in chunks: the worker never holds
        # the whole file (8 MiB for 100,000 rows) in memory. The temporary file is unnamed (gone
        # with its handle, also on a crash), and the 身份证号 it holds stay off any other path.
        with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as spool:
            write_roster_xlsx(
                spool,
                user=user,
                queryset=queryset,
                full_id_numbers=export.full_id_numbers,
                unit_label=unit_label,
                query=export.query,
                on_progress=on_progress,
                audit_obj=export,
                signing_unit=units[0] if len(units) == 1 else None,
            )
            spool.seek(0)
            filename = roster_export_filename(unit_label)
            export.file.save(filename, File(spool, name=filename), save=False)
        rows.update(
            status=JobStatus.DONE,
            file=export.file.name,
            total_rows=total,
            processed_rows=total,
            message="",
            updated_at=timezone.now(),
        )
    except (PermissionDenied, ValidationError) as exc:
        message = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        rows.update(status=JobStatus.FAILED, message=message, updated_at=timezone.now())
    except Exception:
        # Recorded on the row, where the user looks; the traceback goes to the log. Not re-raised:
        # a retry would find the row FAILED and do nothing anyway.
        logger.exception("roster export %s failed", export_id)
        rows.update(
            status=JobStatus.FAILED,
            message=gettext("导出失败，请稍后重试；如果仍然失败，请联系系统管理员。"),
            updated_at=timezone.now(),
        )


def roster_export_requeue(*, now: datetime | None = None) -> list[int]:
    """The sweep (beat, every minute): send again the exports that wait for a worker in vain.

    A QUEUED export untouched for RESEND_AFTER had its message never sent (broker down when it was
    requested) or lost (a Redis restart): it is sent again. A RUNNING one untouched for the task time
    limit lost its worker (no live task runs that long, and progress touches the row): it goes back
    to QUEUED and is sent again. Each row is won by a conditional update, so two sweeps at once send
    it once; an extra message for a row already claimed does nothing (_claim). Returns the ids sent.
    """
    from .tasks import roster_export_task  # the task module imports this one

    now = now or timezone.now()
    dead_before = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    waiting = RosterExport.objects.filter(
        Q(status=JobStatus.QUEUED, updated_at__lt=now - jobs.RESEND_AFTER)
        | Q(status=JobStatus.RUNNING, updated_at__lt=dead_before)
    )
    reset = {"status": JobStatus.QUEUED, "processed_rows": 0, "updated_at": now}
    sent, _reachable = jobs.resend(waiting, roster_export_task, reset=reset)
    if sent:
        logger.warning("roster exports sent again (lost message or dead worker): %s", sent)
    return sent


def unit_roster_pdf_context(*, user: Any, unit: OrgUnit, status: str = MemberStatus.ACTIVE) -> dict[str, Any]:
    """What roster_pdf.html prints: the members of `unit` and the units below it, masked IDs only."""
    # The cipher is never decrypted here; deferring it keeps it out of memory as well.
    members = (
        selectors.member_list(user, unit=unit, status=status)
        .defer("id_number_cipher", "id_number_hash")
        .order_by(*EXPORT_ORDERING)
    )
    rows = list(members[: PDF_ROW_LIMIT + 1])
    shown = access.phone_masker(user)
    for member in rows:  # shown, never saved
        member.phone = shown(member.phone, member.org_unit.path)
        # 出生年月 beside a masked 身份证号: the year only (the month would narrow the hidden digits).
        member.birth_shown = birth_shown_with_masked_id(member.birth_date)
    if len(rows) > PDF_ROW_LIMIT:
        raise ValidationError(
            _("“%(unit)s”的会员超过 %(limit)s 人，打印版请按分工会分别生成，或导出 Excel 花名册。"),
            params={"unit": unit.name, "limit": PDF_ROW_LIMIT},
        )
    # Grouped by unit (the 分工会 itself, then each 小组), numbered straight through.
    groups: list[tuple[OrgUnit, list[tuple[int, Member]]]] = []
    for number, member in enumerate(rows, start=1):
        if not groups or groups[-1][0].pk != member.org_unit_id:
            groups.append((member.org_unit, []))
        groups[-1][1].append((number, member))
    return {
        "unit": unit,
        "groups": groups,
        "member_count": len(rows),
        "status_label": MemberStatus(status).label if status else gettext("全部会籍状态"),
        "print_date": timezone.localdate(),
        "has_subunits": any(member.org_unit_id != unit.pk for member in rows),
        # One status printed in the heading; a roster of every status says each member's.
        "show_status": not status,
        "column_count": 12 if status else 13,
    }
