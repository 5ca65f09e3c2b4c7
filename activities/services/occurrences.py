"""Writes on the occurrences of recurring activities: rule edits, skips, moves, sign-up, check-in.

Lock order, everywhere: the schedule row, then its occurrence rows, then attendance rows.
Past occurrences (already started) and their attendance are never changed by a rule edit.
"""

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members import access
from members.models import Member
from union_office.audit import audit_record
from union_office.notifications import notify

from .. import workflow
from ..models import Attendance, AttendanceStatus, Occurrence, OccurrenceStatus, Recurrence, Schedule
from ..occurrences import audience_refusal, materialise, notify_changed, occurrence_url, what_when_where
from ..recurrence import describe, rule_dates
from .common import ActivityError, own_member
from .reminders import PROMOTED
from .schedules import WEEKDAY_RULES, _check

# The fields of a schedule whose change moves its future occurrences.
RULE_FIELDS = (
    "recurrence",
    "weekday",
    "day",
    "month_of_quarter",
    "week_of_month",
    "start_time",
    "end_time",
    "starts_on",
    "ends_on",
)
# 签到 opens this long before the start and closes at the end.
CHECK_IN_EARLY = dt.timedelta(minutes=30)


def _snapshot(occurrence: Occurrence) -> Occurrence:
    """An unsaved copy of the occurrence as it is now: the notice names the old time."""
    return Occurrence(**{f.attname: getattr(occurrence, f.attname) for f in Occurrence._meta.concrete_fields})


def _locked_schedule(schedule_id: int) -> Schedule:
    return Schedule.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=schedule_id)


def schedule_rule_update(*, actor: Any, schedule_id: int, place: str | None = None, **rule: Any) -> Schedule:
    """Change the rule, the times or the place: future occurrences follow, past ones stay.

    A future occurrence whose date the new rule no longer gives is cancelled (kept, so its
    reminders and sign-ups have something to point at); one whose time or place changed is moved.
    Either way those already reminded get one 取消/变更 notice.
    """
    unknown = set(rule) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"not rule fields: {sorted(unknown)}")
    now = timezone.now()
    with transaction.atomic():
        schedule = _locked_schedule(schedule_id)
        access.require(actor, workflow.MANAGE, schedule.org_unit)
        before = {name: getattr(schedule, name) for name in RULE_FIELDS} | {"place": schedule.place}
        values = {name: getattr(schedule, name) for name in RULE_FIELDS} | rule | {"title": schedule.title}
        if values["recurrence"] not in WEEKDAY_RULES:
            values["weekday"] = None
        if values["recurrence"] != Recurrence.NTH_WEEKDAY:
            values["week_of_month"] = None
        _check(values)
        for name in RULE_FIELDS:
            setattr(schedule, name, values[name])
        if place is not None:
            schedule.place = place.strip()
        schedule.save()
        future = list(
            Occurrence.objects.select_for_update()
            .filter(schedule=schedule, starts_at__gt=now, status=OccurrenceStatus.SCHEDULED)
            .order_by("date")
        )
        if future:
            dates = set(rule_dates(schedule, future[0].date, future[-1].date))
        for occurrence in future:
            old = _snapshot(occurrence)
            old.schedule = schedule
            if occurrence.date not in dates:
                occurrence.status = OccurrenceStatus.CANCELLED
                occurrence.note = _("活动规则已改为%(rule)s") % {"rule": describe(schedule)}
            else:
                occurrence.starts_at = timezone.make_aware(dt.datetime.combine(occurrence.date, schedule.start_time))
                occurrence.ends_at = timezone.make_aware(dt.datetime.combine(occurrence.date, schedule.end_time))
                occurrence.place = schedule.place
                if (occurrence.starts_at, occurrence.ends_at, occurrence.place) == (
                    old.starts_at,
                    old.ends_at,
                    old.place,
                ):
                    continue
                occurrence.reminders_planned_at = None
            occurrence.save(update_fields=["status", "note", "starts_at", "ends_at", "place", "reminders_planned_at"])
            notify_changed(occurrence, before=old)
        materialise(schedule)
        after = {name: getattr(schedule, name) for name in RULE_FIELDS} | {"place": schedule.place}
        audit_record(
            actor=actor,
            action="activities.schedule.update",
            obj=schedule,
            changes={k: [str(before[k]), str(after[k])] for k in after if before[k] != after[k]},
        )
    return schedule


def occurrence_move(
    *, actor: Any, occurrence_id: int, starts_at: dt.datetime, ends_at: dt.datetime, place: str | None = None
) -> Occurrence:
    """Move one occurrence (an override: the feed keeps its date as RECURRENCE-ID)."""
    if ends_at <= starts_at:
        raise ActivityError({"ends_at": _("结束时间须晚于开始时间。")})
    if starts_at <= timezone.now():
        raise ActivityError({"starts_at": _("不能把活动改到已经过去的时间。")})
    with transaction.atomic():
        schedule_id = Occurrence.objects.values_list("schedule_id", flat=True).get(pk=occurrence_id)
        schedule = _locked_schedule(schedule_id)
        access.require(actor, workflow.MANAGE, schedule.org_unit)
        occurrence = Occurrence.objects.select_for_update().get(pk=occurrence_id)
        if occurrence.status != OccurrenceStatus.SCHEDULED or occurrence.starts_at <= timezone.now():
            raise ActivityError(_("已取消或已开始的活动不能改期。"))
        old = _snapshot(occurrence)
        old.schedule = schedule
        occurrence.starts_at, occurrence.ends_at = starts_at, ends_at
        if place is not None:
            occurrence.place = place.strip()
        occurrence.reminders_planned_at = None
        occurrence.save(update_fields=["starts_at", "ends_at", "place", "reminders_planned_at"])
        occurrence.schedule = schedule
        notify_changed(occurrence, before=old)
        audit_record(
            actor=actor,
            action="activities.occurrence.move",
            obj=schedule,
            changes={"date": occurrence.date.isoformat(), "starts_at": starts_at.isoformat()},
        )
    return occurrence


# --- Sign-up and check-in -----------------------------------------------------------------------


def _locked_occurrence(occurrence_id: int) -> Occurrence:
    return (
        Occurrence.objects.select_for_update(of=("self",))
        .select_related("schedule__org_unit", "schedule__audience_unit")
        .get(pk=occurrence_id)
    )


def occurrence_signup(*, actor: Any, occurrence_id: int) -> Attendance:
    """Sign up for one occurrence of an activity with a capacity; full means waitlisted."""
    member = own_member(actor)
    with transaction.atomic():
        occurrence = _locked_occurrence(occurrence_id)
        schedule = occurrence.schedule
        if schedule.capacity is None:
            raise ActivityError(_("本活动无需报名，按时参加即可。"))
        if occurrence.status != OccurrenceStatus.SCHEDULED or occurrence.starts_at <= timezone.now():
            raise ActivityError(_("这次活动已取消或已开始，不能报名。"))
        refusal = audience_refusal(schedule, member)
        if refusal:
            raise ActivityError(refusal)
        taken = Attendance.objects.filter(
            occurrence=occurrence, status__in=(AttendanceStatus.SIGNED_UP, AttendanceStatus.CHECKED_IN)
        ).count()
        status = AttendanceStatus.SIGNED_UP if taken < schedule.capacity else AttendanceStatus.WAITLISTED
        attendance, created = Attendance.objects.select_for_update().get_or_create(
            occurrence=occurrence, member=member, defaults={"status": status, "queued_at": timezone.now()}
        )
        if not created:
            if attendance.status != AttendanceStatus.CANCELLED:
                raise ActivityError(_("您已报名这次活动。"))
            attendance.status, attendance.queued_at = status, timezone.now()
            attendance.save(update_fields=["status", "queued_at"])
        audit_record(
            actor=actor, action="activities.occurrence.signup", obj=schedule, changes={"date": str(occurrence.date)}
        )
    return attendance


def occurrence_signup_cancel(*, actor: Any, occurrence_id: int) -> Attendance:
    """Give the place back; the first on the waitlist takes it (as events do) and is told."""
    member = own_member(actor)
    with transaction.atomic():
        occurrence = _locked_occurrence(occurrence_id)
        attendance = Attendance.objects.select_for_update().filter(occurrence=occurrence, member=member).first()
        if attendance is None or attendance.status not in (AttendanceStatus.SIGNED_UP, AttendanceStatus.WAITLISTED):
            raise ActivityError(_("您没有报名这次活动。"))
        if occurrence.starts_at <= timezone.now():
            raise ActivityError(_("这次活动已开始，不能取消报名。"))
        held_place = attendance.status == AttendanceStatus.SIGNED_UP
        attendance.status = AttendanceStatus.CANCELLED
        attendance.save(update_fields=["status"])
        if held_place:
            first = (
                Attendance.objects.select_for_update()
                .filter(occurrence=occurrence, status=AttendanceStatus.WAITLISTED)
                .select_related("member")
                .order_by("queued_at", "pk")
                .first()
            )
            if first is not None:
                first.status = AttendanceStatus.SIGNED_UP
                first.save(update_fields=["status"])
                if first.member.user_id:
                    notify(
                        kind=PROMOTED,
                        recipient=first.member.user,
                        subject=_("候补成功：您已获得“%(what)s”的名额") % {"what": what_when_where(occurrence)},
                        url=occurrence_url(occurrence),
                        source=occurrence,
                        key=f"promoted-{first.member_id}",
                    )
        audit_record(
            actor=actor,
            action="activities.occurrence.cancel",
            obj=occurrence.schedule,
            changes={"date": str(occurrence.date)},
        )
    return attendance


def check_in_window_refusal(occurrence: Occurrence, now: dt.datetime) -> str | None:
    if occurrence.status != OccurrenceStatus.SCHEDULED:
        return _("这次活动已取消。")
    opens = occurrence.starts_at - CHECK_IN_EARLY
    if not opens <= now <= occurrence.ends_at:
        return _("签到时间为 %(opens)s 至 %(closes)s。") % {
            "opens": f"{timezone.localtime(opens):%m-%d %H:%M}",
            "closes": f"{timezone.localtime(occurrence.ends_at):%H:%M}",
        }
    return None


def occurrence_check_in(
    *, actor: Any, occurrence_id: int, member: Member | None = None, token: str | None = None
) -> Attendance:
    """签到: the member scanning the venue's QR code (token given, member is themselves), or the
    负责人/organiser ticking a member on the list (member given). Once per member; only in the
    occurrence's window; only for its audience (and, with a capacity, only with a place)."""
    now = timezone.now()
    with transaction.atomic():
        occurrence = _locked_occurrence(occurrence_id)
        schedule = occurrence.schedule
        if member is None:
            member = own_member(actor)
            if token is None or token != occurrence.checkin_token:
                raise ActivityError(_("签到码无效，请重新扫描现场的二维码。"))
        else:
            is_lead = schedule.responsible_id is not None and schedule.responsible.user_id == actor.pk
            if not is_lead:
                access.require(actor, workflow.MANAGE, schedule.org_unit)
        refusal = check_in_window_refusal(occurrence, now) or audience_refusal(schedule, member)
        if refusal:
            raise ActivityError(refusal)
        attendance = Attendance.objects.select_for_update().filter(occurrence=occurrence, member=member).first()
        if schedule.capacity is not None and (
            attendance is None or attendance.status not in (AttendanceStatus.SIGNED_UP, AttendanceStatus.CHECKED_IN)
        ):
            raise ActivityError(_("本活动需报名，您没有这次活动的名额。"))
        if attendance is not None and attendance.status == AttendanceStatus.CHECKED_IN:
            raise ActivityError(
                _("%(name)s 已于 %(when)s 签到。")
                % {
                    "name": member.name,
                    "when": f"{timezone.localtime(attendance.checked_in_at):%H:%M}",
                }
            )
        if attendance is None:
            try:
                with transaction.atomic():
                    attendance = Attendance.objects.create(
                        occurrence=occurrence,
                        member=member,
                        status=AttendanceStatus.CHECKED_IN,
                        queued_at=now,
                        checked_in_at=now,
                        checked_in_by=actor,
                    )
            except IntegrityError:  # the same member's second tap, a moment earlier
                raise ActivityError(_("%(name)s 已签到。") % {"name": member.name}) from None
        else:
            attendance.status, attendance.checked_in_at, attendance.checked_in_by = (
                AttendanceStatus.CHECKED_IN,
                now,
                actor,
            )
            attendance.save(update_fields=["status", "checked_in_at", "checked_in_by"])
        audit_record(
            actor=actor,
            action="activities.occurrence.check_in",
            obj=schedule,
            changes={"date": str(occurrence.date), "member": member.pk},
        )
    return attendance
