"""Roster filters. The queryset they narrow is already scoped by the access policy; every choice
list (units, departments) is scoped too, so a value from outside the scope is simply invalid."""

import datetime
import re
import unicodedata
from functools import cached_property

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import Department, Gender, Member, MemberStatus, OrgUnit
from .stats import AGE_BAND_BY_KEY, AGE_BANDS

INVALID_CHOICE = _("请从列表中选择。")
# What a clerk types for "the last digits of the 身份证号": the masked column keeps the last four
# in clear (110105********123X), so one to four characters, the last of which may be the X.
ID_NUMBER_TAIL = re.compile(r"\d{1,4}|\d{0,3}X")
YEAR_RANGE = re.compile(r"(?P<start>\d{4})?\s*(?:-|~|–|—|至|到)\s*(?P<end>\d{4})?")
FIRST_YEAR = 1949


def _units(request) -> QuerySet[OrgUnit]:
    return selectors.roster_filter_units(request.user) if request else OrgUnit.objects.none()


def _departments(request) -> QuerySet[Department]:
    return selectors.roster_departments(request.user) if request else Department.objects.none()


class YearRangeField(forms.CharField):
    """ "2015", "2010-2015", "2010-" or "-2015" (also 2010至2015, full-width digits) → (start, end)."""

    default_error_messages = {
        "invalid": _("请填写四位年份，如 2015 或 2010-2015。"),
        "order": _("入会年份的起始年份不能晚于结束年份。"),
        "range": _("入会年份应在 %(first)s 年到 %(last)s 年之间。"),
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_python(self, value: str | None) -> tuple[int | None, int | None] | None:
        text = super().to_python(value)
        if not text:
            return None
        text = unicodedata.normalize("NFKC", text).replace("年", "").replace(" ", "")
        if text.isdigit() and len(text) == 4:
            start = end = int(text)
        elif (match := YEAR_RANGE.fullmatch(text)) and (match["start"] or match["end"]):
            start = int(match["start"]) if match["start"] else None
            end = int(match["end"]) if match["end"] else None
        else:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        last = timezone.localdate().year
        if any(year is not None and not FIRST_YEAR <= year <= last for year in (start, end)):
            raise ValidationError(
                self.error_messages["range"], code="range", params={"first": FIRST_YEAR, "last": last}
            )
        if start is not None and end is not None and start > end:
            raise ValidationError(self.error_messages["order"], code="order")
        return start, end


class JoinYearFilter(django_filters.Filter):
    field_class = YearRangeField

    def filter(self, qs: QuerySet[Member], value: tuple[int | None, int | None] | None) -> QuerySet[Member]:
        if not value:
            return qs
        start, end = value
        # Date bounds, not an extracted year: the comparison stays on the column as stored.
        if start is not None:
            qs = qs.filter(joined_on__gte=datetime.date(start, 1, 1))
        if end is not None:
            qs = qs.filter(joined_on__lt=datetime.date(end + 1, 1, 1))
        return qs


class MemberFilter(django_filters.FilterSet):
    """Roster filters, all combinable. Build it with `request=` (its choice lists are the user's)."""

    q = django_filters.CharFilter(label=_("搜索"), method="search", max_length=50)
    unit = django_filters.ModelChoiceFilter(
        label=_("单位"),
        queryset=_units,
        method="in_subtree",
        empty_label=_("全部单位"),
        error_messages={"invalid_choice": _("没有这个单位，或它不在您可查看的范围内。")},
    )
    department = django_filters.ModelChoiceFilter(
        label=_("部门"),
        queryset=_departments,
        empty_label=_("全部部门"),
        error_messages={"invalid_choice": _("没有这个部门，或它不在您可查看的范围内。")},
    )
    status = django_filters.ChoiceFilter(
        label=_("会籍状态"),
        choices=MemberStatus.choices,
        empty_label=_("全部"),
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    gender = django_filters.ChoiceFilter(
        label=_("性别"),
        choices=Gender.choices,
        empty_label=_("全部"),
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    frontline = django_filters.ChoiceFilter(
        label=_("一线职工"),
        choices=[("yes", _("是")), ("no", _("否"))],
        method="is_frontline",
        empty_label=_("全部"),
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    join_year = JoinYearFilter(label=_("入会年份"))
    age = django_filters.ChoiceFilter(
        label=_("年龄段"),
        choices=[(band.key, band.label) for band in AGE_BANDS],
        method="in_age_band",
        empty_label=_("全部"),
        error_messages={"invalid_choice": INVALID_CHOICE},
    )

    class Meta:
        model = Member
        fields = ["q", "unit", "department", "status", "gender", "frontline", "join_year", "age"]

    def search(self, queryset: QuerySet[Member], name: str, value: str) -> QuerySet[Member]:
        # Name, member number, the tail of a phone number or of the 身份证号: what clerks type at
        # the counter. Full-width digits from a Chinese input method count as digits.
        tail = unicodedata.normalize("NFKC", value).upper()
        q = Q(name__contains=value) | Q(member_no__iexact=value)
        if tail.isdigit():
            q |= Q(phone__endswith=tail)
        if ID_NUMBER_TAIL.fullmatch(tail):
            q |= Q(id_number_masked__endswith=tail)
        return queryset.filter(q)

    def in_subtree(self, queryset: QuerySet[Member], name: str, value: OrgUnit) -> QuerySet[Member]:
        return queryset.filter(org_unit__path__startswith=value.path)

    def is_frontline(self, queryset: QuerySet[Member], name: str, value: str) -> QuerySet[Member]:
        return queryset.filter(frontline=value == "yes")

    def in_age_band(self, queryset: QuerySet[Member], name: str, value: str) -> QuerySet[Member]:
        return queryset.filter(AGE_BAND_BY_KEY[value].q(timezone.localdate()))

    # What the roster template needs beyond the bound form: choice lists read in one query each
    # (a ModelChoiceField rendered as a widget would COUNT first), and the cleaned values.

    @cached_property
    def unit_options(self) -> list[tuple[str, str, bool]]:
        """(value, name indented by depth below the top of the user's scope, selected). Plain
        tuples: a county chair's select has a thousand options, rendered on every page view."""
        selected = self._raw("unit")
        units = list(self.form.fields["unit"].queryset)
        top = min((unit.depth for unit in units), default=0)
        return [(str(unit.pk), "\u3000" * (unit.depth - top) + unit.name, str(unit.pk) == selected) for unit in units]

    @cached_property
    def department_groups(self) -> list[tuple[str, list[tuple[str, str, bool]]]]:
        """Departments grouped under their 基层工会 (for <optgroup>), as (value, name, selected)."""
        selected = self._raw("department")
        groups: dict[int, tuple[str, list[tuple[str, str, bool]]]] = {}
        for department in self.form.fields["department"].queryset:
            _label, options = groups.setdefault(department.org_unit_id, (department.org_unit.name, []))
            options.append((str(department.pk), department.name, str(department.pk) == selected))
        return list(groups.values())

    def _raw(self, name: str) -> str:
        return str(self.form[name].value() or "")

    def cleaned(self, name: str):
        """A filter's valid value, or None when it is empty or was rejected."""
        if not self.is_bound:
            return None
        self.form.errors  # noqa: B018 -- validates the form once; cleaned_data keeps only the valid fields
        return self.form.cleaned_data.get(name)

    @property
    def invalid_labels(self) -> list[str]:
        """Labels of the filters whose values were rejected (and left out of the list)."""
        if not self.is_bound:
            return []
        return [str(self.form.fields[name].label) for name in self.form.errors if name in self.form.fields]
