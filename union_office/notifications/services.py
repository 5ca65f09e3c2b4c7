"""Writes: schedule, cancel and send-now reminders; read and mute in the inbox.

Reminders are rows written in the caller's transaction, so a reminder scheduled by a service
whose transaction rolls back never existed and is never sent; no on_commit is needed.
"""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from .kinds import check_kind
from .models import Channel, Delivery, Notification, NotificationMute, Reminder

DEFAULT_CHANNELS = (Channel.INAPP, Channel.EMAIL)


def unread_cache_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def forget_unread_counts(user_ids: Iterable[int]) -> None:
    """Drop the cached navbar counts now and again once the change has committed (a request in
    between may have cached the count from before the commit)."""
    keys = [unread_cache_key(user_id) for user_id in set(user_ids)]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def _source_fields(source: models.Model | None) -> dict:
    if source is None:
        return {"source_type": None, "source_id": ""}
    return {"source_type": ContentType.objects.get_for_model(source), "source_id": str(source.pk)}


def _checked(kind: str, channels: Iterable[str], due_at: datetime) -> list[Channel]:
    """The channels, deduplicated; a typo in the kind, no channel or a naive time raise at once."""
    check_kind(kind)
    checked = list(dict.fromkeys(Channel(channel) for channel in channels))
    if not checked:
        raise ValueError("a reminder needs at least one channel")
    if timezone.is_naive(due_at):
        raise ValueError("due_at must be an aware datetime")
    return checked


def reminder_schedule(
    *,
    kind: str,
    recipient,
    due_at: datetime,
    subject: str,
    body: str = "",
    url: str = "",
    source: models.Model | None = None,
    key: str = "",
    channels: Iterable[str] = DEFAULT_CHANNELS,
) -> Reminder:
    """Remind `recipient` of something at `due_at`; calling again with the same (recipient, kind,
    source, key) moves the still-pending reminder instead of adding a second one.

    A channel already sent (or skipped) stays as it is: the same reminder is never sent twice.
    A cancelled channel comes back (someone cancelled a sign-up, then signed up again).
    """
    channels = _checked(kind, channels, due_at)
    fields = {"subject": str(subject)[:200], "body": str(body), "url": str(url)[:500], "due_at": due_at}
    with transaction.atomic():
        # Locks the reminder (fixed order: reminder, then its deliveries) so that two schedulers of
        # one reminder do not both create its deliveries; get_or_create survives the insert race.
        reminder, created = Reminder.objects.select_for_update().get_or_create(
            recipient=recipient, kind=kind, key=key, **_source_fields(source), defaults=fields
        )
        if created:
            Delivery.objects.bulk_create(
                Delivery(reminder=reminder, channel=channel, due_at=due_at) for channel in channels
            )
            return reminder
        for name, value in fields.items():
            setattr(reminder, name, value)
        reminder.save(update_fields=list(fields))
        existing = {d.channel: d for d in reminder.deliveries.select_for_update()}
        reopen = [d.pk for c, d in existing.items() if c in channels and d.state == Delivery.State.CANCELLED]
        Delivery.objects.filter(pk__in=reopen).update(state=Delivery.State.PENDING, note="")
        Delivery.objects.filter(reminder=reminder, channel__in=channels, state=Delivery.State.PENDING).update(
            due_at=due_at
        )
        Delivery.objects.filter(reminder=reminder, state=Delivery.State.PENDING).exclude(channel__in=channels).update(
            state=Delivery.State.CANCELLED, finished_at=timezone.now(), note="不再需要此渠道"
        )
        Delivery.objects.bulk_create(
            Delivery(reminder=reminder, channel=channel, due_at=due_at)
            for channel in channels
            if channel not in existing
        )
    return reminder


# Recipient ids per statement when reminders_schedule_many gets a list: under SQLite's parameter limit.
MANY_CHUNK = 2000


def _recipients_sql(recipients: QuerySet | list[int]) -> tuple[str, tuple]:
    """SELECT of one column `uid`: the recipients' user ids, as a subquery for INSERT … SELECT."""
    if not isinstance(recipients, QuerySet):
        recipients = get_user_model().objects.filter(pk__in=recipients).values(uid=F("pk"))
    return recipients.query.sql_with_params()


def reminders_schedule_many(
    *,
    kind: str,
    recipient_ids: QuerySet | Iterable[int],
    due_at: datetime,
    subject: str,
    body: str = "",
    url: str = "",
    source: models.Model,
    key: str = "",
    channels: Iterable[str] = DEFAULT_CHANNELS,
) -> int:
    """The same reminder for many recipients at once (an activity's whole audience), in bulk.

    `recipient_ids` is a list of user ids or a queryset of `.values(uid=…)` (the audience query
    itself: its rows never travel to Python). Two INSERT … SELECT statements per channel set, not
    a statement or an object per recipient: an activity's week of 200,000 deliveries is planned
    by the database alone.

    Adds only what is missing: a (recipient, kind, source, key) that already has a reminder keeps
    it as it is, neither moved nor reopened (ON CONFLICT DO NOTHING on reminder_unique_per_source;
    a concurrent caller's rows win), and only reminders without any delivery get theirs, so a
    second call (a second beat) adds nothing. Use a new key for a new occasion. Returns the number
    of deliveries added.
    """
    channels = _checked(kind, channels, due_at)
    source_type = ContentType.objects.get_for_model(source)
    reminder, delivery, key_column = Reminder._meta.db_table, Delivery._meta.db_table, connection.ops.quote_name("key")
    due = connection.ops.adapt_datetimefield_value(due_at)
    chunks = [recipient_ids] if isinstance(recipient_ids, QuerySet) else _chunks(sorted(set(recipient_ids)))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The foreign-key checks of these rows run at COMMIT as cached plans. A plan made while
            # the reminder table was small (a new installation, a long-lived worker connection)
            # stays a sequential scan as the table grows, and a week's fan-out then takes hours:
            # plan each check for the table as it is (docs/performance.md, recurring activities).
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        for recipients in chunks:
            users_sql, users_params = _recipients_sql(recipients)
            # WHERE true: SQLite needs it to read ON CONFLICT after a SELECT.
            cursor.execute(
                f"INSERT INTO {reminder} (kind, recipient_id, due_at, subject, body, url, source_type_id,"
                f" source_id, {key_column}, created_at)"
                " SELECT %s, users.uid, %s, %s, %s, %s, %s, %s, %s, CURRENT_TIMESTAMP"
                f" FROM ({users_sql}) users WHERE true ON CONFLICT DO NOTHING",
                [
                    kind,
                    due,
                    str(subject)[:200],
                    str(body),
                    str(url)[:500],
                    source_type.pk,
                    str(source.pk),
                    key,
                    *users_params,
                ],
            )
        # Every reminder of this (kind, source, key) that has no delivery yet (those just inserted)
        # gets one per channel; the channels are a UNION ALL, which both databases read.
        names = " UNION ALL ".join(["SELECT %s AS channel"] * len(channels))
        cursor.execute(
            f"INSERT INTO {delivery} (reminder_id, channel, state, due_at, attempts, note)"
            f" SELECT r.id, c.channel, %s, %s, 0, '' FROM {reminder} r, ({names}) c"
            f" WHERE r.source_type_id = %s AND r.source_id = %s AND r.kind = %s AND r.{key_column} = %s"
            f" AND NOT EXISTS (SELECT 1 FROM {delivery} d WHERE d.reminder_id = r.id) ON CONFLICT DO NOTHING",
            [Delivery.State.PENDING, due, *channels, source_type.pk, str(source.pk), kind, key],
        )
        added = cursor.rowcount
    return added


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + MANY_CHUNK] for start in range(0, len(ids), MANY_CHUNK)]


def reminders_cancel(*, source: models.Model, kind: str | None = None, key: str | None = None, recipient=None) -> int:
    """Cancel the pending deliveries of `source`'s reminders (narrowed by kind/key/recipient).

    Returns how many were cancelled. A delivery the dispatcher is sending right now is not
    cancelled (it is no longer pending): cancelling is for things that have not happened yet.
    """
    reminders = Reminder.objects.filter(**_source_fields(source))
    if kind is not None:
        reminders = reminders.filter(kind=kind)
    if key is not None:
        reminders = reminders.filter(key=key)
    if recipient is not None:
        reminders = reminders.filter(recipient=recipient)
    return Delivery.objects.filter(reminder__in=reminders, state=Delivery.State.PENDING).update(
        state=Delivery.State.CANCELLED, finished_at=timezone.now(), note="来源已取消"
    )


def notify(
    *,
    kind: str,
    recipient,
    subject: str,
    body: str = "",
    url: str = "",
    source: models.Model | None = None,
    key: str = "",
    channels: Iterable[str] = DEFAULT_CHANNELS,
) -> Reminder:
    """Tell `recipient` now: the in-app message is written in the caller's transaction, the email
    follows at the dispatcher's next run. Deduplicated like reminder_schedule (pass a new key to
    send the same kind about the same source again)."""
    from .dispatch import deliver_inapp

    with transaction.atomic():
        reminder = reminder_schedule(
            kind=kind,
            recipient=recipient,
            due_at=timezone.now(),
            subject=subject,
            body=body,
            url=url,
            source=source,
            key=key,
            channels=channels,
        )
        pending = list(
            Delivery.objects.select_for_update()
            .filter(reminder=reminder, channel=Channel.INAPP, state=Delivery.State.PENDING)
            .select_related("reminder__recipient")
        )
        deliver_inapp(pending, now=timezone.now())
    return reminder


def notification_mark_read(*, user, notification: Notification) -> None:
    if notification.recipient_id != user.pk:  # selectors already 404 others; belt and braces
        raise PermissionError("not this user's notification")
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=timezone.now())
        notification.read_at = timezone.now()
        forget_unread_counts([user.pk])


def notifications_mark_all_read(*, user) -> int:
    count = Notification.objects.filter(recipient=user, read_at=None).update(read_at=timezone.now())
    forget_unread_counts([user.pk])
    return count


def notification_mute_set(*, user, kind: str, muted: bool) -> None:
    """Switch a kind of reminder off (or on again) for this user; applies to reminders already
    scheduled too, since the dispatcher checks the switch when it sends."""
    reminder_kind = check_kind(kind)
    if muted and not reminder_kind.mutable:
        raise ValueError(f"{kind} cannot be muted")
    if muted:
        NotificationMute.objects.get_or_create(user=user, kind=kind)
    else:
        NotificationMute.objects.filter(user=user, kind=kind).delete()
