"""Recurring activities as rows: materialising occurrences, their audience, and their reminders.

docs/activities.md "Recurring activities". A beat task (activities/tasks.py) keeps every schedule's
occurrences materialised for a rolling HORIZON and plans the reminders of those about to start.
Both are idempotent and safe with two beats at once:

- an occurrence is unique per (schedule, date), inserted with ON CONFLICT DO NOTHING;
- an occurrence's reminders are planned by whoever wins `reminders_planned_at` (a conditional
  update), a schedule's monthly digest by whoever wins `digest_planned_for`;
- the reminders themselves are the kernel's rows, each delivered exactly once by its dispatcher.
"""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Member, MemberStatus
from union_office.notifications import Delivery, Reminder, reminders_cancel, reminders_schedule_many

from .models import (
    Attendance,
    AttendanceStatus,
    Audience,
    AudienceReminders,
    Eligibility,
    Occurrence,
    OccurrenceStatus,
    Schedule,
    ScheduleException,
)
from .recurrence import rule_dates

# How far ahead occurrences exist as rows.
HORIZON = dt.timedelta(days=61)
# How far ahead the reminders of an occurrence are planned: the day-before reminder must exist
# before its due time, and the 5-minute planner run must see it in time.
PLAN_AHEAD = dt.timedelta(days=2)
# Audiences larger than this get the monthly digest when the activity says "自动".
LARGE_AUDIENCE = 200

LEAD = "activities.occurrence_lead"
UPCOMING = "activities.occurrence_upcoming"
DIGEST = "activities.occurrence_digest"
CHANGED = "activities.occurrence_changed"

EVE_AT = dt.time(9, 0)
MORNING_AT = dt.time(7, 30)


# --- Materialising ------------------------------------------------------------------------------


def _aware(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def _row(schedule: Schedule, day: dt.date, *, cancelled: bool = False, note: str = "") -> Occurrence:
    """The occurrence the rule gives on `day` (unsaved)."""
    return Occurrence(
        schedule=schedule,
        date=day,
        starts_at=_aware(day, schedule.start_time),
        ends_at=_aware(day, schedule.end_time),
        place=schedule.place,
        status=OccurrenceStatus.CANCELLED if cancelled else OccurrenceStatus.SCHEDULED,
        note=note,
    )


def _rows(schedule: Schedule, today: dt.date, skipped: set[dt.date]) -> list[Occurrence]:
    return [_row(schedule, day, cancelled=day in skipped) for day in rule_dates(schedule, today, today + HORIZON)]


def _insert_missing(rows: list[Occurrence], today: dt.date) -> int:
    """Insert the rows whose (schedule, date) is not stored yet; existing rows are never touched,
    so a second or concurrent run inserts nothing (ON CONFLICT DO NOTHING covers the race)."""
    if not rows:
        return 0
    existing = set(
        Occurrence.objects.filter(
            schedule__in={row.schedule_id for row in rows}, date__gte=today, date__lte=today + HORIZON
        ).values_list("schedule_id", "date")
    )
    missing = [row for row in rows if (row.schedule_id, row.date) not in existing]
    Occurrence.objects.bulk_create(missing, ignore_conflicts=True, batch_size=2000)
    return len(missing)


def materialise(schedule: Schedule, *, today: dt.date | None = None) -> int:
    """Insert the schedule's missing occurrences from today to the horizon; returns how many.

    Dates skipped before they were materialised (ScheduleException) are inserted cancelled.
    """
    today = today or timezone.localdate()
    skipped = set(schedule.exceptions.filter(date__gte=today).values_list("date", flat=True))
    return _insert_missing(_rows(schedule, today, skipped), today)


def materialise_all(*, today: dt.date | None = None) -> int:
    """Every live schedule, 500 at a time: three queries a batch, not three a schedule."""
    today = today or timezone.localdate()
    live = Schedule.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today)).order_by("pk")
    added, last = 0, 0
    while batch := list(live.filter(pk__gt=last)[:500]):
        last = batch[-1].pk
        skipped: dict[int, set[dt.date]] = {}
        for schedule_id, day in ScheduleException.objects.filter(schedule__in=batch, date__gte=today).values_list(
            "schedule_id", "date"
        ):
            skipped.setdefault(schedule_id, set()).add(day)
        rows = [row for schedule in batch for row in _rows(schedule, today, skipped.get(schedule.pk, set()))]
        added += _insert_missing(rows, today)
    return added


# --- Audience -----------------------------------------------------------------------------------


def audience_members(schedule: Schedule) -> QuerySet[Member]:
    """The members the activity is for (whether or not they have a login)."""
    if schedule.audience == Audience.GROUP:
        members = Member.objects.filter(interest_groups=schedule.audience_group_id)
    elif schedule.audience == Audience.MEMBERS:
        members = schedule.audience_members.all()
    else:
        unit = schedule.audience_unit if schedule.audience == Audience.UNIT else schedule.org_unit
        members = Member.objects.filter(org_unit__path__startswith=unit.path)
    if schedule.eligibility == Eligibility.RETIREES:
        return members.filter(status=MemberStatus.RETIRED)
    members = members.filter(status=MemberStatus.ACTIVE)
    if schedule.eligibility == Eligibility.WOMEN:
        members = members.filter(gender=Member.Gender.FEMALE)
    return members


def audience_refusal(schedule: Schedule, member: Member | None) -> str | None:
    """Why `member` is not in the activity's audience, in words for them; None when they are."""
    if member is None or not audience_members(schedule).filter(pk=member.pk).exists():
        return _("您不在“%(title)s”的参加范围内。") % {"title": schedule.title}
    return None


def audience_users(schedule: Schedule) -> QuerySet:
    """The audience's logins as `.values(uid=…)`: reminders_schedule_many inserts from this query
    itself, so a large audience never travels to Python."""
    return audience_members(schedule).filter(user__isnull=False).values(uid=F("user_id"))


def reminder_mode(schedule: Schedule, users: QuerySet) -> str:
    """Each, digest or none; "自动" counts the audience (the one case that needs its size)."""
    if schedule.audience_reminders != AudienceReminders.AUTO:
        return schedule.audience_reminders
    return AudienceReminders.DIGEST if users.count() > LARGE_AUDIENCE else AudienceReminders.EACH


# --- Reminder texts -----------------------------------------------------------------------------


def when_text(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    starts, ends = timezone.localtime(starts_at), timezone.localtime(ends_at)
    return f"{starts.month}月{starts.day}日 {starts:%H:%M}–{ends:%H:%M}"


def what_when_where(occurrence: Occurrence) -> str:
    """读书分享会（5月8日 14:00–16:00，图书馆三楼）: the body every subject is built around, once."""
    return _("%(title)s（%(when)s，%(place)s）") % {
        "title": occurrence.schedule.title,
        "when": when_text(occurrence.starts_at, occurrence.ends_at),
        "place": occurrence.place or _("地点另行通知"),
    }


def occurrence_url(occurrence: Occurrence) -> str:
    return reverse("activities:occurrence_detail", args=[occurrence.pk])


def _stamp(occurrence: Occurrence) -> str:
    return f"{timezone.localtime(occurrence.starts_at):%Y%m%d%H%M}"


# --- Planning the reminders ---------------------------------------------------------------------


def _lead_times(occurrence: Occurrence, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """The 负责人's reminders: the day before at 09:00 and the morning of at 07:30 (an hour before
    an early start). One planned late is sent at once, but never two at once."""
    day = timezone.localtime(occurrence.starts_at).date()
    eve = _aware(day - dt.timedelta(days=1), EVE_AT)
    morning = min(_aware(day, MORNING_AT), occurrence.starts_at - dt.timedelta(hours=1))
    times = [("eve", eve), ("morning", morning)]
    future = [(name, due) for name, due in times if due > now]
    return future or [("morning", now)]


def _audience_due(occurrence: Occurrence, now: dt.datetime) -> dt.datetime:
    day = timezone.localtime(occurrence.starts_at).date()
    return max(_aware(day - dt.timedelta(days=1), EVE_AT), now)


def plan_occurrence_reminders(occurrence: Occurrence, *, now: dt.datetime) -> int:
    """Schedule the 负责人's and (per the activity's choice) the audience's reminders; the caller
    has won the occurrence's `reminders_planned_at`. Returns the deliveries added."""
    schedule = occurrence.schedule
    stamp, text, url = _stamp(occurrence), what_when_where(occurrence), occurrence_url(occurrence)
    added = 0
    lead_user = schedule.responsible.user_id if schedule.responsible_id else None
    if lead_user:
        for name, due in _lead_times(occurrence, now):
            added += reminders_schedule_many(
                kind=LEAD,
                recipient_ids=[lead_user],
                due_at=due,
                subject=_("您负责的活动：%(what)s") % {"what": text},
                url=url,
                source=occurrence,
                key=f"{name}-{stamp}",
            )
    users = audience_users(schedule)
    if reminder_mode(schedule, users) == AudienceReminders.EACH:
        added += reminders_schedule_many(
            kind=UPCOMING,
            recipient_ids=users,
            due_at=_audience_due(occurrence, now),
            subject=_("活动提醒：%(what)s") % {"what": text},
            body=schedule.description[:2000],
            url=url,
            source=occurrence,
            key=f"before-{stamp}",
        )
    return added


def plan_digest(schedule: Schedule, *, now: dt.datetime) -> int:
    """This month's digest for a large audience: one message listing the month's dates."""
    today = timezone.localdate(now)
    month = f"{today:%Y-%m}"
    users = audience_users(schedule)
    if reminder_mode(schedule, users) != AudienceReminders.DIGEST:
        return 0
    dates = list(
        schedule.occurrences.filter(
            status=OccurrenceStatus.SCHEDULED, date__gte=today, date__year=today.year, date__month=today.month
        )
    )
    if not dates:
        return 0
    with transaction.atomic():
        won = Schedule.objects.filter(pk=schedule.pk).exclude(digest_planned_for=month).update(digest_planned_for=month)
        if not won:
            return 0
        lines = "\n".join(f"· {when_text(o.starts_at, o.ends_at)}，{o.place or _('地点另行通知')}" for o in dates)
        return reminders_schedule_many(
            kind=DIGEST,
            recipient_ids=users,
            due_at=max(_aware(today.replace(day=1), MORNING_AT), now),
            subject=_("本月活动：%(title)s（%(count)s 次）") % {"title": schedule.title, "count": len(dates)},
            body=lines,
            url=reverse("activities:schedule_detail", args=[schedule.pk]),
            source=schedule,
            key=f"digest-{month}",
        )


def plan_due_reminders(*, now: dt.datetime | None = None) -> int:
    """Plan the reminders of every occurrence starting within PLAN_AHEAD, and this month's digests.

    Each occurrence is claimed with a conditional update inside its own transaction, so two
    planners running at once plan each occurrence once (the loser's update waits on the row lock,
    then matches nothing).
    """
    now = now or timezone.now()
    added = 0
    due = Occurrence.objects.filter(
        status=OccurrenceStatus.SCHEDULED,
        reminders_planned_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + PLAN_AHEAD,
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            if not Occurrence.objects.filter(pk=pk, reminders_planned_at__isnull=True).update(reminders_planned_at=now):
                continue
            occurrence = Occurrence.objects.select_related("schedule__responsible", "schedule__org_unit").get(pk=pk)
            added += plan_occurrence_reminders(occurrence, now=now)
    month = f"{timezone.localdate(now):%Y-%m}"
    digests = Schedule.objects.exclude(digest_planned_for=month).exclude(audience_reminders=AudienceReminders.NONE)
    for schedule in digests.exclude(audience_reminders=AudienceReminders.EACH).select_related("org_unit"):
        added += plan_digest(schedule, now=now)
    return added


# --- Cancelled or moved: one notice to those already told ---------------------------------------


def _reminded_user_ids(occurrence: Occurrence) -> set[int]:
    """Who was already told of this occurrence: a sent reminder of it, the sent digest of its
    month, or a place signed up for it."""
    sent = Delivery.objects.filter(state=Delivery.State.SENT).values("reminder_id")
    direct = Reminder.objects.filter(
        pk__in=sent,
        source_type=ContentType.objects.get_for_model(Occurrence),
        source_id=str(occurrence.pk),
        kind__in=(LEAD, UPCOMING),
    )
    digest = Reminder.objects.filter(
        pk__in=sent,
        source_type=ContentType.objects.get_for_model(Schedule),
        source_id=str(occurrence.schedule_id),
        kind=DIGEST,
        key=f"digest-{occurrence.date:%Y-%m}",
    )
    ids = set(direct.values_list("recipient_id", flat=True)) | set(digest.values_list("recipient_id", flat=True))
    holders = Attendance.objects.filter(
        occurrence=occurrence,
        status__in=(AttendanceStatus.SIGNED_UP, AttendanceStatus.WAITLISTED),
        member__user__isnull=False,
    )
    return ids | set(holders.values_list("member__user_id", flat=True))


def notify_changed(occurrence: Occurrence, *, before: Occurrence | None = None) -> int:
    """After a skip or a move: withdraw the pending reminders and tell those already reminded,
    once (the key names the old time and the new state). `before` is the occurrence as it was."""
    before = before or occurrence
    users = _reminded_user_ids(before)
    # Not the notices: an earlier 取消 notice still pending must go out.
    for kind in (LEAD, UPCOMING):
        reminders_cancel(source=occurrence, kind=kind)
    if occurrence.status == OccurrenceStatus.CANCELLED:
        subject = _("活动取消：%(what)s") % {"what": what_when_where(before)}
        key = f"cancel-{_stamp(before)}"
    else:
        subject = _("活动变更：%(title)s 改为 %(when)s，%(place)s") % {
            "title": occurrence.schedule.title,
            "when": when_text(occurrence.starts_at, occurrence.ends_at),
            "place": occurrence.place or _("地点另行通知"),
        }
        key = f"change-{_stamp(before)}-{_stamp(occurrence)}"
    if not users:
        return 0
    return reminders_schedule_many(
        kind=CHANGED,
        recipient_ids=users,
        due_at=timezone.now(),
        subject=subject,
        body=occurrence.note,
        url=occurrence_url(occurrence),
        source=occurrence,
        key=key,
    )


def occurrence_skip(*, schedule: Schedule, date: dt.date, reason: str) -> Occurrence | None:
    """Mark the occurrence of `date` cancelled (inserting it cancelled when not materialised yet)
    and tell those already reminded. Called by schedule_skip inside its transaction."""
    occurrence = Occurrence.objects.select_for_update().filter(schedule=schedule, date=date).first()
    if occurrence is None:  # beyond the horizon: the row is written now, already cancelled
        Occurrence.objects.bulk_create([_row(schedule, date, cancelled=True, note=reason)], ignore_conflicts=True)
        return Occurrence.objects.filter(schedule=schedule, date=date).first()
    if occurrence.status == OccurrenceStatus.CANCELLED:
        return occurrence
    occurrence.status = OccurrenceStatus.CANCELLED
    occurrence.note = reason
    occurrence.save(update_fields=["status", "note"])
    occurrence.schedule = schedule
    notify_changed(occurrence)
    return occurrence


def occurrence_unskip(*, schedule: Schedule, date: dt.date) -> None:
    """Back to scheduled; its reminders are planned again (under a new key if the time moved)."""
    Occurrence.objects.filter(
        schedule=schedule, date=date, status=OccurrenceStatus.CANCELLED, starts_at__gt=timezone.now()
    ).update(status=OccurrenceStatus.SCHEDULED, note="", reminders_planned_at=None)
