"""慰问 visits (送温暖, 五必访, 节日/生日) and the per-unit rules that cap them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from finance.models import LedgerEntry
from members.models import Member, OrgUnit
from union_office.models import TimeStampedModel


class VisitKind(models.TextChoices):
    ILLNESS = "illness", _("生病住院")
    WEDDING = "wedding", _("结婚")
    BIRTH = "birth", _("生育")
    FUNERAL = "funeral", _("丧事")
    RETIREMENT = "retirement", _("退休")
    HARDSHIP = "hardship", _("困难")
    FESTIVAL = "festival", _("节日")
    BIRTHDAY = "birthday", _("生日")


class VisitCause(models.TextChoices):
    """The cause category chosen for a visit (issue 16): "同一事由每年一次" compares these, not the
    free text, which two people write differently (阑尾炎住院 / 阑尾炎 住院). Each value starts
    with its kind's value, so a category belongs to exactly one kind."""

    ILLNESS_INPATIENT = "illness_inpatient", _("住院治疗")
    ILLNESS_SURGERY = "illness_surgery", _("手术")
    ILLNESS_SERIOUS = "illness_serious", _("重大疾病")
    ILLNESS_INJURY = "illness_injury", _("工伤")
    WEDDING = "wedding", _("本人结婚")
    BIRTH = "birth", _("生育")
    FUNERAL_SELF = "funeral_self", _("本人去世")
    FUNERAL_SPOUSE = "funeral_spouse", _("配偶去世")
    FUNERAL_PARENT = "funeral_parent", _("父母（岳父母、公婆）去世")
    FUNERAL_CHILD = "funeral_child", _("子女去世")
    RETIREMENT = "retirement", _("退休")
    HARDSHIP_LIVING = "hardship_living", _("生活困难")
    HARDSHIP_DISASTER = "hardship_disaster", _("突发灾害")
    FESTIVAL_SPRING = "festival_spring", _("春节")
    FESTIVAL_WOMEN = "festival_women", _("三八妇女节")
    FESTIVAL_DRAGON = "festival_dragon", _("端午节")
    FESTIVAL_MIDAUTUMN = "festival_midautumn", _("中秋节")
    FESTIVAL_NATIONAL = "festival_national", _("国庆节")
    FESTIVAL_OTHER = "festival_other", _("其他节日")
    BIRTHDAY = "birthday", _("生日")


def causes_of(kind: str) -> list[VisitCause]:
    """The cause categories of one kind of visit, the first being its default."""
    return [c for c in VisitCause if c.value == kind or c.value.startswith(f"{kind}_")]


class VisitRule(models.Model):
    """A unit's standard for one kind of visit; the nearest unit up the tree with a rule decides.

    Blank limits mean "no limit of this sort". Set by the chair on the 慰问标准 page; every change
    is kept with its author and reason (`history`, union_office/history.py).
    """

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("慰问类型"), max_length=12, choices=VisitKind)
    max_per_visit = models.DecimalField(_("每次最高（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    max_per_year = models.DecimalField(_("每人每年最高（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    once_per_cause_per_year = models.BooleanField(_("同一事由每年一次"), default=False)
    cash_allowed = models.BooleanField(_("可发现金"), default=True)

    history = HistoricalRecords(verbose_name=_("慰问标准历史"))

    class Meta:
        verbose_name = _("慰问标准")
        verbose_name_plural = _("慰问标准")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "kind"], name="welfare_visit_rule_unique"),
            models.CheckConstraint(condition=models.Q(kind__in=VisitKind.values), name="welfare_visit_rule_kind"),
            models.CheckConstraint(
                condition=models.Q(max_per_visit__isnull=True) | models.Q(max_per_visit__gte=0),
                name="welfare_visit_rule_max_gte_0",
            ),
            models.CheckConstraint(
                condition=models.Q(max_per_year__isnull=True) | models.Q(max_per_year__gte=0),
                name="welfare_visit_rule_year_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit} · {self.get_kind_display()}"


class Visit(TimeStampedModel):
    member = models.ForeignKey(
        Member, verbose_name=_("慰问对象"), on_delete=models.PROTECT, related_name="welfare_visits"
    )
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("所属工会"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("慰问类型"), max_length=12, choices=VisitKind)
    # What happened, in the visitors' words (病名, 节日); the rule compares cause_category.
    cause = models.CharField(_("事由"), max_length=60)
    cause_category = models.CharField(_("事由类别"), max_length=24, choices=VisitCause, default="")
    visited_on = models.DateField(_("慰问日期"))
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    is_cash = models.BooleanField(_("现金"), default=True)
    gift = models.CharField(_("慰问品"), max_length=100, blank=True)
    visitors = models.CharField(_("慰问人"), max_length=200)
    note = models.TextField(_("备注"), blank=True)
    ledger_entry = models.OneToOneField(
        LedgerEntry, verbose_name=_("记账凭证"), null=True, on_delete=models.PROTECT, related_name="welfare_visit"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("慰问")
        verbose_name_plural = _("慰问")
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=VisitKind.values), name="welfare_visit_kind"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="welfare_visit_amount_gte_0"),
        ]
        indexes = [
            # The caps: a member's visits of one kind in a year.
            models.Index(fields=["member", "kind", "visited_on"], name="welfare_visit_member_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.member.name} · {self.get_kind_display()} · {self.visited_on}"
