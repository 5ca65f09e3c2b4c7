"""Reminders before each event, through the kernel's notifications API (union_office.notifications).

Scheduled inside the sign-up's or the event's transaction, so a rolled-back sign-up never reminds
anyone. One reminder per (recipient, kind, source, key): calling again after an edit moves the
pending reminder instead of adding one, so these functions are safe to call on every change.
"""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from union_office.notifications import notify, reminder_schedule, reminders_cancel

from ..models import HOLDS_PLACE, Event, EventStatus, SignUp

UPCOMING = "activities.event_upcoming"
ORGANISER = "activities.event_organiser"
PROMOTED = "activities.waitlist_promoted"
CANCELLED = "activities.event_cancelled"
# How long before the start the reminder goes out.
LEAD_TIME = dt.timedelta(days=1)
DAY_BEFORE = "day-before"


def _due_at(event: Event) -> dt.datetime:
    # Signed up less than a day ahead: remind at once rather than never.
    return max(event.starts_at - LEAD_TIME, timezone.now())


def _what(event: Event) -> str:
    starts = timezone.localtime(event.starts_at)
    return _("%(title)s（%(when)s，%(place)s）") % {
        "title": event.title,
        "when": f"{starts.month}月{starts.day}日 {starts:%H:%M}",
        "place": event.place or _("地点另行通知"),
    }


def _subject(event: Event) -> str:
    return _("活动提醒：%(what)s") % {"what": _what(event)}


def _url(event: Event) -> str:
    return reverse("activities:event_detail", args=[event.pk])


def _live(event: Event) -> bool:
    return event.status in (EventStatus.PLANNED, EventStatus.OPEN) and event.starts_at > timezone.now()


def schedule_signup_reminders(signup: SignUp, *, promoted: bool = False) -> None:
    """The member's reminder before the event, or its withdrawal when they no longer hold a place."""
    event, user = signup.event, signup.member.user
    if user is None:
        return  # a member without a login cannot be reminded (the organiser's list still shows them)
    if signup.status not in HOLDS_PLACE or not _live(event):
        reminders_cancel(source=signup)
        return
    reminder_schedule(
        kind=UPCOMING,
        recipient=user,
        due_at=_due_at(event),
        subject=_subject(event)[:200],
        body=event.description[:2000],
        url=_url(event),
        source=signup,
        key=DAY_BEFORE,
    )
    if promoted:
        notify(
            kind=PROMOTED,
            recipient=user,
            subject=_("候补成功：您已获得“%(title)s”的名额") % {"title": event.title},
            url=_url(event),
            source=signup,
        )


def schedule_event_reminders(event: Event) -> None:
    """The organiser's reminder, and every participant's one moved with the event (or withdrawn)."""
    if event.organiser_id:
        if _live(event):
            reminder_schedule(
                kind=ORGANISER,
                recipient=event.organiser,
                due_at=_due_at(event),
                subject=(_("您组织的活动即将开始：%(what)s") % {"what": _what(event)})[:200],
                url=_url(event),
                source=event,
                key=DAY_BEFORE,
            )
        else:
            reminders_cancel(source=event)
    signups = SignUp.objects.filter(event=event, status__in=HOLDS_PLACE).select_related("member__user")
    for signup in signups:
        signup.event = event
        schedule_signup_reminders(signup)
        if event.status == EventStatus.CANCELLED and signup.member.user_id:
            notify(
                kind=CANCELLED,
                recipient=signup.member.user,
                subject=_("活动取消：%(title)s") % {"title": event.title},
                body=event.cancel_reason,
                url=_url(event),
                source=event,
            )
