"""Forms of the activities screens; the rules live in activities/services/."""

import uuid
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from finance.forms import leaf_accounts
from members.models import Member, OrgUnit
from union_office.history import reason_field
from union_office.limits import LONG_TEXT, limit_text

from .models import Eligibility, Event, EventKind, GroupPlan, InterestGroup, PolicyRule, Recurrence, Schedule
from .recurrence import WEEKDAY_NAMES

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
WEEKDAYS = list(enumerate(WEEKDAY_NAMES))


def people_with_login(units: QuerySet[OrgUnit]) -> QuerySet[Member]:
    """Who can be 负责人 or 组长: active members of these units with a login. A county has 100,000
    members; those who run an event or lead a group use the system, so the list stays short."""
    return (
        Member.objects.filter(org_unit__in=units, status=Member.Status.ACTIVE, user__isnull=False)
        .select_related("org_unit")
        .order_by("name")
    )


# A county has 100,000 members: no event or 比赛项目 takes more.
MAX_CAPACITY = 100_000


def at_most(field: forms.Field, limit: int) -> None:
    """Bound a count on a ModelForm that skips the model's validation (see their _post_clean): past
    the column's range PostgreSQL refuses the row with a DataError, a 500 instead of a message."""
    field.validators.append(MaxValueValidator(limit))
    field.widget.attrs["max"] = limit


def bootstrap(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.HiddenInput, forms.CheckboxInput)):
            continue
        if isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = [
            "title",
            "kind",
            "org_unit",
            "starts_at",
            "ends_at",
            "place",
            "eligibility",
            "eligible_units",
            "capacity",
            "signup_opens_at",
            "signup_closes_at",
            "items_per_person",
            "budget",
            "account",
            "responsible",
            "description",
        ]
        widgets = {
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "signup_opens_at": DATETIME,
            "signup_closes_at": DATETIME,
            "description": forms.Textarea(attrs={"rows": 3}),
            "eligible_units": forms.SelectMultiple(attrs={"size": 4}),
        }

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at", "signup_opens_at", "signup_closes_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["org_unit"].queryset = units
        self.fields["org_unit"].empty_label = None
        self.fields["eligible_units"].queryset = units
        self.fields["account"].queryset = leaf_accounts()
        self.fields["account"].help_text = _("留空则按活动类型选择（文体活动记 50101 等）")
        self.fields["account"].empty_label = _("（按活动类型）")
        self.fields["eligible_units"].help_text = _("参加对象为“指定单位的会员”时选择；按住 Ctrl 可多选")
        self.fields["responsible"].queryset = people_with_login(units)
        self.fields["responsible"].empty_label = _("（未指定）")
        self.fields["budget"].widget.attrs.update({"inputmode": "decimal", "step": "0.01"})
        self.fields["budget"].required = False
        at_most(self.fields["capacity"], MAX_CAPACITY)
        at_most(self.fields["items_per_person"], 100)
        if self.instance.pk:
            # The unit of an existing event does not move (its sign-ups and books are there).
            del self.fields["org_unit"]
        bootstrap(self)

    def _post_clean(self) -> None:
        # Saved by services.event_create / event_update, which check the rules with messages per field.
        pass


class SubEventForm(forms.Form):
    name = forms.CharField(label=_("项目名称"), max_length=100)
    capacity = forms.IntegerField(label=_("名额"), min_value=1, max_value=MAX_CAPACITY, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class ResultForm(forms.Form):
    result = forms.CharField(label=_("成绩"), max_length=50, required=False)
    rank = forms.IntegerField(label=_("名次"), min_value=1, max_value=10_000, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=200, required=False)


class ExpenseForm(forms.Form):
    date = forms.DateField(label=_("记账日期"), widget=DATE)
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=14, decimal_places=2, min_value=0.01)
    summary = forms.CharField(label=_("摘要"), max_length=150)
    counterparty = forms.CharField(label=_("收款单位/个人"), max_length=100, required=False)
    token = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("token", uuid.uuid4().hex)
        initial.setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)
        bootstrap(self)

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        if not token.isalnum():
            raise forms.ValidationError(_("表单已失效，请刷新页面后重新填写。"))
        return token


class ScheduleForm(forms.ModelForm):
    weekday = forms.TypedChoiceField(label=_("星期"), choices=[("", "—"), *WEEKDAYS], coerce=int, required=False)
    month_of_quarter = forms.TypedChoiceField(
        label=_("季度中的第几个月"),
        choices=[("", "—"), (1, _("第一个月")), (2, _("第二个月")), (3, _("第三个月"))],
        coerce=int,
        required=False,
    )

    class Meta:
        model = Schedule
        fields = [
            "title",
            "kind",
            "org_unit",
            "recurrence",
            "weekday",
            "day",
            "month_of_quarter",
            "week_of_month",
            "start_time",
            "end_time",
            "starts_on",
            "ends_on",
            "place",
            "responsible",
            "description",
            "audience",
            "audience_unit",
            "audience_group",
            "audience_members",
            "eligibility",
            "audience_reminders",
            "capacity",
        ]
        widgets = {
            "start_time": TIME,
            "end_time": TIME,
            "starts_on": DATE,
            "ends_on": DATE,
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units
        self.fields["org_unit"].empty_label = None
        self.fields["recurrence"].choices = Recurrence.choices
        self.fields["kind"].initial = EventKind.CONTEST
        self.fields["responsible"].queryset = people_with_login(units)
        self.fields["responsible"].empty_label = _("（未指定）")
        at_most(self.fields["day"], 31)
        at_most(self.fields["capacity"], MAX_CAPACITY)
        self.fields["audience_unit"].queryset = units
        self.fields["audience_group"].queryset = InterestGroup.objects.filter(org_unit__in=units).order_by("name")
        # Named members: the short list of people with a login (a whole unit is "一个分工会/小组").
        self.fields["audience_members"].queryset = people_with_login(units)
        self.fields["eligibility"].choices = [
            (Eligibility.ALL, _("全体在职会员")),
            (Eligibility.WOMEN, Eligibility.WOMEN.label),
            (Eligibility.RETIREES, Eligibility.RETIREES.label),
        ]
        bootstrap(self)

    def _post_clean(self) -> None:
        # The model's rule constraint is checked by the service with a message per field.
        pass


class SkipForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DATE)
    reason = forms.CharField(label=_("原因"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class GroupForm(forms.Form):
    name = forms.CharField(label=_("小组名称"), max_length=100)
    org_unit = forms.ModelChoiceField(label=_("所属工会"), queryset=OrgUnit.objects.none(), empty_label=None)
    leader = forms.ModelChoiceField(label=_("组长"), queryset=Member.objects.none())
    description = forms.CharField(label=_("简介"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units
        self.fields["leader"].queryset = people_with_login(units)
        bootstrap(self)


class GroupPlanForm(forms.ModelForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    class Meta:
        model = GroupPlan
        fields = ["year", "content", "budget_requested"]
        widgets = {"content": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("year", timezone.localdate().year)
        super().__init__(*args, **kwargs)
        bootstrap(self)

    def _post_clean(self) -> None:
        pass  # saved by services.group_plan_save


class DecisionForm(forms.Form):
    budget_approved = forms.DecimalField(label=_("批准经费（元）"), max_digits=14, decimal_places=2, required=False)
    note = forms.CharField(label=_("审批意见"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class PolicyRuleForm(forms.ModelForm):
    reason = reason_field()

    class Meta:
        model = PolicyRule
        fields = ["org_unit", "event_kind", "rule", "limit", "severity", "note"]

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units
        self.fields["org_unit"].empty_label = None
        self.fields["event_kind"].choices = EventKind.choices
        self.fields["event_kind"].initial = EventKind.RETREAT
        self.fields["rule"].choices = PolicyRule.Kind.choices
        bootstrap(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("rule") and data["rule"] != PolicyRule.Kind.NO_UNION_FUNDS and not data.get("limit"):
            self.add_error("limit", _("请填写限额（天数或每人每天的元数）。"))
        return data

    def _post_clean(self) -> None:
        pass  # saved by services.policy_rule_create


class PolicyRuleEditForm(forms.ModelForm):
    """A rule's limit, what a breach does and its basis; its kind stays (a new kind is a new rule)."""

    reason = reason_field()

    class Meta:
        model = PolicyRule
        fields = ["limit", "severity", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.rule == PolicyRule.Kind.NO_UNION_FUNDS:
            del self.fields["limit"]
        bootstrap(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data.setdefault("limit", None)
        return data

    def _post_clean(self) -> None:
        pass  # saved by services.policy_rule_update


# Free text has a limit (issue 17).
limit_text(EventForm, description=LONG_TEXT)
limit_text(GroupForm, description=LONG_TEXT)
limit_text(GroupPlanForm, content=LONG_TEXT)
limit_text(ScheduleForm, description=LONG_TEXT)
