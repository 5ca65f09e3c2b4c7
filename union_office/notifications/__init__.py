"""Notifications and reminders: the kernel every app uses to tell people things (docs/notifications.md).

register_kind("activities.event_upcoming", label=_("活动开始提醒"))      # in AppConfig.ready()
reminder_schedule(kind=…, recipient=user, due_at=…, subject=…, source=event, key="day-before")
reminders_cancel(source=event)
reminders_schedule_many(kind=…, recipient_ids=[…], due_at=…, subject=…, source=occurrence, key=…)
notify(kind=…, recipient=user, subject=…)                                 # now
"""

from .kinds import REMINDER_KINDS, register_kind
from .models import Channel, Delivery, Notification, NotificationMute, Reminder
from .services import notify, reminder_schedule, reminders_cancel, reminders_schedule_many

__all__ = [
    "REMINDER_KINDS",
    "Channel",
    "Delivery",
    "Notification",
    "NotificationMute",
    "Reminder",
    "notify",
    "register_kind",
    "reminder_schedule",
    "reminders_cancel",
    "reminders_schedule_many",
]
