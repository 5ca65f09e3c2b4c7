"""The report page's parameters (GET): unit, and the period, year, account or grouping it needs."""

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import OrgUnit

from ..models import Account
from .base import Params, ReportSpec

GROUP_CHOICES = [("month", _("按月份")), ("source", _("按来源"))]
DEFAULT_ACCOUNT = "50201"


class ReportForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("单位"), queryset=OrgUnit.objects.none(), empty_label=None)
    date_from = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    account = forms.ModelChoiceField(
        label=_("科目"), queryset=Account.objects.order_by("code"), to_field_name="code", empty_label=None
    )
    group = forms.ChoiceField(label=_("统计方式"), choices=GROUP_CHOICES)

    def __init__(self, data: Any, *, spec: ReportSpec, units: QuerySet[OrgUnit], years: list[int]) -> None:
        super().__init__(data)
        self.spec = spec
        wanted = {"unit"} | {
            name for f in spec.fields for name in (("date_from", "date_to") if f == "period" else (f,))
        }
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        self.fields["unit"].queryset = units
        if "year" in self.fields:
            self.fields["year"].choices = [(y, _("%(year)s年") % {"year": y}) for y in years]
        for bound_field in self.fields.values():
            css = "form-select" if isinstance(bound_field.widget, forms.Select) else "form-control"
            bound_field.widget.attrs.setdefault("class", f"{css} {css}-sm")

    @staticmethod
    def defaults(unit: OrgUnit) -> dict[str, Any]:
        today = timezone.localdate()
        return {
            "unit": unit.pk,
            "date_from": dt.date(today.year, 1, 1).isoformat(),
            "date_to": today.isoformat(),
            "year": today.year,
            "account": DEFAULT_ACCOUNT,
            "group": "month",
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to:
            if date_from > date_to:
                raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
            if "account" in self.fields and date_from.year != date_to.year:
                raise forms.ValidationError(_("明细账按年度登记，起止日期须在同一年度内。"))
        return data

    def params(self) -> Params:
        data = self.cleaned_data
        return Params(
            unit=data["unit"],
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            year=data.get("year"),
            account=data.get("account"),
            group=data.get("group") or "month",
        )
