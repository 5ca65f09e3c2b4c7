"""帮扶/救助申请: the application, its step log (who moved it, when, with which comment) and the
objections raised while it is on public notice (公示)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from finance.models import LedgerEntry
from members.models import Member, OrgUnit
from union_office.models import TimeStampedModel

from .hardship import HardshipFile
from .objection import NoticeObjection


class AidKind(models.TextChoices):
    ILLNESS = "illness", _("大病救助")
    SCHOOLING = "schooling", _("子女就学")
    LIVING = "living", _("生活困难")
    ACCIDENT = "accident", _("意外灾害")
    OTHER = "other", _("其他")


class AidState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    SCREENED = "screened", _("初审通过")
    VERIFIED = "verified", _("入户核实")
    APPROVED = "approved", _("审定")
    NOTICE = "notice", _("公示中")
    PAID = "paid", _("已发放")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")


class AidApplication(TimeStampedModel):
    member = models.ForeignKey(
        Member, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="aid_applications"
    )
    # The applicant's unit when the application was made: its reviewers (and those above) decide.
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("所属工会"), on_delete=models.PROTECT, related_name="+")
    hardship_file = models.ForeignKey(
        HardshipFile,
        verbose_name=_("困难职工档案"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aid_applications",
    )
    kind = models.CharField(_("救助类型"), max_length=12, choices=AidKind)
    amount_requested = models.DecimalField(_("申请金额（元）"), max_digits=14, decimal_places=2)
    reason = models.TextField(_("申请理由"))
    state = models.CharField(_("状态"), max_length=10, choices=AidState, default=AidState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    # 入户核实
    visited_on = models.DateField(_("入户日期"), null=True, blank=True)
    visitors = models.CharField(_("核实人员"), max_length=200, blank=True)
    findings = models.TextField(_("核实情况"), blank=True)
    # 审定
    amount_granted = models.DecimalField(_("审定金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    decided_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    # 公示: on the notice board of the unit that keeps the books (the 基层工会).
    notice_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("公示单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notice_starts_on = models.DateField(_("公示开始"), null=True, blank=True)
    notice_ends_on = models.DateField(_("公示结束"), null=True, blank=True)
    # 发放: the ledger entry is unique, so an application can be paid at most once.
    paid_at = models.DateTimeField(_("发放时间"), null=True, blank=True)
    ledger_entry = models.OneToOneField(
        LedgerEntry,
        verbose_name=_("记账凭证"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aid_application",
    )
    closing_reason = models.TextField(_("驳回/撤回原因"), blank=True)

    class Meta:
        verbose_name = _("帮扶申请")
        verbose_name_plural = _("帮扶申请")
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=AidState.values), name="welfare_aid_state"),
            models.CheckConstraint(condition=models.Q(kind__in=AidKind.values), name="welfare_aid_kind"),
            models.CheckConstraint(condition=models.Q(amount_requested__gt=0), name="welfare_aid_requested_gt_0"),
            models.CheckConstraint(
                condition=models.Q(amount_granted__isnull=True) | models.Q(amount_granted__gt=0),
                name="welfare_aid_granted_gt_0",
            ),
            models.CheckConstraint(
                condition=models.Q(notice_ends_on__isnull=True)
                | models.Q(notice_ends_on__gte=models.F("notice_starts_on")),
                name="welfare_aid_notice_end_gte_start",
            ),
            # Paid means booked: the state and the ledger link cannot disagree.
            models.CheckConstraint(
                condition=models.Q(state="paid", ledger_entry__isnull=False)
                | (~models.Q(state="paid") & models.Q(ledger_entry__isnull=True)),
                name="welfare_aid_paid_has_entry",
            ),
        ]
        indexes = [
            # Reviewers' lists: by unit and state.
            models.Index(fields=["org_unit", "state"], name="welfare_aid_unit_state"),
            # The 公示 board: applications on notice per unit.
            models.Index(fields=["state", "notice_unit"], name="welfare_aid_notice"),
        ]

    def __str__(self) -> str:
        return _("%(name)s的%(kind)s申请") % {"name": self.member.name, "kind": self.get_kind_display()}

    @property
    def amount_shown(self) -> Decimal:
        return self.amount_granted if self.amount_granted is not None else self.amount_requested


class AidStep(models.Model):
    """One move of an application through the workflow: the record of who did what, when, and why."""

    application = models.ForeignKey(AidApplication, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("操作"), max_length=20)
    from_state = models.CharField(_("原状态"), max_length=10, choices=AidState)
    to_state = models.CharField(_("新状态"), max_length=10, choices=AidState)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(_("意见"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"


class Objection(NoticeObjection):
    """An objection raised during an aid application's 公示."""

    application = models.ForeignKey(AidApplication, on_delete=models.CASCADE, related_name="objections")

    class Meta(NoticeObjection.Meta):
        constraints = [
            models.CheckConstraint(condition=NoticeObjection.resolved_condition(), name="welfare_objection_resolution"),
        ]
        indexes = [
            # "Any objection still open?" before payment.
            models.Index(fields=["application", "resolved_at"], name="welfare_objection_open"),
        ]
