"""The staff congress (职代会/教代会): sessions, delegates, suggestions, motions and their handling, votes.

DESIGN.md §3.4. A session belongs to a 基层工会 (its org unit); everything else hangs off a session,
so "who may see it" is always decided at the session's unit (members.access). The motion workflow
lives in congress/workflow.py; every write goes through congress/services/.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.models import Department, Gender, Member, OrgUnit
from union_office.jobs import JobStatus
from union_office.models import TimeStampedModel


class CongressKind(models.TextChoices):
    STAFF = "staff", _("职工代表大会")
    TEACHERS = "teachers", _("教职工代表大会")


class CongressSession(TimeStampedModel):
    """One meeting of the congress: 第二届第一次职工代表大会."""

    Kind = CongressKind

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="congress_sessions"
    )
    kind = models.CharField(_("大会类型"), max_length=10, choices=CongressKind, default=CongressKind.STAFF)
    term = models.PositiveSmallIntegerField(_("届"))
    meeting = models.PositiveSmallIntegerField(_("次"))
    year = models.PositiveSmallIntegerField(_("年度"), help_text=_("提案编号的年份前缀，如 2026-015。"))
    meeting_date = models.DateField(_("大会日期"), null=True, blank=True)
    motions_open_on = models.DateField(_("提案征集开始日期"))
    motions_close_on = models.DateField(_("提案征集截止日期"))
    min_cosigners = models.PositiveSmallIntegerField(_("最少附议人数"), default=2)
    reply_due_on = models.DateField(_("答复期限"), help_text=_("交办时的默认办理期限。"))
    # Composition targets (configurable per session; what a 上级工会 usually asks for).
    frontline_min_percent = models.PositiveSmallIntegerField(_("一线代表比例下限（%）"), default=50)
    leaders_max_percent = models.PositiveSmallIntegerField(_("领导干部代表比例上限（%）"), default=20)
    women_margin_percent = models.PositiveSmallIntegerField(_("女代表比例可低于女会员比例（百分点）"), default=0)
    # The last motion number given out (立案): the counter row locked while registering.
    last_motion_number = models.PositiveIntegerField(_("已编提案号"), default=0, editable=False)

    class Meta:
        verbose_name = _("职代会届次")
        verbose_name_plural = _("职代会届次")
        ordering = ["-year", "-term", "-meeting", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CongressKind.values), name="congress_session_kind_valid"),
            models.UniqueConstraint(fields=["org_unit", "term", "meeting"], name="congress_session_unique_meeting"),
            models.CheckConstraint(
                condition=Q(motions_close_on__gte=F("motions_open_on")), name="congress_session_window_order"
            ),
            models.CheckConstraint(condition=Q(term__gte=1) & Q(meeting__gte=1), name="congress_session_numbers"),
            models.CheckConstraint(
                condition=Q(frontline_min_percent__lte=100) & Q(leaders_max_percent__lte=100),
                name="congress_session_targets_percent",
            ),
        ]

    def __str__(self) -> str:
        return str(self.title)

    @property
    def title(self) -> str:
        return _("第%(term)s届第%(meeting)s次%(kind)s") % {
            "term": _chinese_number(self.term),
            "meeting": _chinese_number(self.meeting),
            "kind": self.get_kind_display(),
        }

    def window_open(self, day) -> bool:
        return self.motions_open_on <= day <= self.motions_close_on


def _chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


class DelegateCategory(models.TextChoices):
    FRONTLINE = "frontline", _("一线职工")
    TECHNICAL = "technical", _("专业技术人员")
    MANAGEMENT = "management", _("管理人员")
    LEADER = "leader", _("领导干部")


class Delegate(TimeStampedModel):
    """A member elected as delegate (职工代表) of a session: not a role, a row per session."""

    Category = DelegateCategory

    session = models.ForeignKey(
        CongressSession, verbose_name=_("届次"), on_delete=models.CASCADE, related_name="delegates"
    )
    member = models.ForeignKey(Member, verbose_name=_("会员"), on_delete=models.PROTECT, related_name="delegacies")
    group = models.CharField(_("代表团（组）"), max_length=50)
    category = models.CharField(_("代表类别"), max_length=12, choices=DelegateCategory)
    # Copied from the roster on import: the composition of a past session must not change when a
    # member record is corrected later.
    gender = models.CharField(_("性别"), max_length=1, choices=Gender)

    class Meta:
        verbose_name = _("职工代表")
        verbose_name_plural = _("职工代表")
        ordering = ["group", "member__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="congress_delegate_once_per_session"),
            models.CheckConstraint(
                condition=Q(category__in=DelegateCategory.values), name="congress_delegate_category_valid"
            ),
            models.CheckConstraint(condition=Q(gender__in=Gender.values), name="congress_delegate_gender_valid"),
        ]

    def __str__(self) -> str:
        return self.member.name


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ADOPTED = "adopted", _("已转为提案")
    ANSWERED = "answered", _("已答复")


class Suggestion(TimeStampedModel):
    """意见建议: any member may write one; a delegate may adopt it into a motion draft."""

    Status = SuggestionStatus

    session = models.ForeignKey(
        CongressSession, verbose_name=_("届次"), on_delete=models.CASCADE, related_name="suggestions"
    )
    author = models.ForeignKey(Member, verbose_name=_("提出人"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=120)
    content = models.TextField(_("内容"))
    status = models.CharField(_("状态"), max_length=10, choices=SuggestionStatus, default=SuggestionStatus.OPEN)
    answer = models.TextField(_("处理意见"), blank=True)
    # Set when a motion was not registered (不予立案) and lives on as a suggestion.
    from_motion = models.OneToOneField(
        "Motion",
        verbose_name=_("来源提案"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="became_suggestion",
    )

    class Meta:
        verbose_name = _("意见建议")
        verbose_name_plural = _("意见建议")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=SuggestionStatus.values), name="congress_suggestion_status"),
        ]

    def __str__(self) -> str:
        return self.title


class MotionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    COLLECTING = "collecting", _("征集附议")
    SUBMITTED = "submitted", _("已提交")
    REVIEWING = "reviewing", _("审查中")
    REGISTERED = "registered", _("已立案")
    REJECTED = "rejected", _("不予立案")
    MERGED = "merged", _("已合并")
    ASSIGNED = "assigned", _("已交办")
    REPLIED = "replied", _("已答复")
    EVALUATED = "evaluated", _("已评价")
    CLOSED = "closed", _("已办结")


class MotionCategory(models.TextChoices):
    MANAGEMENT = "management", _("改革发展与经营管理")
    DEMOCRACY = "democracy", _("民主管理")
    PAY = "pay", _("工资福利与劳动保障")
    SAFETY = "safety", _("安全生产与劳动保护")
    TRAINING = "training", _("教育培训与职业发展")
    LIFE = "life", _("职工生活与后勤服务")
    OTHER = "other", _("其他")


class RejectionReason(models.TextChoices):
    NOT_SCOPE = "not_scope", _("不属于职代会职权范围")
    PERSONAL = "personal", _("属个人或少数人问题")
    UNDER_WAY = "under_way", _("已在办理或已有明确规定")
    NOT_FEASIBLE = "not_feasible", _("条件不具备，暂不可行")
    UNCLEAR = "unclear", _("案由不清、措施不具体")
    OTHER = "other", _("其他")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


def attachment_path(instance: models.Model, filename: str) -> str:
    # A random name: the original name is kept in the row, never trusted as a path.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"congress/{instance._meta.model_name}/{uuid.uuid4().hex}.{suffix}"


class Motion(TimeStampedModel):
    Status = MotionStatus
    Category = MotionCategory

    session = models.ForeignKey(
        CongressSession, verbose_name=_("届次"), on_delete=models.PROTECT, related_name="motions"
    )
    # Gapless per session, given on 立案 (congress/services/numbering.py); null before.
    number = models.PositiveIntegerField(_("提案号"), null=True, blank=True, editable=False)
    title = models.CharField(_("案题"), max_length=120)
    category = models.CharField(_("类别"), max_length=12, choices=MotionCategory)
    reason = models.TextField(_("案由"))
    proposal = models.TextField(_("建议与措施"))
    proposer = models.ForeignKey(
        Delegate, verbose_name=_("第一提案人"), on_delete=models.PROTECT, related_name="motions"
    )
    # Proposers of motions merged into this one: both proposers are kept (已合并).
    joint_proposers = models.ManyToManyField(
        Delegate, verbose_name=_("联名提案人"), blank=True, related_name="joint_motions"
    )
    from_suggestion = models.ForeignKey(
        Suggestion,
        verbose_name=_("来源意见建议"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="motions",
    )
    status = models.CharField(_("状态"), max_length=12, choices=MotionStatus, default=MotionStatus.DRAFT)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("并入提案"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    # The 提案工作委员会's opinion on 立案, printed in the 提案汇编 (a standard sentence when blank).
    review_opinion = models.CharField(_("立案审查意见"), max_length=500, blank=True)
    rejection_reason = models.CharField(_("不予立案理由"), max_length=14, choices=RejectionReason, blank=True)
    rejection_note = models.TextField(_("说明"), blank=True)
    lead_department = models.ForeignKey(
        Department, verbose_name=_("主办部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    co_departments = models.ManyToManyField(Department, verbose_name=_("会办部门"), blank=True, related_name="+")
    due_on = models.DateField(_("办理期限"), null=True, blank=True)
    # Which reply round the handling is in: 2 after a 不满意 rating sent it back.
    round = models.PositiveSmallIntegerField(_("办理轮次"), default=1)
    is_key = models.BooleanField(_("重点提案"), default=False)
    is_excellent = models.BooleanField(_("优秀提案"), default=False)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    registered_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    attachment = models.FileField(_("附件"), upload_to=attachment_path, blank=True)
    attachment_name = models.CharField(_("附件名"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("提案")
        verbose_name_plural = _("提案")
        ordering = ["session", F("number").asc(nulls_last=True), "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=MotionStatus.values), name="congress_motion_status_valid"),
            models.CheckConstraint(
                condition=Q(category__in=MotionCategory.values), name="congress_motion_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(satisfaction="") | Q(satisfaction__in=Satisfaction.values),
                name="congress_motion_satisfaction_valid",
            ),
            # The number is the motion's identity in the 提案汇编: never twice in a session.
            models.UniqueConstraint(
                fields=["session", "number"], condition=Q(number__isnull=False), name="congress_motion_number_unique"
            ),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False), name="congress_motion_merged_has_target"
            ),
        ]
        indexes = [
            # The department inbox: motions of a department by state and deadline.
            models.Index(fields=["lead_department", "status", "due_on"], name="congress_motion_inbox_idx"),
            # Session lists by state.
            models.Index(fields=["session", "status"], name="congress_motion_session_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number_display} {self.title}".strip()

    @property
    def number_display(self) -> str:
        return f"{self.session.year}-{self.number:03d}" if self.number else ""

    @property
    def review_opinion_shown(self) -> str:
        """The 立案审查意见 the motion page and the 提案汇编 show once registered: the committee's own
        words, or its standard sentence when it wrote none."""
        if not self.registered_at:
            return ""
        return self.review_opinion or gettext("经提案工作委员会审查，符合立案条件，同意立案。")


class CoSigner(models.Model):
    """A delegate invited by the proposer to co-sign (附议); counts once they confirm online."""

    motion = models.ForeignKey(Motion, verbose_name=_("提案"), on_delete=models.CASCADE, related_name="cosigners")
    delegate = models.ForeignKey(
        Delegate, verbose_name=_("附议代表"), on_delete=models.PROTECT, related_name="cosigned"
    )
    invited_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("附议人")
        verbose_name_plural = _("附议人")
        ordering = ["invited_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["motion", "delegate"], name="congress_cosigner_once")]

    def __str__(self) -> str:
        return str(self.delegate)


class MotionReply(TimeStampedModel):
    """A department's written reply (答复); the lead department's reply moves the motion on."""

    motion = models.ForeignKey(Motion, verbose_name=_("提案"), on_delete=models.CASCADE, related_name="replies")
    department = models.ForeignKey(Department, verbose_name=_("答复部门"), on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("答复人"), on_delete=models.PROTECT, related_name="+"
    )
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    is_lead = models.BooleanField(_("主办答复"), default=True)
    text = models.TextField(_("答复内容"))
    attachment = models.FileField(_("附件"), upload_to=attachment_path, blank=True)
    attachment_name = models.CharField(_("附件名"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("提案答复")
        verbose_name_plural = _("提案答复")
        ordering = ["round", "-is_lead", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.motion} · {self.department}"


class MotionEvaluation(TimeStampedModel):
    """The proposer's rating of a reply round."""

    motion = models.ForeignKey(Motion, verbose_name=_("提案"), on_delete=models.CASCADE, related_name="evaluations")
    round = models.PositiveSmallIntegerField(_("轮次"))
    rating = models.CharField(_("评价"), max_length=12, choices=Satisfaction)
    comment = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("提案人评价")
        verbose_name_plural = _("提案人评价")
        ordering = ["round"]
        constraints = [
            models.UniqueConstraint(fields=["motion", "round"], name="congress_evaluation_once_per_round"),
            models.CheckConstraint(condition=Q(rating__in=Satisfaction.values), name="congress_evaluation_rating"),
        ]

    def __str__(self) -> str:
        return f"{self.motion_id} · {self.round} · {self.get_rating_display()}"


# --- Votes ---------------------------------------------------------------------------------------


class BallotKind(models.TextChoices):
    RESOLUTION = "resolution", _("表决")
    APPRAISAL = "appraisal", _("民主评议")


class BallotStatus(models.TextChoices):
    DRAFT = "draft", _("未开始")
    OPEN = "open", _("投票中")
    CLOSED = "closed", _("已结束")


class VoteChoice(models.TextChoices):
    FOR = "for", _("赞成")
    AGAINST = "against", _("反对")
    ABSTAIN = "abstain", _("弃权")
    EXCELLENT = "excellent", _("优秀")
    COMPETENT = "competent", _("称职")
    BASIC = "basic", _("基本称职")
    INCOMPETENT = "incompetent", _("不称职")


CHOICES_BY_KIND = {
    BallotKind.RESOLUTION: (VoteChoice.FOR, VoteChoice.AGAINST, VoteChoice.ABSTAIN),
    BallotKind.APPRAISAL: (VoteChoice.EXCELLENT, VoteChoice.COMPETENT, VoteChoice.BASIC, VoteChoice.INCOMPETENT),
}


class Ballot(TimeStampedModel):
    """A question put to the delegates: a resolution (or motion) to adopt, or 民主评议 of cadres."""

    Kind = BallotKind
    Status = BallotStatus

    session = models.ForeignKey(
        CongressSession, verbose_name=_("届次"), on_delete=models.PROTECT, related_name="ballots"
    )
    title = models.CharField(_("表决事项"), max_length=150)
    kind = models.CharField(_("类型"), max_length=12, choices=BallotKind, default=BallotKind.RESOLUTION)
    secret = models.BooleanField(_("无记名投票"), default=True)
    status = models.CharField(_("状态"), max_length=8, choices=BallotStatus, default=BallotStatus.DRAFT)
    motion = models.ForeignKey(
        Motion, verbose_name=_("表决的提案"), null=True, blank=True, on_delete=models.PROTECT, related_name="ballots"
    )
    opened_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=BallotKind.values), name="congress_ballot_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=BallotStatus.values), name="congress_ballot_status_valid"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def choices(self) -> tuple[VoteChoice, ...]:
        return CHOICES_BY_KIND[BallotKind(self.kind)]


class BallotItem(models.Model):
    """One line of a ballot: the resolution itself, or one cadre under 民主评议."""

    ballot = models.ForeignKey(Ballot, verbose_name=_("表决"), on_delete=models.CASCADE, related_name="items")
    label = models.CharField(_("事项/被评议人"), max_length=120)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("表决事项")
        verbose_name_plural = _("表决事项")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label


class VoterRecord(models.Model):
    """Who has voted on a ballot, and nothing about how: one row per delegate, enforced here.

    No timestamp: a voting time could be matched with the order of the secret choices.
    """

    ballot = models.ForeignKey(Ballot, verbose_name=_("表决"), on_delete=models.CASCADE, related_name="voters")
    delegate = models.ForeignKey(Delegate, verbose_name=_("代表"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("投票记录")
        verbose_name_plural = _("投票记录")
        constraints = [models.UniqueConstraint(fields=["ballot", "delegate"], name="congress_one_ballot_per_delegate")]

    def __str__(self) -> str:
        return f"{self.ballot_id} · {self.delegate_id}"


class OpenVote(models.Model):
    """A choice on an open (记名) ballot: linked to the voter on purpose."""

    voter = models.ForeignKey(
        VoterRecord, verbose_name=_("投票人"), on_delete=models.CASCADE, related_name="open_votes"
    )
    item = models.ForeignKey(BallotItem, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="open_votes")
    choice = models.CharField(_("选择"), max_length=12, choices=VoteChoice)

    class Meta:
        verbose_name = _("记名投票")
        verbose_name_plural = _("记名投票")
        constraints = [
            models.UniqueConstraint(fields=["voter", "item"], name="congress_open_vote_once_per_item"),
            models.CheckConstraint(condition=Q(choice__in=VoteChoice.values), name="congress_open_vote_choice"),
        ]

    def __str__(self) -> str:
        return self.get_choice_display()


class SecretChoice(models.Model):
    """A choice on a secret (无记名) ballot: no delegate, no voter record, no time.

    The key is a random UUID, so neither the key nor an ORDER BY on it follows the order of voting.
    Residual risks (docs/congress.md): someone with SQL access while the ballot is open could match
    rows by PostgreSQL's xmin or physical order; closing the ballot rewrites these rows in one
    transaction in random order, which erases both.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(
        BallotItem, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="secret_choices"
    )
    choice = models.CharField(_("选择"), max_length=12, choices=VoteChoice)

    class Meta:
        verbose_name = _("无记名票")
        verbose_name_plural = _("无记名票")
        constraints = [
            models.CheckConstraint(condition=Q(choice__in=VoteChoice.values), name="congress_secret_choice_valid"),
        ]

    def __str__(self) -> str:
        return self.get_choice_display()


class CompilationExport(TimeStampedModel):
    """A 提案汇编 PDF being written by Celery: a whole congress takes longer than a request should
    (about 0.1 s per motion, 16 s for 150), so the page shows its progress and downloads when done."""

    Status = JobStatus

    session = models.ForeignKey(
        CongressSession, verbose_name=_("届次"), on_delete=models.CASCADE, related_name="compilations"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("生成人"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10, choices=JobStatus, default=JobStatus.QUEUED)
    motions = models.PositiveIntegerField(_("提案数"), default=0)
    file = models.FileField(_("文件"), upload_to="congress/compilations/%Y/", blank=True)
    message = models.TextField(_("说明"), blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("提案汇编")
        verbose_name_plural = _("提案汇编")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="congress_compilation_status"),
        ]

    def __str__(self) -> str:
        return f"{self.session} {self.created_at:%Y-%m-%d %H:%M}"
