"""The dispatcher: send the due deliveries, each exactly once (docs/notifications.md).

Run by Celery beat every REMINDERS_DISPATCH_INTERVAL seconds, or by the embedded thread when there
is no Redis. Any number of runs may overlap (a slow run and the next tick, a redelivered task, two
workers): rows are claimed with SELECT … FOR UPDATE SKIP LOCKED, so each run takes rows nobody
else holds, and every later write is conditional on the claim still being this run's.

- In-app: the Notification insert and the "sent" mark are one transaction — exactly once.
- Email: claimed (state sending, committed), then for each group of EMAIL_ATTEMPT_GROUP messages
  `attempted_at` is committed just before talking to the mail server, then they are marked sent.
  A run that dies between the two leaves sending rows with attempted_at set; after
  REMINDERS_CLAIM_TIMEOUT the sweep moves them to review (待核对) instead of sending them again —
  they may have gone out. Claimed rows never attempted go back to pending. So email is at most
  once automatically, and a crash mid-send is visible.
"""

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Channel, Delivery, Notification, NotificationMute
from .services import forget_unread_counts

logger = logging.getLogger(__name__)

State = Delivery.State

MAX_EMAIL_ATTEMPTS = 5
# Emails are marked "attempted" (one durable commit) and "sent" in groups: one commit per message
# would make the database's fsync the bottleneck (docs/notifications.md). The price: a worker killed
# mid-send leaves up to this many rows to review (待核对) instead of one.
EMAIL_ATTEMPT_GROUP = 10
# Minutes to wait before email attempt n+1 after a failure (the mail server is down, a timeout).
EMAIL_BACKOFF_MINUTES = [1, 5, 15, 60]


@dataclass
class DispatchResult:
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0  # stale claims never attempted, back to pending
    review: int = 0  # stale claims that may have been sent, for a person to check
    batches: int = 0
    by_channel: dict = field(default_factory=dict)

    def count(self, channel: str, state: str, n: int = 1) -> None:
        self.by_channel[f"{channel}:{state}"] = self.by_channel.get(f"{channel}:{state}", 0) + n


def _muted_pairs(deliveries: list[Delivery]) -> set[tuple[int, str]]:
    user_ids = {d.reminder.recipient_id for d in deliveries}
    kinds = {d.reminder.kind for d in deliveries}
    if not user_ids:
        return set()
    return set(NotificationMute.objects.filter(user_id__in=user_ids, kind__in=kinds).values_list("user_id", "kind"))


def _skip_reason(delivery: Delivery, muted: set[tuple[int, str]]) -> str:
    reminder = delivery.reminder
    if (reminder.recipient_id, reminder.kind) in muted:
        return _("接收人已关闭此类提醒")
    if not reminder.recipient.is_active:
        return _("接收人账号已停用")
    if delivery.channel == Channel.EMAIL and not reminder.recipient.email:
        return _("接收人没有电子邮箱")
    return ""


def deliver_inapp(deliveries: list[Delivery], *, now: datetime, result: DispatchResult | None = None) -> None:
    """Write the inbox rows of these locked, pending in-app deliveries and mark them, in the
    caller's transaction (so both happen or neither)."""
    result = result or DispatchResult()
    muted = _muted_pairs(deliveries)
    to_send: list[Delivery] = []
    skipped: dict[str, list[int]] = {}
    for delivery in deliveries:
        reason = _skip_reason(delivery, muted)
        if reason:
            skipped.setdefault(reason, []).append(delivery.pk)
        else:
            to_send.append(delivery)
    Notification.objects.bulk_create(
        Notification(
            recipient_id=d.reminder.recipient_id,
            kind=d.reminder.kind,
            subject=d.reminder.subject,
            body=d.reminder.body,
            url=d.reminder.url,
            delivery=d,
        )
        for d in to_send
    )
    Delivery.objects.filter(pk__in=[d.pk for d in to_send]).update(
        state=State.SENT, finished_at=now, attempts=F("attempts") + 1
    )
    for reason, pks in skipped.items():
        Delivery.objects.filter(pk__in=pks).update(state=State.SKIPPED, finished_at=now, note=reason)
        result.skipped += len(pks)
        result.count(Channel.INAPP, State.SKIPPED, len(pks))
    result.sent += len(to_send)
    result.count(Channel.INAPP, State.SENT, len(to_send))
    forget_unread_counts(d.reminder.recipient_id for d in to_send)


def _due(channel: str, now: datetime):
    return Delivery.objects.filter(state=State.PENDING, channel=channel, due_at__lte=now).order_by("due_at", "id")


def _dispatch_inapp_batch(*, now: datetime, batch_size: int, result: DispatchResult) -> int:
    with transaction.atomic():
        deliveries = list(
            _due(Channel.INAPP, now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("reminder__recipient")[:batch_size]
        )
        deliver_inapp(deliveries, now=now, result=result)
    return len(deliveries)


def _claim_emails(*, now: datetime, batch_size: int) -> uuid.UUID | None:
    token = uuid.uuid4()
    with transaction.atomic():
        pks = list(
            _due(Channel.EMAIL, now).select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch_size]
        )
        if not pks:
            return None
        Delivery.objects.filter(pk__in=pks).update(state=State.SENDING, claimed_at=timezone.now(), claim_token=token)
    return token


def _email_message(delivery: Delivery) -> EmailMessage:
    reminder = delivery.reminder
    body = reminder.body
    if reminder.url:
        link = settings.SITE_URL.rstrip("/") + reminder.url if reminder.url.startswith("/") else reminder.url
        body = f"{body}\n\n{link}" if body else link
    return EmailMessage(
        subject=reminder.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.recipient.email],
        headers={"X-Union-Delivery": str(delivery.pk)},
    )


def _dispatch_email_batch(*, now: datetime, batch_size: int, result: DispatchResult) -> int:
    token = _claim_emails(now=now, batch_size=batch_size)
    if token is None:
        return 0
    mine = Delivery.objects.filter(claim_token=token)
    deliveries = list(mine.filter(state=State.SENDING).select_related("reminder__recipient").order_by("due_at", "id"))
    muted = _muted_pairs(deliveries)
    to_send: list[Delivery] = []
    skipped: dict[str, list[int]] = {}
    for delivery in deliveries:
        reason = _skip_reason(delivery, muted)
        if reason:
            skipped.setdefault(reason, []).append(delivery.pk)
        else:
            to_send.append(delivery)
    for reason, pks in skipped.items():
        n = mine.filter(pk__in=pks, state=State.SENDING).update(
            state=State.SKIPPED, finished_at=timezone.now(), note=reason
        )
        result.skipped += n
        result.count(Channel.EMAIL, State.SKIPPED, n)
    mailer = mailers.default  # one connection for the batch
    try:
        for start in range(0, len(to_send), EMAIL_ATTEMPT_GROUP):
            _send_email_group(to_send[start : start + EMAIL_ATTEMPT_GROUP], mine, mailer, result)
    finally:
        try:
            mailer.close()
        except Exception:  # closing a broken SMTP connection must not hide the real error
            logger.warning("closing the mail connection failed", exc_info=True)
    return len(deliveries)


def _send_email_group(group: list[Delivery], mine, mailer, result: DispatchResult) -> None:
    # Committed before the mail server hears of them: if we die after this, these rows may have
    # been sent, and the stale sweep sends them to review rather than sending them again. The
    # claim is refreshed too, so a long batch does not look stale while it still works.
    started = timezone.now()
    pks = [d.pk for d in group]
    marked = mine.filter(pk__in=pks, state=State.SENDING).update(
        attempted_at=started, claimed_at=started, attempts=F("attempts") + 1
    )
    if marked != len(pks):  # part of our claim went stale and was released to another run
        still_mine = set(
            mine.filter(pk__in=pks, state=State.SENDING, attempted_at=started).values_list("pk", flat=True)
        )
        group = [d for d in group if d.pk in still_mine]
    sent = []
    for delivery in group:
        try:
            if mailer.send_messages([_email_message(delivery)]) != 1:
                raise RuntimeError("the mail backend did not accept the message")
        except Exception as exc:  # the mail server refused or timed out: retry later
            _email_failed(delivery, mine, exc, result)
            continue
        sent.append(delivery.pk)
    # A row may have been swept to review while we were sending; we know it went out.
    n = mine.filter(pk__in=sent, state__in=[State.SENDING, State.REVIEW]).update(
        state=State.SENT, finished_at=timezone.now(), note=""
    )
    result.sent += n
    result.count(Channel.EMAIL, State.SENT, n)


def _email_failed(delivery: Delivery, mine, exc: Exception, result: DispatchResult) -> None:
    attempts = delivery.attempts + 1
    note = f"{type(exc).__name__}: {exc}"[:500]
    logger.warning("email delivery %s failed (attempt %s): %s", delivery.pk, attempts, note)
    if attempts >= MAX_EMAIL_ATTEMPTS:
        n = mine.filter(pk=delivery.pk, state=State.SENDING).update(
            state=State.FAILED, finished_at=timezone.now(), note=note
        )
        result.failed += n
        result.count(Channel.EMAIL, State.FAILED, n)
        return
    delay = EMAIL_BACKOFF_MINUTES[min(attempts, len(EMAIL_BACKOFF_MINUTES)) - 1]
    result.retried += mine.filter(pk=delivery.pk, state=State.SENDING).update(
        state=State.PENDING,
        due_at=timezone.now() + timedelta(minutes=delay),
        claimed_at=None,
        claim_token=None,
        attempted_at=None,
        note=note,
    )


def sweep_stale_claims(*, now: datetime, result: DispatchResult | None = None) -> DispatchResult:
    """Claims older than REMINDERS_CLAIM_TIMEOUT belong to a run that died (worker killed, time
    limit): never-attempted rows go back to pending; attempted emails go to review."""
    result = result or DispatchResult()
    cutoff = now - timedelta(seconds=settings.REMINDERS_CLAIM_TIMEOUT)
    stale = Delivery.objects.filter(state=State.SENDING, claimed_at__lt=cutoff)
    result.released += stale.filter(attempted_at=None).update(state=State.PENDING, claimed_at=None, claim_token=None)
    result.review += stale.exclude(attempted_at=None).update(
        state=State.REVIEW, note=_("发送过程中断，可能已发出：请核对后在后台重新发送或标记为已发送")
    )
    if result.released or result.review:
        logger.warning("stale reminder claims: %s released, %s to review", result.released, result.review)
    return result


def reminders_dispatch_due(
    *,
    now: datetime | None = None,
    batch_size: int = 500,
    email_batch_size: int = 50,
    time_budget: float | None = None,
) -> DispatchResult:
    """Send every delivery due at `now` (default: the current time), batch after batch, until
    none is left or `time_budget` seconds have passed (the next run continues)."""
    now = now or timezone.now()
    started = time.monotonic()
    result = sweep_stale_claims(now=now)
    while True:
        inapp = _dispatch_inapp_batch(now=now, batch_size=batch_size, result=result)
        email = _dispatch_email_batch(now=now, batch_size=email_batch_size, result=result)
        result.batches += 1
        if not inapp and not email:
            break
        if time_budget is not None and time.monotonic() - started > time_budget:
            break
    return result
