"""困难职工档案: one active file per household, its family, its yearly re-check and its history."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from members.models import Member, OrgUnit
from union_office.models import TimeStampedModel


class HardshipLevel(models.TextChoices):
    DEEP = "deep", _("深度困难")
    RELATIVE = "relative", _("相对困难")
    ACCIDENT = "accident", _("意外致困")


class HardshipCause(models.TextChoices):
    ILLNESS = "illness", _("大病")
    DISABILITY = "disability", _("残疾")
    SINGLE_PARENT = "single_parent", _("单亲")
    SCHOOLING = "schooling", _("子女上学")
    DISASTER = "disaster", _("灾害")
    UNEMPLOYMENT = "unemployment", _("失业")
    SUBSISTENCE = "subsistence", _("低保")
    OTHER = "other", _("其他")


class HardshipStatus(models.TextChoices):
    ACTIVE = "active", _("在档")
    CLOSED = "closed", _("已脱困撤档")


class HardshipFile(TimeStampedModel):
    """A household in hardship, filed under its head (户主), who is a member of the union."""

    member = models.ForeignKey(
        Member, verbose_name=_("户主（会员）"), on_delete=models.PROTECT, related_name="hardship_files"
    )
    # The member's unit when the file was opened: the file stays with the union that keeps it.
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("建档单位"), on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("困难类别"), max_length=10, choices=HardshipLevel)
    causes = models.JSONField(_("致困原因"), default=list)
    situation = models.TextField(_("家庭情况说明"), blank=True)
    monthly_income = models.DecimalField(
        _("家庭月总收入（元）"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    status = models.CharField(_("状态"), max_length=10, choices=HardshipStatus, default=HardshipStatus.ACTIVE)
    opened_on = models.DateField(_("建档日期"))
    review_due_on = models.DateField(_("下次复核日期"))
    last_reviewed_on = models.DateField(_("上次复核日期"), null=True, blank=True)
    closed_on = models.DateField(_("撤档日期"), null=True, blank=True)
    closed_reason = models.TextField(_("撤档原因"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("困难职工档案")
        verbose_name_plural = _("困难职工档案")
        constraints = [
            # 一户一档: a household (its head) has at most one file in 在档 at any time.
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(status="active"),
                name="welfare_one_active_file_per_household",
            ),
            models.CheckConstraint(condition=models.Q(status__in=HardshipStatus.values), name="welfare_file_status"),
            models.CheckConstraint(condition=models.Q(level__in=HardshipLevel.values), name="welfare_file_level"),
            models.CheckConstraint(condition=models.Q(monthly_income__gte=0), name="welfare_file_income_gte_0"),
            models.CheckConstraint(
                condition=models.Q(status="active") | models.Q(closed_on__isnull=False),
                name="welfare_file_closed_has_date",
            ),
        ]
        indexes = [
            # Re-checks due (the reminder sweep and the "due" filter of the list).
            models.Index(fields=["status", "review_due_on"], name="welfare_file_due"),
        ]

    def __str__(self) -> str:
        return _("%(name)s 的困难职工档案") % {"name": self.member.name}

    @property
    def household_size(self) -> int:
        return 1 + len(self.family.all())

    @property
    def per_capita_income(self) -> Decimal:
        return (self.monthly_income / self.household_size).quantize(Decimal("0.01"))

    def cause_labels(self) -> list[str]:
        labels = dict(HardshipCause.choices)
        return [str(labels.get(code, code)) for code in self.causes]


class FamilyMember(models.Model):
    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="family")
    name = models.CharField(_("姓名"), max_length=50)
    relation = models.CharField(_("与户主关系"), max_length=20)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    occupation = models.CharField(_("职业/就学"), max_length=60, blank=True)
    monthly_income = models.DecimalField(_("月收入（元）"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    health = models.CharField(_("健康状况"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(monthly_income__gte=0), name="welfare_family_income_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.relation}）"


class FileEvent(models.Model):
    """One line of a file's history (建档, 复核, 变更, 撤档); visits and aid join it on the timeline."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("建档")
        CHANGED = "changed", _("变更")
        REVIEWED = "reviewed", _("年度复核")
        CLOSED = "closed", _("撤档")

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事项"), max_length=10, choices=Kind)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["opened", "changed", "reviewed", "closed"]), name="welfare_file_event_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()
