"""Roster filters. The queryset they narrow is already scoped by the access policy; every choice
list (units, departments) is scoped too, so a value from outside the scope is simply invalid."""

import datetime
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import django_filters
from django import forms
from django.contrib.postgres.fields import ArrayField
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Func, Q, QuerySet
from django.db.models.functions import Reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from union_office.integers import parse_int

from . import access, selectors
from .models import Department, Education, Ethnicity, Gender, Member, MemberStatus, OrgUnit, PoliticalStatus
from .stats import AGE_BAND_BY_KEY, AGE_BANDS

INVALID_CHOICE = _("请从列表中选择。")
# What a clerk types for "the last digits of the 身份证号": the masked column keeps the last four
# in clear (110105********123X), so one to four characters, the last of which may be the X.
ID_NUMBER_TAIL = re.compile(r"\d{1,4}|\d{0,3}X")
YEAR_RANGE = re.compile(r"(?P<start>\d{4})?\s*(?:-|~|–|—|至|到)\s*(?P<end>\d{4})?")
FIRST_YEAR = 1949


class NameGrams(Func):
    """Each character and each pair of adjacent characters of a name (migration 0008's
    members_name_grams, which its GIN index holds): PostgreSQL only."""

    function = "members_name_grams"
    output_field = ArrayField(models.TextField())


def name_grams(value: str) -> list[str]:
    """What a name containing `value` must hold: its pairs of characters, or the one character."""
    return list(dict.fromkeys(value[i : i + 2] for i in range(len(value) - 1))) or [value]


def _name_contains(value: str) -> Q:
    """姓名 contains `value`. On PostgreSQL through the index of name grams (a two-character name
    has no trigram); LIKE then checks each candidate, so the result is exactly "contains"."""
    if connection.vendor != "postgresql":
        return Q(name__contains=value)
    return Q(name_grams__contains=name_grams(value), name__contains=value)


def members_named(value: str) -> QuerySet[Member]:
    """Members whose 姓名 contains `value`, through the name-gram index on PostgreSQL: for other
    apps' searches by the applicant's name (`member__in=members_named(…)`), which would otherwise
    read every member's name when nothing matches."""
    aliases = {"name_grams": NameGrams("name")} if connection.vendor == "postgresql" else {}
    return Member.objects.alias(**aliases).filter(_name_contains(value))


def member_search(queryset: QuerySet[Member], value: str, *, user) -> QuerySet[Member]:
    """Name, member number, the tail of a phone number or of the 身份证号: what clerks type at the
    counter (the roster's 搜索 box and the navbar's search). Full-width digits from a Chinese input
    method count as digits. "Ends with" is asked as "the reversed column starts with the reversed
    tail": on PostgreSQL every arm of the OR then has an index (migrations 0006 and 0008), else it
    reads them all."""
    tail = unicodedata.normalize("NFKC", value).upper()
    q = _name_contains(value) | Q(member_no__iexact=value)
    # A phone's tail only for those who read phones in full: else ten searches spell a number out.
    if tail.isdigit() and user is not None and access.has_anywhere(user, "members.view_phone"):
        q |= Q(phone_reversed__startswith=tail[::-1])
    if ID_NUMBER_TAIL.fullmatch(tail):
        q |= Q(id_number_masked_reversed__startswith=tail[::-1])
    aliases = {"phone_reversed": Reverse("phone"), "id_number_masked_reversed": Reverse("id_number_masked")}
    if connection.vendor == "postgresql":
        aliases["name_grams"] = NameGrams("name")
    return queryset.alias(**aliases).filter(q)


def _units(request) -> QuerySet[OrgUnit]:
    return selectors.roster_filter_units(request.user) if request else OrgUnit.objects.none()


def _departments(request) -> QuerySet[Department]:
    return selectors.roster_departments(request.user) if request else Department.objects.none()


# How long a scope's rendered pickers stay cached. Their key carries the unit tree's version, so a
# change shows at once; the lifetime only lets the entries of old versions expire.
PICKER_CACHE_SECONDS = 60 * 60


@dataclass(frozen=True)
class RosterPickers:
    """The unit and department pickers of one roster scope, as rendered <option>s: a county
    chair's are 1,011 units and 200 departments, which took most of the page's time to read and
    render on every view (docs/performance.md). Read with values_list, rendered once, cached."""

    units_html: str
    departments_html: str

    @staticmethod
    def select(options_html: str, value: str) -> str:
        """The options with `value` marked selected. Every value is a primary key: anything but
        digits matches none, and the markup never echoes what the user sent."""
        if (pk := parse_int(value)) is not None:
            options_html = options_html.replace(f'<option value="{pk}">', f'<option value="{pk}" selected>', 1)
        # Escaped when built (format_html_join in _build_pickers).
        return mark_safe(options_html)


def _options_html(options) -> str:
    return format_html_join("", '<option value="{}">{}</option>', options)


def _build_pickers(user) -> RosterPickers:
    rows = list(selectors.roster_filter_units(user).values_list("pk", "name", "depth"))
    top = min((depth for _pk, _name, depth in rows), default=0)
    # Names indented by depth below the top of the user's scope.
    units = [(pk, "\u3000" * (depth - top) + name) for pk, name, depth in rows]
    # Departments grouped under their 基层工会, for <optgroup>.
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    departments = selectors.roster_departments(user).values_list("pk", "name", "org_unit_id", "org_unit__name")
    for pk, name, unit_id, unit_name in departments:
        groups.setdefault(unit_id, (unit_name, []))[1].append((pk, name))
    departments_html = format_html_join(
        "",
        '<optgroup label="{}">{}</optgroup>',
        ((unit_name, _options_html(options)) for unit_name, options in groups.values()),
    )
    # Plain str in the cache: two strings unpickle in microseconds.
    return RosterPickers(str(_options_html(units)), str(departments_html))


def roster_pickers(user, version: str) -> RosterPickers:
    """The user's pickers, cached per scope and `version` of the unit tree
    (selectors.roster_versions, one query)."""
    scope = access.scope_key(user, "members.view_member")
    digest = hashlib.sha256(f"{scope}\n{version}".encode()).hexdigest()
    key = f"members:roster-pickers:{digest}"
    pickers = cache.get(key)
    if pickers is None:
        pickers = _build_pickers(user)
        cache.set(key, pickers, PICKER_CACHE_SECONDS)
    return pickers


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
        if len(text) == 4 and (year := parse_int(text)) is not None:
            start = end = year
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


def _choice(label: str, choices: Any, **kwargs: Any) -> django_filters.ChoiceFilter:
    """A roster filter over a list of choices, "全部" when empty, one message for a bad value."""
    return django_filters.ChoiceFilter(
        label=label, choices=choices, empty_label=_("全部"), error_messages={"invalid_choice": INVALID_CHOICE}, **kwargs
    )


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
    status = _choice(_("会籍状态"), MemberStatus.choices)
    gender = _choice(_("性别"), Gender.choices)
    frontline = _choice(_("一线职工"), [("yes", _("是")), ("no", _("否"))], method="is_frontline")
    education = _choice(_("文化程度"), Education.choices)
    political_status = _choice(_("政治面貌"), PoliticalStatus.choices)
    ethnicity = _choice(_("民族"), Ethnicity.choices)
    join_year = JoinYearFilter(label=_("入会年份"))
    age = _choice(_("年龄段"), [(band.key, band.label) for band in AGE_BANDS], method="in_age_band")

    class Meta:
        model = Member
        fields = [
            "q",
            "unit",
            "department",
            "status",
            "gender",
            "frontline",
            "education",
            "political_status",
            "ethnicity",
            "join_year",
            "age",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The unit and department lists are the user's scope, built as querysets for the form's
        # fields: only a value given needs them (to be found in the scope). The page's pickers are
        # cached HTML (roster_pickers), so without a value the fields check nothing against them.
        for name, model in (("unit", OrgUnit), ("department", Department)):
            if not self.data.get(name):
                self.filters[name].queryset = model.objects.none()

    def search(self, queryset: QuerySet[Member], name: str, value: str) -> QuerySet[Member]:
        return member_search(queryset, value, user=self.request.user if self.request is not None else None)

    def in_subtree(self, queryset: QuerySet[Member], name: str, value: OrgUnit) -> QuerySet[Member]:
        return queryset.filter(org_unit__path__startswith=value.path)

    def is_frontline(self, queryset: QuerySet[Member], name: str, value: str) -> QuerySet[Member]:
        return queryset.filter(frontline=value == "yes")

    def in_age_band(self, queryset: QuerySet[Member], name: str, value: str) -> QuerySet[Member]:
        return queryset.filter(AGE_BAND_BY_KEY[value].q(timezone.localdate()))

    # What the roster template needs beyond the bound form: the pickers' options, read once per
    # scope and version of the unit tree (roster_pickers), and the cleaned values.

    @cached_property
    def versions(self) -> tuple[str, str]:
        return selectors.roster_versions(self.request.user if self.request else None)

    @property
    def tree_version(self) -> str:
        """The unit tree's version: the key of the cached pickers, and of the cached statistics."""
        return self.versions[0]

    @property
    def roster_version(self) -> str:
        """The roster's version (every write to a member moves it): the key of the cached counts."""
        return self.versions[1]

    @cached_property
    def pickers(self) -> RosterPickers:
        return roster_pickers(self.request.user, self.tree_version) if self.request else RosterPickers("", "")

    @property
    def unit_options_html(self) -> str:
        return self.pickers.select(self.pickers.units_html, self._raw("unit"))

    @property
    def department_options_html(self) -> str:
        return self.pickers.select(self.pickers.departments_html, self._raw("department"))

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
