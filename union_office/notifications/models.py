"""Notifications (the in-app inbox) and reminders (rows with a due time, sent by the dispatcher).

A Reminder says what to tell whom and when; it has one Delivery per channel, and the Delivery is
the unit the dispatcher claims and sends exactly once (docs/notifications.md). Nothing here is
deleted: a cancelled or muted delivery stays as a row that says so.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INAPP = "inapp", _("站内消息")
    EMAIL = "email", _("电子邮件")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("已跳过")
    CANCELLED = "cancelled", _("已取消")
    REVIEW = "review", _("待核对")


class Reminder(models.Model):
    """One thing to tell one user at a time, from one source object (an event, a plan item…)."""

    kind = models.CharField(_("提醒类型"), max_length=64)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="reminders"
    )
    due_at = models.DateTimeField(_("提醒时间"))
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    source_type = models.ForeignKey(
        ContentType, verbose_name=_("来源类型"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_id = models.CharField(_("来源编号"), max_length=64, blank=True)
    # Tells apart several reminders of one kind for one source ("day-before", "2026-05").
    key = models.CharField(_("区分键"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), db_default=Now(), editable=False)

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        constraints = [
            # The dedupe key: scheduling the same reminder twice updates it instead of adding one.
            models.UniqueConstraint(
                fields=["recipient", "kind", "source_type", "source_id", "key"],
                condition=Q(source_type__isnull=False),
                name="reminder_unique_per_source",
            ),
            # NULLs are distinct in a unique index, so reminders without a source get their own.
            models.UniqueConstraint(
                fields=["recipient", "kind", "key"],
                condition=Q(source_type__isnull=True),
                name="reminder_unique_without_source",
            ),
        ]
        indexes = [
            # reminders_cancel(source=…): every reminder of an event or sign-up.
            models.Index(fields=["source_type", "source_id"], name="reminder_source_idx"),
            # The user's 待提醒 page: their reminders by time.
            models.Index(fields=["recipient", "due_at"], name="reminder_recipient_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} @ {self.due_at:%Y-%m-%d %H:%M}"


class Delivery(models.Model):
    """One (reminder, channel): the row the dispatcher claims, sends, and marks, exactly once.

    pending → sending → sent | failed | skipped, with pending → cancelled, and sending → review
    when an email's worker died after it started talking to the mail server (docs/notifications.md).
    """

    State = DeliveryState

    reminder = models.ForeignKey(Reminder, verbose_name=_("提醒"), on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    state = models.CharField(_("状态"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    # The reminder's due time, then the next retry's: the dispatcher scans this column alone.
    due_at = models.DateTimeField(_("发送时间"))
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    claim_token = models.UUIDField(_("领取标记"), null=True, blank=True)
    # Set (and committed) just before an email goes to the mail server: a stale claim with it set
    # may have been sent, so it goes to review instead of being sent again.
    attempted_at = models.DateTimeField(_("尝试时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        constraints = [
            models.UniqueConstraint(fields=["reminder", "channel"], name="delivery_one_per_channel"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="delivery_channel_valid"),
            models.CheckConstraint(condition=Q(state__in=DeliveryState.values), name="delivery_state_valid"),
            models.CheckConstraint(
                condition=~Q(state="sending") | Q(claimed_at__isnull=False, claim_token__isnull=False),
                name="delivery_sending_is_claimed",
            ),
        ]
        indexes = [
            # The dispatcher: due pending rows, oldest first (a small partial index: sent rows leave it).
            models.Index(fields=["due_at", "id"], condition=Q(state="pending"), name="delivery_pending_due_idx"),
            # The stale-claim sweep.
            models.Index(fields=["claimed_at"], condition=Q(state="sending"), name="delivery_sending_claimed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reminder_id}/{self.channel}: {self.state}"


class Notification(models.Model):
    """A message in a user's inbox (站内消息)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=64)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    # The in-app delivery that wrote it: unique, so the database itself refuses a second copy.
    delivery = models.OneToOneField(
        Delivery, verbose_name=_("发送记录"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), db_default=Now(), editable=False)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The inbox, newest first.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox_idx"),
            # The navbar's unread count.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationMute(models.Model):
    """A user does not want reminders of one kind (any channel)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="notification_mutes"
    )
    kind = models.CharField(_("提醒类型"), max_length=64)
    created_at = models.DateTimeField(_("设置时间"), db_default=Now(), editable=False)

    class Meta:
        verbose_name = _("免打扰设置")
        verbose_name_plural = _("免打扰设置")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_mute_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} mutes {self.kind}"
