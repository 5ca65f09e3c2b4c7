"""年度工作总结: a unit's summary of a year, drafted from the records and rewritten by the chair.

A summary is a list of sections. Each section holds the chair's text (`text`, never overwritten by
a re-draft) and the figures read from the records (`figures`, refreshed by every re-draft): figures
are fields, not numbers typed into the prose, so a late ledger entry or a last 慰问 changes the
tables without touching what the chair wrote.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.models import OrgUnit
from union_office.models import TimeStampedModel


class SummaryStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("审议中")
    FINAL = "final", _("定稿")


class Summary(TimeStampedModel):
    Status = SummaryStatus

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("标题"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=SummaryStatus, default=SummaryStatus.DRAFT)
    # Optimistic lock, as in the plan editor: an edit sends the revision it started from.
    revision = models.PositiveIntegerField(_("修订号"), default=0)
    drafted_at = models.DateTimeField(_("数据提取时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("起草人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交审议时间"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("定稿时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("年度工作总结")
        verbose_name_plural = _("年度工作总结")
        ordering = ["-year", "org_unit__path"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=SummaryStatus.values), name="summary_status_valid"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="summary_year_sane"),
            models.UniqueConstraint(fields=["org_unit", "year"], name="summary_unique_unit_year"),
        ]

    def __str__(self) -> str:
        return self.title


class SummarySection(models.Model):
    """One part of the summary. `key` says which records its figures come from ("plan:12" for a
    section of the year's plan, "welfare", "congress", "finance", "membership", "activities")."""

    summary = models.ForeignKey(Summary, verbose_name=_("总结"), on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(_("数据来源"), max_length=40)
    position = models.PositiveIntegerField(_("位置"), default=0)
    title = models.CharField(_("标题"), max_length=300)
    text = models.TextField(_("正文"), blank=True)
    figures = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("总结章节")
        verbose_name_plural = _("总结章节")
        ordering = ["position", "pk"]
        constraints = [
            # A re-draft finds each section again by its key.
            models.UniqueConstraint(fields=["summary", "key"], name="summary_section_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title
