"""Head counts of a (filtered) roster: by unit, gender, age band and 一线职工.

Two queries however large the roster: one GROUP BY over the members' units with conditional counts
(gender, 一线, age bands), summed in Python up to the units shown, and one for the units shown. A
union has at most a few thousand units, so the grouped rows stay small while the members may be
100,000. The GROUP BY still reads every member of the view, so the view passes a cache key that
names the roster's version (selectors.roster_versions): a view is counted once per change of the
roster, not on every page (docs/performance.md).
"""

import datetime
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import access
from .models import Gender, Member, OrgUnit


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` earlier; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class AgeBand:
    """Whole years of age, both ends included; None is open-ended."""

    key: str
    label: Promise
    min_age: int | None
    max_age: int | None

    def q(self, today: datetime.date) -> Q:
        """Birth-date bounds for this band on `today`: a range on an indexed date column, so the
        filter never has to compute anyone's age row by row."""
        q = Q()
        if self.min_age is not None:
            # At least min_age years old: born on or before the day min_age years ago.
            q &= Q(birth_date__lte=years_before(today, self.min_age))
        if self.max_age is not None:
            # Not yet max_age + 1: born after the day max_age + 1 years ago.
            q &= Q(birth_date__gt=years_before(today, self.max_age + 1))
        return q


AGE_BANDS: tuple[AgeBand, ...] = (
    AgeBand("under35", _("35岁以下"), None, 34),
    AgeBand("35-45", _("35–45岁"), 35, 45),
    AgeBand("46-55", _("46–55岁"), 46, 55),
    AgeBand("over55", _("55岁以上"), 56, None),
)
AGE_BAND_BY_KEY = {band.key: band for band in AGE_BANDS}

# The cached counts change key whenever the roster changes; this bounds how long figures counted
# while a write was not yet committed can be served (migration 0007), and the cache's size.
STATS_CACHE_SECONDS = 300


@dataclass(frozen=True)
class Share:
    label: Any
    count: int
    total: int

    @property
    def percent(self) -> float:
        return round(100 * self.count / self.total, 1) if self.total else 0.0

    @property
    def fraction(self) -> float:
        """For <meter>: bars without inline styles (our CSP forbids style attributes)."""
        return self.count / self.total if self.total else 0.0


@dataclass(frozen=True)
class UnitCount:
    unit: OrgUnit | None  # None: members registered at the parent unit itself (本级)
    label: Any
    count: int
    level: int  # 0 for a top unit of the scope, 1 for the units right below it


@dataclass
class RosterStats:
    total: int
    gender: list[Share]
    age_bands: list[Share]
    frontline: Share
    units: list[UnitCount] = field(default_factory=list)

    def with_text_labels(self) -> "RosterStats":
        """A copy to cache: labels as text in the current language (the cache key names it).
        Lazy translations unpickle slowly: each builds its proxy class again (~3 ms a page)."""
        return replace(
            self,
            gender=[replace(share, label=str(share.label)) for share in self.gender],
            age_bands=[replace(share, label=str(share.label)) for share in self.age_bands],
            frontline=replace(self.frontline, label=str(self.frontline.label)),
            units=[replace(row, label=str(row.label)) for row in self.units],
        )

    @property
    def frontline_shares(self) -> list[Share]:
        return [self.frontline, Share(_("非一线"), self.total - self.frontline.count, self.total)]

    def unit_shares(self) -> list[Share]:
        """The units below the top, for the chart: with one top unit its children (and 本级),
        with several top units the top units themselves."""
        tops = [u for u in self.units if u.level == 0]
        rows = [u for u in self.units if u.level == 1] if len(tops) == 1 else tops
        return [Share(u.label, u.count, self.total) for u in rows or tops]

    def chart_data(self) -> dict[str, Any]:
        """What static/js/roster-stats.js draws; passed with json_script, never as code."""

        def series(shares: Sequence[Share]) -> dict[str, list]:
            return {"labels": [str(s.label) for s in shares], "values": [s.count for s in shares]}

        return {
            "total": self.total,
            "units": series(self.unit_shares()),
            "gender": series(self.gender),
            "age": series(self.age_bands),
            "frontline": series(self.frontline_shares),
            "people": str(_("人")),
            "other": str(_("其他")),
        }


def _top_paths(user: Any, root: OrgUnit | None) -> list[str] | None:
    """Paths of the units the breakdown starts from; None for everything (superuser, no unit)."""
    if root is not None:
        return [root.path]
    if getattr(user, "is_superuser", False) and user.is_active:
        return None
    return access.scope_paths(user, "members.view_member")


def _shown_units(top_paths: list[str] | None) -> list[OrgUnit]:
    if top_paths is None:
        # The whole installation: its top-level units and the units right below them.
        units = OrgUnit.objects.filter(depth__lte=1)
    elif not top_paths:
        return []
    else:
        units = OrgUnit.objects.filter(Q(path__in=top_paths) | Q(parent__path__in=top_paths))
    return list(units.only("pk", "name", "path", "depth", "parent_id", "sort_order").order_by("path"))


def _grouped_counts(queryset: QuerySet[Member], today: datetime.date) -> dict[str, Any]:
    """One GROUP BY over the members' units: the sums of every count, and each unit's total."""
    # Counting org_unit (never null) rather than pk: every column the counts read can then come
    # from one covering index, without visiting the table (docs/performance.md).
    counts = {
        "total": Count("org_unit"),
        "male": Count("org_unit", filter=Q(gender=Gender.MALE)),
        "female": Count("org_unit", filter=Q(gender=Gender.FEMALE)),
        "frontline": Count("org_unit", filter=Q(frontline=True)),
        **{f"band:{band.key}": Count("org_unit", filter=band.q(today)) for band in AGE_BANDS},
    }
    sums = dict.fromkeys(counts, 0)
    per_path: dict[str, int] = {}
    rows = (
        queryset.order_by()
        .values_list("org_unit__path")
        .annotate(**{f"count_{i}": count for i, count in enumerate(counts.values())})
    )
    for path, *values in rows:
        for name, value in zip(counts, values, strict=True):
            sums[name] += value
        per_path[path] = values[0]
    return {"sums": sums, "per_path": per_path}


def stats_cache_key(user: Any, query: str, *, today: datetime.date | None = None, version: str = "") -> str:
    """The cache key of one roster view's count and statistics: same scope, same filters, same day
    (age bands move at midnight), same language, same `version` of the unit tree and of the roster
    (a new unit or member is counted at once). Users with the same scope share it: the counts hold
    no one's own data."""
    scope = access.scope_key(user, "members.view_member")
    # A search by a phone's tail matches only for those who read phones (members.filters.search).
    if access.has_anywhere(user, "members.view_phone"):
        scope += "\nphones"
    # The language too: the statistics are kept with their labels (本级 rows are formatted text).
    key = f"{scope}\n{query}\n{today or timezone.localdate()}\n{translation.get_language()}\n{version}"
    return "members:roster-stats:" + hashlib.sha256(key.encode()).hexdigest()


def roster_stats(
    user: Any,
    queryset: QuerySet[Member],
    *,
    root: OrgUnit | None = None,
    today: datetime.date | None = None,
) -> RosterStats:
    """Statistics of `queryset` (already scoped and filtered), broken down from `root` or else from
    the top units of the user's roster scope. Two queries, whatever the number of members.

    The roster list keeps them in the cache under stats_cache_key (members/views/roster.py).
    """
    today = today or timezone.localdate()
    counts = _grouped_counts(queryset, today)
    sums = counts["sums"]
    shown = _shown_units(_top_paths(user, root))
    per_unit = {unit.path: 0 for unit in shown}
    for path, n in counts["per_path"].items():
        # Credit each unit's members to every shown unit above it (itself included).
        prefix = ""
        for segment in path.split("/")[:-1]:
            prefix += f"{segment}/"
            if prefix in per_unit:
                per_unit[prefix] += n

    total = sums["total"]
    gender = [Share(Gender.MALE.label, sums["male"], total), Share(Gender.FEMALE.label, sums["female"], total)]
    unknown = total - sums["male"] - sums["female"]
    if unknown:
        gender.append(Share(_("未填"), unknown, total))
    stats = RosterStats(
        total=total,
        gender=gender,
        age_bands=[Share(band.label, sums[f"band:{band.key}"], total) for band in AGE_BANDS],
        frontline=Share(_("一线职工"), sums["frontline"], total),
        units=_unit_rows(shown, per_unit),
    )
    return stats


def _unit_rows(shown: list[OrgUnit], per_unit: dict[str, int]) -> list[UnitCount]:
    """Each top unit, then its children (largest first) and, if any, its own members (本级)."""
    paths = set(per_unit)
    tops = [u for u in shown if not any(u.path != p and u.path.startswith(p) for p in paths)]
    result: list[UnitCount] = []
    for top in tops:
        result.append(UnitCount(top, top.name, per_unit[top.path], 0))
        children = sorted(
            (u for u in shown if u.parent_id == top.pk), key=lambda u: (-per_unit[u.path], u.sort_order, u.path)
        )
        result.extend(UnitCount(child, child.name, per_unit[child.path], 1) for child in children)
        own = per_unit[top.path] - sum(per_unit[child.path] for child in children)
        if children and own:
            result.append(UnitCount(None, _("%(unit)s本级") % {"unit": top.name}, own, 1))
    return result
