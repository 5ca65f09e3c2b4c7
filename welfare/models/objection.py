"""The 公示 objection, one shape for aid applications and 金秋助学 applications alike."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeObjection(models.Model):
    """An objection raised while a name is on public notice (公示); payment waits until every one
    is resolved (the guard `no_open_objection` of both workflows). Each concrete model adds its
    `application` foreign key (related_name="objections") and names its constraint and index."""

    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("异议内容"))
    raised_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.TextField(_("处理意见"), blank=True)

    class Meta:
        abstract = True
        ordering = ["raised_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]

    @staticmethod
    def resolved_condition() -> models.Q:
        """A resolved objection says how it was resolved (each model's CheckConstraint)."""
        return models.Q(resolved_at__isnull=True) | ~models.Q(resolution="")
