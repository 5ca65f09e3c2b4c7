"""报名名单 as a formatted .xlsx (union_office.xlsx): the organiser's list for the venue or the bus."""

import datetime as dt
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from union_office.xlsx import Column, write_report

from . import selectors
from .models import Attendance, AttendanceStatus, Event, Occurrence, OccurrenceStatus, Schedule
from .occurrences import audience_members

COLUMNS = [
    Column("序号", 6, "int"),
    Column("姓名", 10),
    Column("性别", 6),
    Column("单位", 22),
    Column("部门", 16),
    Column("手机号", 14),
    Column("状态", 8),
    Column("比赛项目", 24),
    Column("报名时间", 18),
    Column("签到时间", 10),
]


def signup_workbook(event: Event) -> bytes:
    rows = []
    for number, signup in enumerate(selectors.roster(event), start=1):
        member = signup.member
        rows.append(
            [
                number,
                member.name,
                member.get_gender_display(),
                member.org_unit.name,
                member.department.name if member.department else "",
                member.phone,
                signup.get_status_display(),
                "、".join(entry.sub_event.name for entry in signup.entries.all()),
                # A date and time a spreadsheet can sort and filter, not text.
                timezone.localtime(signup.queued_at).replace(second=0, microsecond=0),
                f"{timezone.localtime(signup.checked_in_at):%H:%M}" if signup.checked_in_at else "",
            ]
        )
    starts = timezone.localtime(event.starts_at)
    return write_report(
        title=f"{event.title} 报名名单",
        unit=event.org_unit.name,
        period=f"{starts:%Y-%m-%d %H:%M} {event.place}",
        period_label=_("时间地点"),
        columns=COLUMNS,
        rows=rows,
        sheet_title="报名名单",
        empty_text=_("无报名"),
    )


ATTENDANCE_COLUMNS = [
    Column("序号", 6, "int"),
    Column("姓名", 10),
    Column("单位", 22),
    Column("出勤次数", 10, "int"),
    Column("活动次数", 10, "int"),
    Column("出勤率", 10, "percent"),
]


def attendance_workbook(schedule: Schedule, year: int) -> bytes:
    """出勤统计 of a recurring activity over one year: each audience member's check-ins against the
    occurrences held so far (cancelled ones do not count), for the unit's 考核."""
    held = Occurrence.objects.filter(
        schedule=schedule, date__year=year, status=OccurrenceStatus.SCHEDULED, starts_at__lte=timezone.now()
    )
    total = held.count()
    attended = dict(
        Attendance.objects.filter(occurrence__in=held, status=AttendanceStatus.CHECKED_IN)
        .values("member_id")
        .annotate(n=Count("pk"))
        .values_list("member_id", "n")
    )
    members = audience_members(schedule).select_related("org_unit").order_by("org_unit__path", "name", "pk")
    rows = []
    for number, member in enumerate(members.iterator(chunk_size=2000), start=1):
        count = attended.get(member.pk, 0)
        rate = count / total if total else "—"  # a fraction the percent format shows, sortable
        rows.append([number, member.name, member.org_unit.name, count, total, rate])
    return write_report(
        title=f"{schedule.title} {year}年出勤统计",
        unit=schedule.org_unit.name,
        period=f"{year}年（截至 {timezone.localdate():%Y-%m-%d}，已举行 {total} 次）",
        columns=ATTENDANCE_COLUMNS,
        rows=rows,
        sheet_title="出勤统计",
        orientation="portrait",
    )


MEMBER_ATTENDANCE_COLUMNS = [
    Column("序号", 6, "int"),
    Column("姓名", 10),
    Column("单位", 22),
    Column("活动报名", 10, "int"),
    Column("活动签到", 10, "int"),
    Column("周期活动报名", 12, "int"),
    Column("周期活动签到", 12, "int"),
]


def member_attendance_workbook(unit: Any, start: dt.date, end: dt.date) -> bytes:
    """会员参加活动统计 of a unit subtree over a period: every member, streamed, with the counts of
    `selectors.member_attendance`."""
    members, row_of = selectors.member_attendance(unit, start, end)

    def rows() -> Any:
        for number, member in enumerate(members.iterator(chunk_size=2000), start=1):
            row = row_of(member)
            counts = [row.event_signups, row.event_checkins, row.occurrence_signups, row.occurrence_checkins]
            yield [number, member.name, member.org_unit.name, *counts]

    return write_report(
        title=_("会员参加活动统计"),
        unit=unit.name,
        period=f"{start:%Y-%m-%d} — {end:%Y-%m-%d}",
        columns=MEMBER_ATTENDANCE_COLUMNS,
        rows=rows(),
        sheet_title="参加活动统计",
        empty_text=_("该单位没有会员"),
    )
