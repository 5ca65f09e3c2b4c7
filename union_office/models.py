"""The kernel's models: a timestamped base for every app and the audit log."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), db_default=Now(), editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class AuditKind(models.TextChoices):
    CHANGE = "change", _("变更")
    # Opening a record with personal data few may read (a hardship file, a full member record).
    READ = "read", _("查阅")
    # A file that leaves the system: an xlsx, a PDF, a printed form.
    EXPORT = "export", _("导出")


class AuditEntry(models.Model):
    """Who did what to which object, and which fields changed (sensitive values masked).

    Changes are written by services inside the same transaction as the change, so an entry exists
    exactly when the change does; reads and exports of personal data are written by the view that
    serves them. Entries are never updated or deleted: on PostgreSQL a trigger refuses both
    (migration 0007, docs/reliability.md).
    """

    at = models.DateTimeField(_("时间"), db_default=Now(), editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Kept beside the key: the log must still read right if a user is later renamed.
    actor_repr = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=64)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    # Where from (issue 17, finding 6): the client address (as the lockout counts it, behind our
    # proxies) and the browser, of the request that made the entry; empty for Celery and commands.
    ip_address = models.GenericIPAddressField(_("地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)
    kind = models.CharField(_("类别"), max_length=8, choices=AuditKind, default=AuditKind.CHANGE)
    # The org unit the object belongs to, by key: the 审计日志 page shows an auditor or a chair the
    # entries of their subtree. A plain integer, not a ForeignKey: the kernel does not depend on
    # the members app, and an entry must outlive a merged or removed unit.
    org_unit_pk = models.PositiveIntegerField(_("单位编号"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-pk"]
        indexes = [
            # "history of this object" on detail pages.
            models.Index(fields=["content_type", "object_id", "-at"], name="audit_object_idx"),
            # "what did this person do" for the 经审 review.
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
            # The 审计日志 page: entries of a subtree's units, newest first.
            models.Index(fields=["org_unit_pk", "-at"], name="audit_unit_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=AuditKind.values), name="audit_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action} {self.object_repr}"

    @property
    def action_label(self) -> str:
        from .registry import AUDIT_ACTION_LABELS

        return str(AUDIT_ACTION_LABELS.get(self.action, self.action))

    def changed_field_labels(self, model: type[models.Model]) -> list[str]:
        """The verbose names of the changed fields of `model` (unknown names as they are)."""
        labels = []
        for name in self.changes:
            try:
                labels.append(str(model._meta.get_field(name).verbose_name))
            except FieldDoesNotExist:
                labels.append(name)
        return labels


# The notification models live in their own package; importing them here registers them with the
# union_office app (and lets code write union_office.models.Notification).
from .notifications.models import Channel, Delivery, Notification, NotificationMute, Reminder  # noqa: E402, F401


class PeriodicRun(models.Model):
    """When the embedded beat last started one entry of Celery's beat_schedule (union_office/beat.py).

    Only the embedded default (no Redis) writes these rows; Celery beat keeps its own schedule file.
    A row survives a restart of runserver, so a restart neither runs a daily job again nor skips it.
    """

    name = models.CharField(_("计划任务"), max_length=100, unique=True)
    last_run_at = models.DateTimeField(_("上次运行"))

    class Meta:
        verbose_name = _("计划任务运行记录")
        verbose_name_plural = _("计划任务运行记录")

    def __str__(self) -> str:
        return f"{self.name} {self.last_run_at:%Y-%m-%d %H:%M}"


class TwoFactorEnrolmentCode(models.Model):
    """A one-time code an administrator or the unit's chair hands to a user, needed to bind an authenticator.

    Without it, whoever first signed in with the password (a leaked one included) bound their own
    phone (issue 17, finding 4). One live code per user; only its keyed hash is stored.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_factor_enrolment_code"
    )
    code_hash = models.CharField(max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("发放时间"), db_default=Now())
    expires_at = models.DateTimeField(_("有效期至"))
    failures = models.PositiveSmallIntegerField(_("输错次数"), default=0)

    class Meta:
        verbose_name = _("两步验证启用码")
        verbose_name_plural = _("两步验证启用码")

    def __str__(self) -> str:
        return str(self.user)


class FieldKeyCanary(models.Model):
    """A known text encrypted under the field key, read back at start-up (crypto.check_keys).

    A wrong FIELD_ENCRYPTION_KEYS then stops the start instead of answering 500 at the first
    reveal of an ID number (issue 17, finding 7). One row; rotate_field_key rewrites it last.
    """

    token = models.TextField()
    written_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("字段密钥校验值")
        verbose_name_plural = _("字段密钥校验值")

    def __str__(self) -> str:
        return self.token.partition(":")[2].partition(":")[0]
