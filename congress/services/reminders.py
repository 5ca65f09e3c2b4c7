"""催办: reminders before and after a motion's deadline, to the handlers of its departments."""

import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from union_office.notifications import reminder_schedule

from ..models import Motion

# A reminder this many days before the deadline, and one the day after it if still unanswered.
REMIND_DAYS_BEFORE = 3
REMIND_DAYS_AFTER = 1
REMIND_HOUR = 9
# The second round after a 不满意 rating gets this many days.
SECOND_ROUND_DAYS = 15
REMINDER_KIND = "congress.reply_due"


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(REMIND_HOUR)))


def schedule_reminders(motion: Motion, handlers: list[Any]) -> None:
    """催办 before and after the deadline, to every handler of the lead and co-handling departments.

    Keys carry the round, so a second round is reminded again; replying cancels them all.
    """
    url = reverse("congress:motion_detail", args=[motion.pk])
    due_on = motion.due_on
    if due_on is None:  # not handed to a department yet: nothing to remind of
        return
    for user in handlers:
        reminder_schedule(
            kind=REMINDER_KIND,
            recipient=user,
            due_at=_at(due_on - datetime.timedelta(days=REMIND_DAYS_BEFORE)),
            subject=_("提案 %(number)s《%(title)s》将于 %(due)s 到期，请及时答复")
            % {"number": motion.number_display, "title": motion.title, "due": due_on.isoformat()},
            url=url,
            source=motion,
            key=f"before:r{motion.round}",
        )
        reminder_schedule(
            kind=REMINDER_KIND,
            recipient=user,
            due_at=_at(due_on + datetime.timedelta(days=REMIND_DAYS_AFTER)),
            subject=_("催办：提案 %(number)s《%(title)s》已超过答复期限 %(due)s")
            % {"number": motion.number_display, "title": motion.title, "due": due_on.isoformat()},
            url=url,
            source=motion,
            key=f"overdue:r{motion.round}",
        )
