"""Events, sign-ups, recurring schedules, interest groups and the money rules of union activities.

DESIGN.md §3.5. Workflows (event status, group plan approval) live in activities/workflow.py; every
write with a rule goes through activities/services/.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models import Member, OrgUnit
from union_office.models import TimeStampedModel


class EventKind(models.TextChoices):
    WOMENS_DAY = "womens_day", _("三八")
    LABOUR_DAY = "labour_day", _("五一")
    SPORTS_DAY = "sports_day", _("运动会")
    CHECKUP = "checkup", _("体检")
    RETREAT = "retreat", _("疗休养")
    OUTING = "outing", _("春游/秋游")
    CONTEST = "contest", _("文体比赛")
    READING = "reading", _("读书")
    VISIT = "visit", _("慰问")
    TRAINING = "training", _("培训")
    MEETING = "meeting", _("会议")
    OTHER = "other", _("其他")


class Eligibility(models.TextChoices):
    ALL = "all", _("全体会员")
    WOMEN = "women", _("女职工")
    RETIREES = "retirees", _("退休职工")
    UNITS = "units", _("指定单位的会员")


class EventStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    OPEN = "open", _("报名中")
    RUNNING = "running", _("进行中")
    FINISHED = "finished", _("已结束")
    CANCELLED = "cancelled", _("已取消")


class Event(TimeStampedModel):
    Kind = EventKind
    Eligibility = Eligibility
    Status = EventStatus

    title = models.CharField(_("活动名称"), max_length=200)
    kind = models.CharField(_("活动类型"), max_length=20, choices=EventKind, default=EventKind.OTHER)
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("主办工会"), on_delete=models.PROTECT, related_name="events")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    description = models.TextField(_("活动说明"), blank=True)
    eligibility = models.CharField(_("参加对象"), max_length=10, choices=Eligibility, default=Eligibility.ALL)
    # Only for Eligibility.UNITS: members of these units (and the units below them) may join.
    eligible_units = models.ManyToManyField(OrgUnit, verbose_name=_("指定单位"), blank=True, related_name="+")
    capacity = models.PositiveIntegerField(_("名额"), null=True, blank=True, help_text=_("留空表示不限名额"))
    signup_opens_at = models.DateTimeField(_("报名开始"), null=True, blank=True)
    signup_closes_at = models.DateTimeField(_("报名截止"), null=True, blank=True)
    # 运动会: each member enters at most this many 比赛项目 (null: no cap).
    items_per_person = models.PositiveSmallIntegerField(_("每人限报项数"), null=True, blank=True)
    budget = models.DecimalField(_("活动预算（元）"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    # The expense line the event's costs are booked on (50101 文体活动 …); chosen from the kind.
    account = models.ForeignKey(
        "finance.Account", verbose_name=_("支出科目"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responsible = models.ForeignKey(
        Member, verbose_name=_("负责人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("组织者"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=10, choices=EventStatus, default=EventStatus.PLANNED)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    # A generic link to what caused the event, e.g. "plans.scheduleentry:12" (a plan's 活动安排
    # entry). activities never imports plans: plans writes and reads this key.
    source_key = models.CharField(_("来源"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="event_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=EventStatus.values), name="event_status_valid"),
            models.CheckConstraint(condition=Q(eligibility__in=Eligibility.values), name="event_eligibility_valid"),
            models.CheckConstraint(condition=Q(ends_at__gte=F("starts_at")), name="event_ends_after_start"),
            models.CheckConstraint(
                condition=Q(signup_opens_at__isnull=True)
                | Q(signup_closes_at__isnull=True)
                | Q(signup_closes_at__gte=F("signup_opens_at")),
                name="event_signup_window_ordered",
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="event_budget_not_negative"),
            models.UniqueConstraint(fields=["source_key"], condition=~Q(source_key=""), name="event_unique_source"),
        ]
        indexes = [
            # The calendar: a unit's events overlapping a month.
            models.Index(fields=["org_unit", "starts_at"], name="event_unit_start_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class SubEvent(models.Model):
    """A 比赛项目 of a sports day (拔河, 乒乓球 …) with its own limit and, later, its ranking."""

    event = models.ForeignKey(Event, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="items")
    name = models.CharField(_("项目名称"), max_length=100)
    capacity = models.PositiveIntegerField(_("名额"), null=True, blank=True, help_text=_("留空表示不限名额"))
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("比赛项目")
        verbose_name_plural = _("比赛项目")
        ordering = ["event", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["event", "name"], name="subevent_unique_name")]

    def __str__(self) -> str:
        return self.name


class SignUpStatus(models.TextChoices):
    SIGNED_UP = "signed_up", _("已报名")
    WAITLISTED = "waitlisted", _("候补")
    CANCELLED = "cancelled", _("已取消")
    CHECKED_IN = "checked_in", _("已签到")


# The statuses that hold one of the event's places.
HOLDS_PLACE = (SignUpStatus.SIGNED_UP, SignUpStatus.CHECKED_IN)


class SignUp(TimeStampedModel):
    Status = SignUpStatus

    event = models.ForeignKey(Event, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="signups")
    member = models.ForeignKey(Member, verbose_name=_("会员"), on_delete=models.PROTECT, related_name="signups")
    status = models.CharField(_("状态"), max_length=12, choices=SignUpStatus)
    # When the member joined the queue or got a place: the waitlist is served in this order.
    queued_at = models.DateTimeField(_("报名时间"))
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["event", "queued_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=SignUpStatus.values), name="signup_status_valid"),
            # One row per member and event; cancelling and signing up again reuses it.
            models.UniqueConstraint(fields=["event", "member"], name="signup_one_per_member"),
        ]
        indexes = [
            # Counting places and serving the waitlist in order.
            models.Index(fields=["event", "status", "queued_at"], name="signup_event_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.event}"


class SubEventEntry(models.Model):
    """A member entered in a 比赛项目, with the result and rank recorded after the competition."""

    sub_event = models.ForeignKey(
        SubEvent, verbose_name=_("比赛项目"), on_delete=models.CASCADE, related_name="entries"
    )
    signup = models.ForeignKey(SignUp, verbose_name=_("报名"), on_delete=models.CASCADE, related_name="entries")
    result = models.CharField(_("成绩"), max_length=50, blank=True)
    rank = models.PositiveSmallIntegerField(_("名次"), null=True, blank=True)

    class Meta:
        verbose_name = _("项目报名")
        verbose_name_plural = _("项目报名")
        ordering = ["sub_event", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["sub_event", "signup"], name="subevententry_one_per_member"),
            models.CheckConstraint(condition=Q(rank__isnull=True) | Q(rank__gte=1), name="subevententry_rank_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.signup.member} · {self.sub_event}"


def new_checkin_token() -> str:
    return secrets.token_urlsafe(16)


# --- Recurring schedules ------------------------------------------------------------------------


class Recurrence(models.TextChoices):
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    NTH_WEEKDAY = "nth_weekday", _("每月第几个星期几")
    BIWEEKLY = "biweekly", _("两周一次")


class WeekOfMonth(models.IntegerChoices):
    FIRST = 1, _("第一个")
    SECOND = 2, _("第二个")
    THIRD = 3, _("第三个")
    FOURTH = 4, _("第四个")
    LAST = -1, _("最后一个")


class Audience(models.TextChoices):
    SUBTREE = "subtree", _("主办工会全体")
    UNIT = "unit", _("一个分工会/小组")
    GROUP = "group", _("兴趣小组")
    MEMBERS = "members", _("指定会员")


class AudienceReminders(models.TextChoices):
    AUTO = "auto", _("自动（人多时每月汇总）")
    NONE = "none", _("不提醒")
    EACH = "each", _("每次活动前一天")
    DIGEST = "digest", _("每月初汇总本月活动")


class Schedule(TimeStampedModel):
    """A recurring activity (每周五 14:00–17:00 全员健身); its occurrences are rows (Occurrence),
    materialised for a rolling horizon by activities/occurrences.py."""

    Recurrence = Recurrence

    title = models.CharField(_("活动名称"), max_length=200)
    kind = models.CharField(_("活动类型"), max_length=20, choices=EventKind, default=EventKind.OTHER)
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("主办工会"), on_delete=models.PROTECT, related_name="+")
    place = models.CharField(_("地点"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    recurrence = models.CharField(_("重复"), max_length=20, choices=Recurrence)
    weekday = models.PositiveSmallIntegerField(_("星期"), null=True, blank=True, help_text=_("0=星期一 … 6=星期日"))
    # Day of the month; 29–31 fall on the month's last day in shorter months.
    day = models.PositiveSmallIntegerField(_("日"), null=True, blank=True)
    month_of_quarter = models.PositiveSmallIntegerField(_("季度中的第几个月"), null=True, blank=True)
    # For 每月第一个周三 (with weekday): 1–4, or -1 for the month's last such weekday (每月最后一个周五).
    week_of_month = models.SmallIntegerField(_("每月第几个"), null=True, blank=True, choices=WeekOfMonth)
    start_time = models.TimeField(_("开始时刻"))
    end_time = models.TimeField(_("结束时刻"))
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    responsible = models.ForeignKey(
        Member, verbose_name=_("负责人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who the activity is for (activities/occurrences.py reads these): the host's whole subtree,
    # one 分工会/小组's subtree, an interest group or named members, narrowed by an eligibility.
    audience = models.CharField(_("参加范围"), max_length=10, choices=Audience, default=Audience.SUBTREE)
    audience_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("分工会/小组"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    audience_group = models.ForeignKey(
        "InterestGroup", verbose_name=_("兴趣小组"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    audience_members = models.ManyToManyField(Member, verbose_name=_("指定会员"), blank=True, related_name="+")
    eligibility = models.CharField(_("参加对象"), max_length=10, choices=Eligibility, default=Eligibility.ALL)
    audience_reminders = models.CharField(
        _("提醒参加者"), max_length=10, choices=AudienceReminders, default=AudienceReminders.AUTO
    )
    capacity = models.PositiveIntegerField(
        _("每次名额"), null=True, blank=True, help_text=_("留空表示不需报名；填写后每次活动需报名，额满候补")
    )
    # The month ("2026-05") whose digest was planned, won by a conditional update (one per month).
    digest_planned_for = models.CharField(max_length=7, blank=True, editable=False)
    # Same link as Event.source_key: the plan item or 活动安排 line that asked for the activity.
    source_key = models.CharField(_("来源"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("周期性活动")
        verbose_name_plural = _("周期性活动")
        ordering = ["org_unit", "title", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(recurrence__in=Recurrence.values), name="schedule_recurrence_valid"),
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="schedule_end_after_start"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="schedule_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(recurrence__in=(Recurrence.WEEKLY, Recurrence.BIWEEKLY), weekday__gte=0, weekday__lte=6)
                | Q(
                    recurrence=Recurrence.NTH_WEEKDAY,
                    weekday__gte=0,
                    weekday__lte=6,
                    week_of_month__in=WeekOfMonth.values,
                )
                | Q(recurrence=Recurrence.MONTHLY, day__gte=1, day__lte=31)
                | Q(
                    recurrence=Recurrence.QUARTERLY,
                    day__gte=1,
                    day__lte=31,
                    month_of_quarter__gte=1,
                    month_of_quarter__lte=3,
                ),
                name="schedule_rule_complete",
            ),
            models.CheckConstraint(condition=Q(audience__in=Audience.values), name="schedule_audience_valid"),
            models.CheckConstraint(
                condition=Q(audience_reminders__in=AudienceReminders.values), name="schedule_audience_reminders_valid"
            ),
            models.CheckConstraint(
                condition=Q(eligibility__in=(Eligibility.ALL, Eligibility.WOMEN, Eligibility.RETIREES)),
                name="schedule_eligibility_valid",
            ),
            models.CheckConstraint(
                condition=~Q(audience=Audience.UNIT) | Q(audience_unit__isnull=False),
                name="schedule_audience_unit_given",
            ),
            models.CheckConstraint(
                condition=~Q(audience=Audience.GROUP) | Q(audience_group__isnull=False),
                name="schedule_audience_group_given",
            ),
            models.UniqueConstraint(fields=["source_key"], condition=~Q(source_key=""), name="schedule_unique_source"),
        ]

    def __str__(self) -> str:
        return self.title


class ScheduleException(models.Model):
    """One occurrence that does not take place (国庆放假)."""

    schedule = models.ForeignKey(
        Schedule, verbose_name=_("周期性活动"), on_delete=models.CASCADE, related_name="exceptions"
    )
    date = models.DateField(_("日期"))
    reason = models.CharField(_("原因"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("停止一次")
        verbose_name_plural = _("停止一次")
        ordering = ["schedule", "date"]
        constraints = [models.UniqueConstraint(fields=["schedule", "date"], name="scheduleexception_unique_date")]

    def __str__(self) -> str:
        return f"{self.schedule} {self.date:%Y-%m-%d}"


class OccurrenceStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("正常")
    CANCELLED = "cancelled", _("已取消")


class Occurrence(TimeStampedModel):
    """One date of a recurring activity, stored so that it can be reminded, signed up and attended.

    `date` is the date the rule gives (the RECURRENCE-ID of the feed) and never changes; a moved
    occurrence keeps it and has other `starts_at`/`ends_at`.
    """

    Status = OccurrenceStatus

    schedule = models.ForeignKey(
        Schedule, verbose_name=_("周期性活动"), on_delete=models.CASCADE, related_name="occurrences"
    )
    date = models.DateField(_("日期"))
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=OccurrenceStatus, default=OccurrenceStatus.SCHEDULED)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    # The secret in the QR code shown at the venue: the check-in page needs it besides the login.
    checkin_token = models.CharField(max_length=64, default=new_checkin_token, editable=False)
    # Claimed by a conditional update when the reminders of this occurrence are scheduled, so that
    # two beats never fan out the same audience twice; cleared when the occurrence moves.
    reminders_planned_at = models.DateTimeField(_("提醒安排时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("周期性活动场次")
        verbose_name_plural = _("周期性活动场次")
        ordering = ["schedule", "date"]
        constraints = [
            # Two beats materialising at once insert each date once (ON CONFLICT DO NOTHING).
            models.UniqueConstraint(fields=["schedule", "date"], name="occurrence_unique_date"),
            models.CheckConstraint(condition=Q(status__in=OccurrenceStatus.values), name="occurrence_status_valid"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="occurrence_ends_after_start"),
        ]
        indexes = [
            # The calendar and "my activities this week": occurrences starting in a range.
            models.Index(fields=["starts_at"], name="occurrence_start_idx"),
            # The reminder planner: scheduled occurrences not yet planned, by start.
            models.Index(
                fields=["starts_at"], condition=Q(reminders_planned_at__isnull=True), name="occurrence_unplanned_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.schedule} {self.date:%Y-%m-%d}"


class AttendanceStatus(models.TextChoices):
    SIGNED_UP = "signed_up", _("已报名")
    WAITLISTED = "waitlisted", _("候补")
    CANCELLED = "cancelled", _("已取消")
    CHECKED_IN = "checked_in", _("已签到")


class Attendance(TimeStampedModel):
    """A member's sign-up for and check-in at one occurrence: one row per member and occurrence."""

    Status = AttendanceStatus

    occurrence = models.ForeignKey(
        Occurrence, verbose_name=_("场次"), on_delete=models.CASCADE, related_name="attendances"
    )
    member = models.ForeignKey(Member, verbose_name=_("会员"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=12, choices=AttendanceStatus)
    queued_at = models.DateTimeField(_("报名时间"))
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签到操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("场次签到")
        verbose_name_plural = _("场次签到")
        ordering = ["occurrence", "queued_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AttendanceStatus.values), name="attendance_status_valid"),
            # Once per member per occurrence: a second scan finds the row already checked in.
            models.UniqueConstraint(fields=["occurrence", "member"], name="attendance_one_per_member"),
            models.CheckConstraint(
                condition=~Q(status="checked_in") | Q(checked_in_at__isnull=False), name="attendance_checked_in_at"
            ),
        ]
        indexes = [
            # Places held and the waitlist of one occurrence, in order.
            models.Index(fields=["occurrence", "status", "queued_at"], name="attendance_occ_status_idx"),
            # A member's attendance over the year.
            models.Index(fields=["member", "status"], name="attendance_member_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.occurrence}"


# --- Interest groups -----------------------------------------------------------------------------


class InterestGroup(TimeStampedModel):
    name = models.CharField(_("小组名称"), max_length=100)
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("所属工会"), on_delete=models.PROTECT, related_name="+")
    leader = models.ForeignKey(Member, verbose_name=_("组长"), on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("简介"), blank=True)
    members = models.ManyToManyField(
        Member, verbose_name=_("组员"), through="GroupMembership", related_name="interest_groups"
    )

    class Meta:
        verbose_name = _("兴趣小组")
        verbose_name_plural = _("兴趣小组")
        ordering = ["org_unit", "name"]
        constraints = [models.UniqueConstraint(fields=["org_unit", "name"], name="interestgroup_unique_name")]

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    group = models.ForeignKey(InterestGroup, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    joined_on = models.DateField(_("加入日期"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "member"], name="groupmembership_unique")]

    def __str__(self) -> str:
        return f"{self.member} · {self.group}"


class GroupPlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审批")
    APPROVED = "approved", _("已批准")
    RETURNED = "returned", _("已退回")


class GroupPlan(TimeStampedModel):
    """A group's yearly activity plan and the budget it asks of the union; the committee decides."""

    Status = GroupPlanStatus

    group = models.ForeignKey(InterestGroup, verbose_name=_("兴趣小组"), on_delete=models.CASCADE, related_name="plans")
    year = models.PositiveSmallIntegerField(_("年度"))
    content = models.TextField(_("年度活动计划"))
    budget_requested = models.DecimalField(_("申请经费（元）"), max_digits=14, decimal_places=2)
    status = models.CharField(_("状态"), max_length=10, choices=GroupPlanStatus, default=GroupPlanStatus.DRAFT)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    budget_approved = models.DecimalField(_("批准经费（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("兴趣小组年度计划")
        verbose_name_plural = _("兴趣小组年度计划")
        ordering = ["group", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["group", "year"], name="groupplan_one_per_year"),
            models.CheckConstraint(condition=Q(status__in=GroupPlanStatus.values), name="groupplan_status_valid"),
            models.CheckConstraint(condition=Q(budget_requested__gte=0), name="groupplan_budget_not_negative"),
            models.CheckConstraint(
                condition=Q(budget_approved__isnull=True) | Q(budget_approved__gte=0),
                name="groupplan_approved_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.year}"


# --- Money: policy rules and expenses ----------------------------------------------------------


class PolicyRuleKind(models.TextChoices):
    MAX_DAYS = "max_days", _("最多天数")
    MAX_PER_PERSON_DAY = "max_per_person_day", _("每人每天最高标准（元）")
    NO_UNION_FUNDS = "no_union_funds", _("不得使用工会经费")


class Severity(models.TextChoices):
    WARN = "warn", _("提醒")
    BLOCK = "block", _("禁止")


class PolicyRule(TimeStampedModel):
    """A spending rule a unit sets for a kind of event (疗休养 ≤ 2 天、≤ 400 元/人/天; 体检由行政承担).

    A rule set at a unit holds for its whole subtree; every rule found on the way up applies.
    Set by the chair; every change is kept with its author and reason (`history`).
    """

    Kind = PolicyRuleKind
    Severity = Severity

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("制定单位"), on_delete=models.PROTECT, related_name="+")
    event_kind = models.CharField(_("活动类型"), max_length=20, choices=EventKind)
    rule = models.CharField(_("规则"), max_length=20, choices=PolicyRuleKind)
    limit = models.DecimalField(_("限额"), max_digits=14, decimal_places=2, null=True, blank=True)
    severity = models.CharField(_("违反时"), max_length=5, choices=Severity, default=Severity.WARN)
    note = models.CharField(_("依据"), max_length=200, blank=True)

    history = HistoricalRecords(verbose_name=_("经费使用规则历史"))

    class Meta:
        verbose_name = _("经费使用规则")
        verbose_name_plural = _("经费使用规则")
        ordering = ["org_unit", "event_kind", "rule"]
        constraints = [
            models.CheckConstraint(condition=Q(event_kind__in=EventKind.values), name="policyrule_kind_valid"),
            models.CheckConstraint(condition=Q(rule__in=PolicyRuleKind.values), name="policyrule_rule_valid"),
            models.CheckConstraint(condition=Q(severity__in=Severity.values), name="policyrule_severity_valid"),
            models.CheckConstraint(
                condition=Q(rule=PolicyRuleKind.NO_UNION_FUNDS) | Q(limit__gt=0), name="policyrule_limit_given"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_kind_display()} · {self.get_rule_display()}"


class EventExpense(models.Model):
    """One payment for an event, booked in the ledger through finance.services.book_payout."""

    event = models.ForeignKey(Event, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="expenses")
    entry = models.OneToOneField(
        "finance.LedgerEntry", verbose_name=_("记账凭证"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    date = models.DateField(_("日期"))
    summary = models.CharField(_("摘要"), max_length=200)
    # The policy rules that warned when it was booked (kept: the 经审 asks why it was paid anyway).
    warnings = models.JSONField(_("规则提醒"), default=list, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记账人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("活动支出")
        verbose_name_plural = _("活动支出")
        ordering = ["event", "date", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="eventexpense_amount_positive")]

    def __str__(self) -> str:
        return f"{self.event} {self.amount}"


# --- Calendar feed --------------------------------------------------------------------------------


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The secret of a user's iCalendar subscription URL; a new token revokes the old URL."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = _("日历订阅")

    def __str__(self) -> str:
        return str(self.user)
