"""Forms of the finance screens; the rules themselves live in finance/services/."""

import uuid
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import OrgUnit

from .models import Account, AccountKind, LedgerEntry

STALE_FORM = _("表单已失效，请刷新页面后重新填写。")
MONTH_CHOICES = [(m, _("%(month)s月") % {"month": m}) for m in range(1, 13)]


def leaf_accounts() -> QuerySet[Account]:
    """Active accounts without active sub-items: where entries are booked."""
    return Account.objects.filter(is_active=True).exclude(children__is_active=True).order_by("code")


def _bootstrap(form: forms.Form, small: bool = False) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", f"{css} {css}-sm" if small else css)


class EntryForm(forms.Form):
    """记账: one entry. The hidden token makes a double-clicked submit book once (source form:<token>)."""

    org_unit = forms.ModelChoiceField(label=_("记账单位"), queryset=OrgUnit.objects.none(), empty_label=None)
    date = forms.DateField(label=_("记账日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    account = forms.ModelChoiceField(label=_("科目"), queryset=Account.objects.none())
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=14, decimal_places=2, min_value=0.01)
    summary = forms.CharField(label=_("摘要"), max_length=200)
    counterparty = forms.CharField(label=_("往来单位/个人"), max_length=100, required=False)
    # Hidden: whatever is wrong with it, the one thing the user can do is reload the page.
    token = forms.CharField(
        widget=forms.HiddenInput,
        max_length=40,
        error_messages={"required": STALE_FORM, "max_length": STALE_FORM},
    )

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], **kwargs: Any) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("token", uuid.uuid4().hex)
        initial.setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units
        self.fields["account"].queryset = leaf_accounts()
        self.fields["amount"].widget.attrs.update({"inputmode": "decimal", "step": "0.01"})
        _bootstrap(self)

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        if not token.isalnum():
            raise forms.ValidationError(STALE_FORM)
        return token


class ReverseForm(forms.Form):
    date = forms.DateField(label=_("冲销日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = forms.CharField(label=_("冲销原因"), max_length=150)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)
        _bootstrap(self, small=True)


class UnitYearForm(forms.Form):
    """Which unit's books and which year a page shows (GET)."""

    unit = forms.ModelChoiceField(label=_("单位"), queryset=OrgUnit.objects.none(), empty_label=None)
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["year"].choices = [(y, _("%(year)s年") % {"year": y}) for y in years]
        _bootstrap(self, small=True)


class MonthForm(UnitYearForm):
    month = forms.TypedChoiceField(label=_("月份"), coerce=int, choices=MONTH_CHOICES)


class BudgetCreateForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("单位"), queryset=OrgUnit.objects.none(), empty_label=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("year", timezone.localdate().year + 1)
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        _bootstrap(self, small=True)


class OpeningBalanceForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("单位"), queryset=OrgUnit.objects.none(), empty_label=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    # Text, checked by the service: a deficit is negative, thousands separators are allowed.
    amount = forms.CharField(label=_("上年结余（元，赤字填负数）"), max_length=20)

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("year", timezone.localdate().year)
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        _bootstrap(self, small=True)


class AdjustmentForm(forms.Form):
    account = forms.ModelChoiceField(label=_("科目"), queryset=Account.objects.none())
    amount = forms.DecimalField(
        label=_("调整金额（元，调减填负数）"),
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )
    reason = forms.CharField(label=_("调整原因"), max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.filter(is_active=True).order_by("code")
        _bootstrap(self, small=True)


class EntryFilter(django_filters.FilterSet):
    """The ledger list: unit, year, month or a date range, account (with its sub-items), text."""

    org_unit = django_filters.ModelChoiceFilter(
        label=_("单位"), queryset=OrgUnit.objects.none(), empty_label=_("全部单位")
    )
    year = django_filters.ChoiceFilter(label=_("年度"), empty_label=_("全部年度"))
    month = django_filters.ChoiceFilter(
        label=_("月份"), choices=MONTH_CHOICES, empty_label=_("全部月份"), field_name="date", lookup_expr="month"
    )
    date_from = django_filters.DateFilter(
        label=_("起始日期"),
        field_name="date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = django_filters.DateFilter(
        label=_("截止日期"),
        field_name="date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    account = django_filters.ModelChoiceFilter(
        label=_("科目"), queryset=Account.objects.none(), empty_label=_("全部科目"), method="filter_account"
    )
    kind = django_filters.ChoiceFilter(
        label=_("收支"), choices=AccountKind.choices, empty_label=_("收入和支出"), field_name="account__kind"
    )
    q = django_filters.CharFilter(label=_("摘要/往来"), method="filter_text")
    # The 工会统计年报's 经费 figures link here with their unit: its whole subtree, within what the
    # user already reads (another union's number narrows to nothing).
    within = django_filters.NumberFilter(method="filter_within", widget=forms.HiddenInput)

    class Meta:
        model = LedgerEntry
        fields = ["org_unit", "year", "month", "date_from", "date_to", "account", "kind", "q", "within"]

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["org_unit"].queryset = units
        self.filters["year"].extra["choices"] = [(y, _("%(year)s年") % {"year": y}) for y in years]
        self.filters["account"].queryset = Account.objects.order_by("code")
        for field in self.form.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css

    def filter_account(self, queryset: QuerySet, name: str, value: Account) -> QuerySet:
        return queryset.filter(account__code__startswith=value.code)

    def filter_within(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        unit = OrgUnit.objects.filter(pk=value).first()
        return queryset.filter(org_unit__path__startswith=unit.path) if unit else queryset.none()

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(summary__icontains=value) | Q(counterparty__icontains=value))
