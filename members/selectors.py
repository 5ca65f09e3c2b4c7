"""Reads of the roster that check access and keep the query count flat."""

from math import ceil
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from . import access
from .models import Department, Member, MemberStatus, OrgUnit

# The roster's order. By name, then pk so that pages never overlap: member_name_idx returns rows in
# name order (PostgreSQL breaks ties with an incremental sort), so the first page of a 100,000-member
# county reads ~50 index entries, where the unit-path order (Member.Meta.ordering) joins and sorts
# every row of the scope first (docs/performance.md).
ROSTER_ORDERING = ("name", "pk")


def member_list(user: Any, *, unit: OrgUnit | None = None, status: str = "") -> QuerySet[Member]:
    """Members the user may see in the roster, optionally narrowed to one unit's subtree."""
    qs = access.visible(user, "members.view_member", Member.objects.all())
    if unit is not None:
        qs = qs.filter(org_unit__path__startswith=unit.path)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("org_unit", "department").order_by(*ROSTER_ORDERING)


# A view of fewer members than this is read whole through its units' index and sorted; a larger one
# walks the name index until it has a page. PostgreSQL prefers the walk for both, but a 分工会's 1,000
# members are 1 % of a county's roster: the walk read ~5,000 index entries and their rows to find 50
# (9.5 ms), where reading the 1,000 and sorting them takes ~4 ms (docs/performance.md). Where the
# two meet: the walk reads ~50 × roster ÷ view rows, the sort ~view rows; √(50 × 100,000) ≈ 2,000.
SORTED_IN_QUERY_BELOW = 2_000


def roster_page_order(queryset: QuerySet[Member], count: int) -> QuerySet[Member]:
    """The roster's order (name, then pk) for a view of `count` members, asked in the form that
    reads the fewest rows: below SORTED_IN_QUERY_BELOW as an expression (name || ''), which sorts
    the same but which the name index cannot serve, so the planner reads the view's units instead."""
    if count >= SORTED_IN_QUERY_BELOW:
        return queryset
    return queryset.order_by(Concat("name", Value("")), "pk")


# The list counts no further than this: a county's 100,000 members read "共 10000+ 条", and pages
# reach the first 10,000 (200 pages by name); the filters narrow the list further than paging would.
ROSTER_COUNT_CAP = 10_000


class CappedPage(Page):
    def end_index(self) -> int:
        # Page.end_index() returns paginator.count on the last page, which is cap + 1 once capped.
        return self.start_index() + len(self) - 1 if len(self) else 0


class CappedPaginator(Paginator):
    """A Paginator given its count (roster_count: at most cap + 1) that, past the cap, offers the
    pages of the first `cap` rows."""

    def __init__(self, object_list: QuerySet[Member], per_page: int, *, cap: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap
        self.__dict__["count"] = count  # Paginator.count is a cached_property: no COUNT(*) query

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        return max(1, ceil(min(self.count, self.cap) / self.per_page))

    def page(self, number: Any) -> CappedPage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return CappedPage(self.object_list[bottom : min(bottom + self.per_page, self.cap)], number, self)


def roster_page(members: QuerySet[Member], number: Any, *, count: int, per_page: int) -> CappedPage:
    """One page of the roster list (`count` from roster_count): the columns the list shows, with
    the unit and department names in the same query (the masked number, never the cipher)."""
    rows = roster_page_order(members, count).select_related("org_unit", "department")
    rows = rows.only(
        "name", "frontline", "gender", "id_number_masked", "joined_on", "status", "org_unit__name", "department__name"
    )
    return CappedPaginator(rows, per_page, cap=ROSTER_COUNT_CAP, count=count).get_page(number)


def roster_count(queryset: QuerySet[Member], *, cap: int) -> int:
    """How many rows `queryset` has, counting no further than cap + 1.

    A full COUNT(*) reads every row of a county's 100,000 members on each page view; counting
    inside LIMIT cap + 1 stops early, and "more than cap" is all a reader of the list needs.
    """
    return queryset.order_by()[: cap + 1].count()


# Top-level units share this many roster versions, by id (migration 0009).
ROSTER_VERSION_BUCKETS = 64


def _roster_version_buckets(user: Any) -> list[int] | None:
    """The version buckets of the top-level units the user's roster scope lies in, or None when the
    scope holds the root (or everything): then only the global version is right."""
    if user is None or (getattr(user, "is_superuser", False) and user.is_active):
        return None
    paths = access.scope_paths(user, "members.view_member")
    if not paths or any(path.count("/") < 2 for path in paths):  # "0000001/" is the root itself
        return None
    return sorted({int(path.split("/")[1]) % ROSTER_VERSION_BUCKETS for path in paths})


def roster_versions(user: Any = None) -> tuple[str, str]:
    """Two fingerprints in one query: the unit tree's and the roster's.

    The tree's changes whenever a unit or a department is added, removed, renamed or moved (every
    such change goes through save(), which sets updated_at; a deletion changes the count): the
    roster caches its filter pickers under it, so a stale picker is never served, whichever process
    made the change. The roster's is a number the database moves on every write to the members
    (migration 0007: the importer's COPY included): counts and statistics are cached under both.
    Given the user, it is the version of the top-level units their scope lies in (migration 0009),
    so that a write in one county leaves another county's cached figures alone.
    """
    units, departments = OrgUnit._meta.db_table, Department._meta.db_table
    buckets = _roster_version_buckets(user)
    if buckets is None and connection.vendor == "postgresql":
        roster = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM members_roster_version"
    elif buckets is None:
        roster = "SELECT value FROM members_roster_version WHERE id = 1"
    elif connection.vendor == "postgresql":
        # The bucket numbers are ints computed above, never user input.
        roster = (
            "SELECT concat_ws(',', "
            + ", ".join(
                f"(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM members_roster_version_{bucket})"
                for bucket in buckets
            )
            + ")"
        )
    else:
        listed = ", ".join(str(bucket) for bucket in buckets)
        roster = (
            "SELECT group_concat(value, ',') FROM (SELECT value FROM members_roster_bucket"
            f" WHERE bucket IN ({listed}) ORDER BY bucket)"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {units}), (SELECT MAX(updated_at) FROM {units}), "
            f"(SELECT COUNT(*) FROM {departments}), (SELECT MAX(updated_at) FROM {departments}), ({roster})"
        )
        *tree, roster_version = cursor.fetchone()
    prefix = "" if buckets is None else "units:" + ",".join(str(bucket) for bucket in buckets) + ":"
    return "|".join(str(value) for value in tree), prefix + str(roster_version)


def roster_filter_units(user: Any) -> QuerySet[OrgUnit]:
    """The units the user can pick in the roster's unit filter, in tree order."""
    return access.units(user, "members.view_member").only("pk", "name", "path", "depth").order_by("path")


def roster_departments(user: Any) -> QuerySet[Department]:
    """The departments the user can pick in the roster filter.

    Departments belong to a 基层工会, and members of its 分工会 work in them: a 分工会 committee
    member sees the departments of the units above their scope as well as those inside it.
    """
    # Retired departments too: members may still be on record in one.
    qs = Department.all_objects.select_related("org_unit").order_by("org_unit__path", "name")
    if getattr(user, "is_superuser", False) and user.is_active:
        return qs
    roots = access.scope_paths(user, "members.view_member")
    q = Q(pk__in=[])
    for root in roots:
        q |= Q(org_unit__path__startswith=root)
    above = sorted({path for root in roots for path in access.ancestor_paths(root)})
    if above:
        q |= Q(org_unit__path__in=above)
    return qs.filter(q)


def member_get(user: Any, pk: int) -> Member:
    """One member's record: roster readers of that unit, or the member themself; else 404."""
    qs = Member.objects.select_related("org_unit", "department", "user")
    member = qs.filter(pk=pk).filter(access.unit_q(user, "members.view_member") | Q(user_id=user.pk)).first()
    if member is None:
        raise Http404(_("没有找到该会员，或您无权查看。"))
    return member


def unit_get(user: Any, pk: int) -> OrgUnit:
    return access.get_visible_or_404(user, "members.view_member", OrgUnit.objects.select_related("parent"), "", pk=pk)


def roster_units(user: Any) -> QuerySet[OrgUnit]:
    """The units the user can pick in roster filters, with active-member counts of each unit itself."""
    return access.units(user, "members.view_member").annotate(
        active_count=Count("members", filter=Q(members__status=MemberStatus.ACTIVE))
    )


def roster_breakdown(user: Any) -> list[tuple[OrgUnit, int]]:
    """The top units of the user's scope and the units right below them, each with the active
    members of its whole subtree. Two queries however many units: counts per unit are summed up
    the tree in Python (a union has at most a few thousand units)."""
    roots = access.scope_paths(user, "members.view_member")
    if not roots and not user.is_superuser:
        return []
    scope = access.units(user, "members.view_member")
    if user.is_superuser:
        top_depth = scope.order_by("depth").values_list("depth", flat=True).first() or 0
        shown = list(scope.filter(depth__lte=top_depth + 1))
    else:
        shown = [u for u in scope if u.path in roots or u.parent_id and u.path.rsplit("/", 2)[0] + "/" in roots]
    per_unit = (
        access.visible(user, "members.view_member", Member.objects.filter(status=MemberStatus.ACTIVE))
        .values_list("org_unit__path")
        .annotate(n=Count("pk"))
    )
    totals = {unit.path: 0 for unit in shown}
    for path, n in per_unit:
        for unit_path in totals:
            if path.startswith(unit_path):
                totals[unit_path] += n
    return [(unit, totals[unit.path]) for unit in shown]


def roster_overview(user: Any) -> dict[str, int]:
    """Head counts over the user's whole roster scope (dashboard)."""
    active = Q(status=MemberStatus.ACTIVE)
    return access.visible(user, "members.view_member", Member.objects.all()).aggregate(
        active=Count("pk", filter=active),
        women=Count("pk", filter=active & Q(gender="F")),
        frontline=Count("pk", filter=active & Q(frontline=True)),
        retired=Count("pk", filter=Q(status=MemberStatus.RETIRED)),
        total=Count("pk"),
    )
