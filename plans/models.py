"""Yearly work plans (年度工作计划): the plan, its tree of sections and items, and the 活动安排.

The tree stores positions only; the Chinese numbering (一、 （一） 1、 （1） ①) is computed from
position and depth (plans/numbering.py), so moving a node renumbers everything without writes.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from members.models import Member, OrgUnit
from union_office.models import TimeStampedModel


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("审议中")
    APPROVED = "approved", _("已批准")
    ACTIVE = "active", _("执行中")
    ARCHIVED = "archived", _("已归档")


class Plan(TimeStampedModel):
    """One version of a unit's plan for a year. An approved plan is never edited in place: a
    change is a new version (previous → this one), and versions can be compared."""

    Status = PlanStatus

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="plans")
    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    previous = models.OneToOneField(
        "self", verbose_name=_("上一版本"), null=True, blank=True, on_delete=models.PROTECT, related_name="next_version"
    )
    title = models.CharField(_("标题"), max_length=200)
    guiding_ideas = models.TextField(_("指导思想"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=PlanStatus, default=PlanStatus.DRAFT)
    # Optimistic lock: every change to the plan or its tree bumps it; an editor sends the revision
    # it started from, and a stale one is refused with a conflict instead of overwriting.
    revision = models.PositiveIntegerField(_("修订号"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("起草人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交审议时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批准人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("工作计划")
        verbose_name_plural = _("工作计划")
        ordering = ["-year", "org_unit__path", "-version"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PlanStatus.values), name="plan_status_valid"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="plan_year_sane"),
            models.UniqueConstraint(fields=["org_unit", "year", "version"], name="plan_unique_version"),
        ]
        indexes = [
            # "this unit's plans, newest year first" on the plan list.
            models.Index(fields=["org_unit", "-year"], name="plan_unit_year_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class Section(TimeStampedModel):
    plan = models.ForeignKey(Plan, verbose_name=_("计划"), on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey(
        "self", verbose_name=_("上级章节"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    position = models.PositiveIntegerField(_("位置"), default=0)
    title = models.CharField(_("标题"), max_length=300)
    text = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("章节")
        verbose_name_plural = _("章节")
        ordering = ["position", "pk"]
        indexes = [
            # Loading a plan's tree: all sections of a plan in order, one query.
            models.Index(fields=["plan", "parent", "position"], name="section_plan_parent_pos_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class ItemStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    IN_PROGRESS = "in_progress", _("进行中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class Item(TimeStampedModel):
    Status = ItemStatus

    section = models.ForeignKey(Section, verbose_name=_("章节"), on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("位置"), default=0)
    content = models.TextField(_("工作内容"))
    goal = models.TextField(_("目标"), blank=True)
    measures = models.TextField(_("措施"), blank=True)
    # 时限 as written, and what plans/deadlines.py understood of it (kept in step by the services).
    deadline_text = models.CharField(_("时限"), max_length=100, blank=True)
    deadline_due = models.DateField(_("截止日期"), null=True, blank=True)
    deadline_ok = models.BooleanField(_("时限已识别"), default=True)
    owner_text = models.CharField(_("责任人"), max_length=100, blank=True)
    owner = models.ForeignKey(
        Member, verbose_name=_("责任人（会员）"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=12, choices=ItemStatus, default=ItemStatus.NOT_STARTED)
    progress_note = models.TextField(_("进展情况"), blank=True)

    class Meta:
        verbose_name = _("计划条目")
        verbose_name_plural = _("计划条目")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ItemStatus.values), name="item_status_valid"),
        ]
        indexes = [
            # Following a plan: items by deadline.
            models.Index(fields=["section", "position"], name="item_section_pos_idx"),
            models.Index(fields=["deadline_due"], name="item_deadline_idx"),
        ]

    def __str__(self) -> str:
        return self.content[:50]


class ScheduleEntry(TimeStampedModel):
    """One line of the 活动安排: a month (or months) and what happens then."""

    plan = models.ForeignKey(Plan, verbose_name=_("计划"), on_delete=models.CASCADE, related_name="schedule")
    position = models.PositiveIntegerField(_("位置"), default=0)
    month_text = models.CharField(_("月份"), max_length=30)
    month_start = models.PositiveSmallIntegerField(_("起始月"), null=True, blank=True)
    month_end = models.PositiveSmallIntegerField(_("结束月"), null=True, blank=True)
    activity = models.TextField(_("活动"))

    class Meta:
        verbose_name = _("活动安排")
        verbose_name_plural = _("活动安排")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(month_start__isnull=True) | Q(month_start__gte=1, month_start__lte=12),
                name="schedule_month_start_valid",
            ),
            models.CheckConstraint(
                condition=Q(month_end__isnull=True) | Q(month_end__gte=F("month_start"), month_end__lte=12),
                name="schedule_month_end_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month_text} {self.activity[:30]}"
