"""金秋助学: a campaign run by an upper union across its base unions, its tiers (名额 and amounts),
the parents' applications for their children, and the yearly payments of multi-year grants."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from finance.models import LedgerEntry
from members.models import Member, OrgUnit
from union_office import crypto
from union_office.models import TimeStampedModel

from .objection import NoticeObjection


class ApplicantType(models.TextChoices):
    """Who the parent is: the 金秋 notice addresses 职工, 农民工 and 劳务派遣 workers, and asks each
    for different papers (扶贫手册 of a 农民工)."""

    EMPLOYEE = "employee", _("职工")
    MIGRANT = "migrant", _("农民工")
    DISPATCHED = "dispatched", _("劳务派遣")


class Campaign(TimeStampedModel):
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("主办工会"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("活动名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    opens_on = models.DateField(_("开始日期"))
    deadline = models.DateField(_("申请截止"))
    closes_on = models.DateField(_("结束日期"))
    eligibility = models.TextField(_("申请条件"), blank=True)
    # The documents an application must carry: a label (书面申请, 录取通知书 …) asked of everyone, or
    # {"label": "扶贫手册", "applicant_types": ["migrant"]} asked only of those applicant types.
    required_documents = models.JSONField(_("必备材料"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("金秋助学活动")
        verbose_name_plural = _("金秋助学活动")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("opens_on")) & models.Q(closes_on__gte=models.F("deadline")),
                name="welfare_campaign_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def documents(self) -> list[tuple[str, list[str]]]:
        """(label, applicant types it is asked of; [] for everyone), in the campaign's order."""
        return [
            (item, []) if isinstance(item, str) else (item["label"], list(item.get("applicant_types") or []))
            for item in self.required_documents
        ]

    def documents_for(self, applicant_type: str) -> list[str]:
        """The labels required of one applicant type."""
        return [label for label, types in self.documents if not types or applicant_type in types]

    def documents_display(self) -> list[str]:
        """Labels as the notice reads them: "扶贫手册（农民工）" for a conditional one."""
        labels = dict(ApplicantType.choices)
        return [
            f"{label}（{'、'.join(str(labels.get(t, t)) for t in types)}）" if types else label
            for label, types in self.documents
        ]


class CampaignTier(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(_("档次"), max_length=40)
    quota = models.PositiveIntegerField(_("名额"))
    amount = models.DecimalField(_("每年金额（元）"), max_digits=14, decimal_places=2)
    # 1: once; 4: every year until graduation (a payment per year, each waiting for 在读证明).
    years = models.PositiveSmallIntegerField(_("资助年数"), default=1)

    class Meta:
        ordering = ["-amount", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="welfare_tier_name_unique"),
            models.CheckConstraint(condition=models.Q(quota__gt=0), name="welfare_tier_quota_gt_0"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="welfare_tier_amount_gt_0"),
            models.CheckConstraint(condition=models.Q(years__gte=1, years__lte=8), name="welfare_tier_years_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.quota} 名 × {self.amount} 元）"


class StudentState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    BASE_REVIEWED = "base_ok", _("基层工会审核通过")
    VISITED = "visited", _("已入户核实")
    UPPER_REVIEWED = "upper_ok", _("上级工会审核通过")
    APPROVED = "approved", _("审定")
    NOTICE = "notice", _("公示中")
    PAID = "paid", _("已发放")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")


# States in which a student counts as aided (and a tier's place as taken).
GRANTED_STATES = ("approved", "notice", "paid")


class StudentApplication(TimeStampedModel):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="applications")
    member = models.ForeignKey(Member, verbose_name=_("申请人（家长）"), on_delete=models.PROTECT, related_name="+")
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("所属工会"), on_delete=models.PROTECT, related_name="+")
    applicant_type = models.CharField(
        _("申请人类别"), max_length=12, choices=ApplicantType, default=ApplicantType.EMPLOYEE
    )
    student_name = models.CharField(_("学生姓名"), max_length=50)
    student_id_cipher = models.TextField(editable=False)
    # Keyed hash of the student's 身份证号: "aided before?" across campaigns without decrypting.
    student_id_hash = models.CharField(max_length=64, editable=False)
    student_id_masked = models.CharField(_("学生身份证号"), max_length=18, editable=False)
    school = models.CharField(_("录取学校"), max_length=100)
    admission = models.CharField(_("录取批次"), max_length=20)
    reason = models.TextField(_("家庭困难情况"))
    tier = models.ForeignKey(
        CampaignTier,
        verbose_name=_("资助档次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    state = models.CharField(_("状态"), max_length=10, choices=StudentState, default=StudentState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    notice_starts_on = models.DateField(null=True, blank=True)
    notice_ends_on = models.DateField(null=True, blank=True)
    closing_reason = models.TextField(blank=True)
    # 入户核实: the base union's reviewers visit the family before sending the application up.
    visited_on = models.DateField(_("入户日期"), null=True, blank=True)
    visitors = models.CharField(_("核实人员"), max_length=200, blank=True)
    visit_findings = models.TextField(_("核实情况"), blank=True)
    visit_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("金秋助学申请")
        verbose_name_plural = _("金秋助学申请")
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=StudentState.values), name="welfare_student_state"),
            models.CheckConstraint(
                condition=models.Q(applicant_type__in=ApplicantType.values), name="welfare_student_applicant_type"
            ),
            # No student aided twice, in this campaign or any other: the database has the last word.
            models.UniqueConstraint(
                fields=["student_id_hash"],
                condition=models.Q(state__in=GRANTED_STATES),
                name="welfare_student_aided_once",
            ),
            models.CheckConstraint(
                condition=~models.Q(state__in=GRANTED_STATES) | models.Q(tier__isnull=False),
                name="welfare_student_granted_has_tier",
            ),
        ]
        indexes = [
            # The quota count of a tier, and the reviewers' lists.
            models.Index(fields=["tier", "state"], name="welfare_student_tier_state"),
            models.Index(fields=["campaign", "state"], name="welfare_student_campaign"),
        ]

    def __str__(self) -> str:
        return _("%(name)s的金秋助学申请") % {"name": self.student_name}

    @property
    def student_id(self) -> str:
        return crypto.decrypt(self.student_id_cipher) if self.student_id_cipher else ""

    def set_student_id(self, number: str) -> None:
        from members.idcard import mask_id_number

        self.student_id_cipher = crypto.encrypt(number)
        self.student_id_hash = crypto.keyed_hash(number)
        self.student_id_masked = mask_id_number(number)


class StudentPayment(models.Model):
    """One year's grant. Year 1 is paid after 公示; later years wait for a 在读证明 upload."""

    class Status(models.TextChoices):
        WAITING_PROOF = "waiting", _("待交在读证明")
        READY = "ready", _("待发放")
        PAID = "paid", _("已发放")

    application = models.ForeignKey(StudentApplication, on_delete=models.PROTECT, related_name="payments")
    year_index = models.PositiveSmallIntegerField(_("第几年"))
    due_year = models.PositiveSmallIntegerField(_("发放年度"))
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    status = models.CharField(_("状态"), max_length=8, choices=Status)
    paid_at = models.DateTimeField(null=True, blank=True)
    ledger_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="student_payment"
    )

    class Meta:
        ordering = ["application", "year_index"]
        constraints = [
            models.UniqueConstraint(fields=["application", "year_index"], name="welfare_student_payment_year"),
            models.CheckConstraint(
                condition=models.Q(status="paid", ledger_entry__isnull=False)
                | (~models.Q(status="paid") & models.Q(ledger_entry__isnull=True)),
                name="welfare_student_payment_paid_has_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.year_index}"


class StudentObjection(NoticeObjection):
    """An objection to a name on a campaign's 公示 list."""

    application = models.ForeignKey(StudentApplication, on_delete=models.CASCADE, related_name="objections")

    class Meta(NoticeObjection.Meta):
        verbose_name = _("金秋助学公示异议")
        verbose_name_plural = _("金秋助学公示异议")
        constraints = [
            models.CheckConstraint(
                condition=NoticeObjection.resolved_condition(), name="welfare_student_objection_resolution"
            ),
        ]
        indexes = [
            # "Any objection still open?" before payment.
            models.Index(fields=["application", "resolved_at"], name="welfare_student_objection_open"),
        ]
