"""Reminders of plans (issue 6, item 7), as rows of the kernel (union_office.notifications).

Two kinds, which users see on 待提醒与免打扰 and may mute:
- `plans.item_due` 工作时限提醒: for an open item (未开始/进行中) of an approved or running plan,
  "approaching" at 9:00 seven days before the next day its 时限 falls due (`Deadline.next_due`:
  "4月;10月" is reminded before 4/30 and again before 10/31), and "overdue" at 9:00 on the day after
  its final due day (`Deadline.due`; recurring 时限 have none). To the item's 责任人 when the item is
  linked to a member with a login, else to the chair(s) of the plan's unit (the nearest unit up that
  has one). Weekly 时限 ("每周") get none: 52 reminders a year would be muted at once.
- `plans.monthly_digest` 下月活动安排: at 9:00 on the 25th, the next month's lines of the 活动安排, to
  the chair(s) and to every 责任人 (with a login) of the plan's open items; none when the month has
  nothing planned.

When: `plan_reminders_sync(plan)` computes the reminders a plan should have today and makes the
rows agree — creates the missing, moves the changed, cancels the pending ones no longer wanted. It
runs inside the transaction of every change that matters (approve/start, archive — also of the
version a new one replaces —, an item's status), and once a day from beat
(`plans.tasks.plan_reminders_topup_task`), which tops up the next period of recurring and listed
时限 and the next month's digest. An approved plan's 时限 changes only through a new version: its
approval archives the old version (its pending reminders are cancelled) and schedules the new one's.

Idempotent: each reminder's dedupe key (recipient, kind, source, key) names the day it is about
("approaching:20260430", "overdue:20260501", "digest:2026-05"), so running the sync again changes
nothing, and a row already as wanted is not even written.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.access import ancestor_paths
from members.models import Role, RoleGrant
from union_office.models import Delivery, Reminder
from union_office.notifications import register_kind, reminder_schedule, reminders_cancel

from . import workflow
from .deadlines import Deadline, parse_deadline
from .models import Item, ItemStatus, Plan, ScheduleEntry

KIND_DUE = "plans.item_due"
KIND_DIGEST = "plans.monthly_digest"
REMIND_AT = dt.time(9, 0)
LEAD_DAYS = 7
DIGEST_DAY = 25
OPEN_STATUSES = (ItemStatus.NOT_STARTED, ItemStatus.IN_PROGRESS)


def register() -> None:
    register_kind(
        KIND_DUE,
        label=gettext_lazy("工作时限提醒"),
        description=gettext_lazy("您负责的计划条目时限前 7 天提醒，逾期次日再提醒"),
    )
    register_kind(
        KIND_DIGEST,
        label=gettext_lazy("下月活动安排"),
        description=gettext_lazy("每月 25 日汇总下月计划中的活动"),
    )


def frequent(deadline: Deadline) -> bool:
    """More than one period a month (每周): no reminders, no calendar marks."""
    return deadline.recurring and len(deadline.periods) > 12


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, REMIND_AT))


@dataclass(frozen=True)
class _Wanted:
    recipient: Any
    key: str
    due_at: dt.datetime
    subject: str
    body: str
    url: str


class _Recipients:
    """Chairs of units (the nearest unit up that has one), looked up once per unit."""

    def __init__(self) -> None:
        self._chairs: dict[int, list[Any]] = {}

    def chairs(self, plan: Plan) -> list[Any]:
        unit = plan.org_unit
        if unit.pk not in self._chairs:
            paths = [*ancestor_paths(unit.path), unit.path]
            grants = (
                RoleGrant.objects.current()
                .filter(role=Role.CHAIR, org_unit__path__in=paths, user__is_active=True)
                .select_related("user", "org_unit")
                .order_by("-org_unit__path", "user_id")
            )
            grants = list(grants)
            nearest = max((len(g.org_unit.path) for g in grants), default=0)
            self._chairs[unit.pk] = [g.user for g in grants if len(g.org_unit.path) == nearest]
        return self._chairs[unit.pk]

    def for_item(self, item: Item, plan: Plan) -> list[Any]:
        user = _owner_user(item)
        return [user] if user is not None else self.chairs(plan)


def _owner_user(item: Item) -> Any:
    """The login of the item's 责任人, when the item is linked to a member who has an active one."""
    owner = item.owner
    if owner is None or owner.user_id is None or not owner.user.is_active:
        return None
    return owner.user


def _item_wanted(item: Item, plan: Plan, recipients: _Recipients, today: dt.date) -> list[_Wanted]:
    if plan.status not in workflow.TRACKABLE_STATUSES or item.status not in OPEN_STATUSES:
        return []
    if not item.deadline_text.strip():
        return []
    deadline = parse_deadline(item.deadline_text, plan.year)
    if not deadline.ok or frequent(deadline):
        return []
    url = reverse("plans:follow", args=[plan.pk]) + f"#follow-item-{item.pk}"
    content = item.content.strip()
    body = _("%(plan)s\n工作内容：%(content)s\n时限：%(deadline)s\n责任人：%(owner)s") % {
        "plan": plan.title,
        "content": content,
        "deadline": item.deadline_text,
        "owner": item.owner_text or "—",
    }
    reminders: list[tuple[str, dt.datetime, str]] = []
    next_due = deadline.next_due(today)
    if next_due is not None:
        subject = _("工作时限临近（%(day)s）：%(content)s") % {
            "day": f"{next_due.month}月{next_due.day}日",
            "content": content,
        }
        reminders.append((f"approaching:{next_due:%Y%m%d}", _at(next_due - dt.timedelta(days=LEAD_DAYS)), subject))
    final = deadline.due
    if final is not None and final + dt.timedelta(days=1) >= today:
        subject = _("工作已逾期（时限 %(day)s）：%(content)s") % {
            "day": f"{final.month}月{final.day}日",
            "content": content,
        }
        reminders.append((f"overdue:{final:%Y%m%d}", _at(final + dt.timedelta(days=1)), subject))
    return [
        _Wanted(user, key, due_at, subject, body, url)
        for key, due_at, subject in reminders
        for user in recipients.for_item(item, plan)
    ]


def digest_month(today: dt.date) -> tuple[dt.date, dt.date]:
    """(the month the next digest is about, the day it is sent): until the 25th, next month's."""
    month_start = today.replace(day=1)
    if today.day > DIGEST_DAY:
        month_start = (month_start + dt.timedelta(days=32)).replace(day=1)
    about = (month_start + dt.timedelta(days=32)).replace(day=1)
    return about, month_start.replace(day=DIGEST_DAY)


def _digest_wanted(plan: Plan, items: list[Item], recipients: _Recipients, today: dt.date) -> list[_Wanted]:
    if plan.status not in workflow.TRACKABLE_STATUSES:
        return []
    about, send_on = digest_month(today)
    if about.year != plan.year:
        return []
    entries = [
        entry
        for entry in ScheduleEntry.objects.filter(plan=plan, month_start__isnull=False).order_by("position", "pk")
        if entry.month_start <= about.month <= (entry.month_end or entry.month_start)
    ]
    if not entries:
        return []
    users = {user.pk: user for user in recipients.chairs(plan)}
    for item in items:
        user = _owner_user(item)
        if item.status in OPEN_STATUSES and user is not None:
            users.setdefault(user.pk, user)
    subject = _("下月活动安排（%(year)s年%(month)s月）：%(plan)s") % {
        "year": about.year,
        "month": about.month,
        "plan": plan.title,
    }
    body = "\n".join(f"{entry.month_text}　{entry.activity.strip()}" for entry in entries)
    url = reverse("plans:detail", args=[plan.pk])
    key = f"digest:{about:%Y-%m}"
    return [_Wanted(user, key, _at(send_on), subject, body, url) for user in users.values()]


def _existing(kind: str, model: type, pks: Iterable[int]) -> dict[tuple[str, int, str], Any]:
    """The kind's reminders of these sources, by (source id, recipient id, key), with how many of
    their deliveries are pending and cancelled: one query."""
    rows = (
        Reminder.objects.filter(
            kind=kind, source_type=ContentType.objects.get_for_model(model), source_id__in=[str(pk) for pk in pks]
        )
        .annotate(
            pending=Count("deliveries", filter=Q(deliveries__state=Delivery.State.PENDING)),
            cancelled=Count("deliveries", filter=Q(deliveries__state=Delivery.State.CANCELLED)),
        )
        .only("pk", "source_id", "recipient_id", "key", "due_at", "subject", "body", "url")
    )
    return {(row.source_id, row.recipient_id, row.key): row for row in rows}


def _apply(kind: str, source: Any, wanted: list[_Wanted], existing: dict[tuple[str, int, str], Any]) -> int:
    """Make `source`'s reminders of `kind` what is wanted; returns how many rows were written."""
    written = 0
    want_keys = set()
    for want in wanted:
        want_keys.add((want.recipient.pk, want.key))
        row = existing.get((str(source.pk), want.recipient.pk, want.key))
        unchanged = row is not None and (row.due_at, row.subject, row.body, row.url) == (
            want.due_at,
            want.subject[:200],
            want.body,
            want.url,
        )
        if unchanged and not row.cancelled:
            continue
        reminder_schedule(
            kind=kind,
            recipient=want.recipient,
            due_at=want.due_at,
            subject=want.subject,
            body=want.body,
            url=want.url,
            source=source,
            key=want.key,
        )
        written += 1
    for (source_id, recipient_id, key), row in existing.items():
        if source_id == str(source.pk) and (recipient_id, key) not in want_keys and row.pending:
            reminders_cancel(source=source, kind=kind, key=key, recipient=recipient_id)
    return written


def plan_reminders_sync(plan: Plan, *, today: dt.date | None = None, item_ids: Iterable[int] | None = None) -> int:
    """Bring the plan's reminders in line with its state today (see the module docstring). Call it
    inside the transaction that changed the plan. `item_ids` narrows it to some items (a progress
    update), the digest included since its recipients follow the open items."""
    today = today or timezone.localdate()
    recipients = _Recipients()
    items = list(Item.objects.filter(section__plan=plan).select_related("owner__user").order_by("pk"))
    chosen = items if item_ids is None else [item for item in items if item.pk in set(item_ids)]
    existing = _existing(KIND_DUE, Item, (item.pk for item in chosen))
    written = 0
    for item in chosen:
        written += _apply(KIND_DUE, item, _item_wanted(item, plan, recipients, today), existing)
    digest = _digest_wanted(plan, items, recipients, today)
    written += _apply(KIND_DIGEST, plan, digest, _existing(KIND_DIGEST, Plan, [plan.pk]))
    return written


def plan_reminders_topup(*, today: dt.date | None = None) -> int:
    """The daily run: every approved or running plan's reminders for the coming periods."""
    plans = Plan.objects.filter(status__in=workflow.TRACKABLE_STATUSES).select_related("org_unit").order_by("pk")
    return sum(plan_reminders_sync(plan, today=today) for plan in plans)
