"""Reads for the inbox and the 待提醒 page: always the current user's own rows."""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from .kinds import REMINDER_KINDS, ReminderKind
from .models import Delivery, Notification, NotificationMute, Reminder
from .services import unread_cache_key

# The navbar count is cached; every change to it (a new message, a read one) drops the entry.
# The timeout only bounds a missed invalidation (a row written by hand in the shell).
UNREAD_CACHE_SECONDS = 300


def unread_count(user) -> int:
    key = unread_cache_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=user, read_at=None).count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count


def inbox_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient=user).only(
        "pk", "kind", "subject", "body", "url", "created_at", "read_at", "recipient_id"
    )
    if unread_only:
        notifications = notifications.filter(read_at=None)
    return notifications.order_by("-created_at", "-pk")


def notification_for(user, pk: int) -> Notification:
    """Another user's message is a 404, as if it did not exist."""
    return get_object_or_404(Notification, pk=pk, recipient=user)


def upcoming_reminders_for(user) -> QuerySet[Reminder]:
    """The reminders this user will still receive: those with a channel not sent yet."""
    pending = Delivery.objects.filter(reminder=OuterRef("pk"), state=Delivery.State.PENDING)
    return (
        Reminder.objects.filter(recipient=user)
        .filter(Exists(pending))
        .prefetch_related(
            Prefetch("deliveries", queryset=Delivery.objects.filter(state=Delivery.State.PENDING).order_by("channel"))
        )
        .order_by("due_at", "pk")
    )


@dataclass(frozen=True)
class KindSetting:
    kind: ReminderKind
    muted: bool


def kind_settings_for(user) -> list[KindSetting]:
    muted = set(NotificationMute.objects.filter(user=user).values_list("kind", flat=True))
    kinds = sorted(REMINDER_KINDS.values(), key=lambda k: k.key)
    return [KindSetting(kind=k, muted=k.key in muted) for k in kinds]
