"""The navbar's one search box: members, motions, plan items, events, aid and 金秋 applications.

Each kind is read through its own app's access selector (the same rows its list shows the user),
so the search can never show a record the user could not open; a kind the user has no access to
is not asked at all. One query per kind whatever the number of hits (LIMIT + 1 to know whether
there is more). Members are found like the roster's 搜索 box (members.filters.member_search: the
name-gram index on PostgreSQL, LIKE elsewhere) and shown with the masked 身份证号 only.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from activities.selectors import visible_events
from congress.selectors import motions_visible
from members import access
from members.filters import member_search
from members.models import Member
from plans.models import Item
from welfare.selectors import applications_visible, student_applications_visible

LIMIT = 10
MAX_QUERY = 50
MOTION_NUMBER = re.compile(r"(?:(?P<year>\d{4})\s*-\s*)?(?P<number>\d{1,4})")


@dataclass
class Hit:
    title: str
    detail: str
    url: str


@dataclass
class Group:
    key: str
    label: str | Promise
    hits: list[Hit] = field(default_factory=list)
    more: bool = False


def clean_query(value: str | None) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()[:MAX_QUERY]


def _take(queryset: Any) -> tuple[list[Any], bool]:
    rows = list(queryset[: LIMIT + 1])
    return rows[:LIMIT], len(rows) > LIMIT


def _pk(query: str) -> int | None:
    """ "#123" or "123": an application's number is its id."""
    digits = query.lstrip("#")
    return int(digits) if digits.isdigit() and len(digits) < 10 else None


def _members(user: Any, query: str) -> Group:
    group = Group("members", _("会员"))
    if not access.has_anywhere(user, "members.view_member"):
        return group
    queryset = member_search(access.visible(user, "members.view_member", Member.objects.all()), query, user=user)
    # By pk, not by name: a one-character query (a common surname) matches thousands of members,
    # and sorting them all by name to show ten cost ~250 ms at 100,000 members; in pk order
    # PostgreSQL stops at the eleventh match. The ten shown are then sorted by name.
    rows, group.more = _take(
        queryset.select_related("org_unit")
        .only("pk", "name", "member_no", "id_number_masked", "org_unit__name")
        .order_by("pk")
    )
    rows.sort(key=lambda m: (m.name, m.pk))
    group.hits = [
        Hit(
            m.name,
            " · ".join(filter(None, [m.member_no, m.id_number_masked, m.org_unit.name])),
            reverse("members:member_detail", args=[m.pk]),
        )
        for m in rows
    ]
    return group


def _motions(user: Any, query: str) -> Group:
    group = Group("motions", _("提案"))
    q = Q(title__icontains=query)
    if match := MOTION_NUMBER.fullmatch(query):
        number = Q(number=int(match["number"]))
        q |= number & Q(session__year=int(match["year"])) if match["year"] else number
    rows, group.more = _take(
        motions_visible(user).filter(q).select_related("session").distinct().order_by("-session__year", "number", "pk")
    )
    group.hits = [
        Hit(
            m.title,
            " · ".join(filter(None, [f"{m.session.year}-{m.number:03d}" if m.number else "", m.get_status_display()])),
            reverse("congress:motion_detail", args=[m.pk]),
        )
        for m in rows
    ]
    return group


def _plan_items(user: Any, query: str) -> Group:
    group = Group("plan_items", _("计划条目"))
    queryset = access.visible(user, "plans.view_plan", Item.objects.all(), "section__plan__org_unit")
    rows, group.more = _take(
        queryset.filter(content__icontains=query)
        .select_related("section__plan")
        .order_by("-section__plan__year", "section__plan_id", "pk")
    )
    group.hits = [
        Hit(
            i.content[:80],
            f"{i.section.plan.title} · {i.get_status_display()}",
            reverse("plans:detail", args=[i.section.plan_id]),
        )
        for i in rows
    ]
    return group


def _events(user: Any, query: str) -> Group:
    group = Group("events", _("活动"))
    rows, group.more = _take(visible_events(user).filter(title__icontains=query).order_by("-starts_at", "pk"))
    group.hits = [
        Hit(e.title, f"{e.starts_at:%Y-%m-%d} · {e.org_unit.name}", reverse("activities:event_detail", args=[e.pk]))
        for e in rows
    ]
    return group


def _aid(user: Any, query: str) -> Group:
    group = Group("aid", _("帮扶申请"))
    q = Q(member__name__contains=query)
    if (pk := _pk(query)) is not None:
        q |= Q(pk=pk)
    rows, group.more = _take(applications_visible(user).filter(q).select_related("member").order_by("-pk"))
    group.hits = [
        Hit(str(a), f"#{a.pk} · {a.get_state_display()}", reverse("welfare:aid_detail", args=[a.pk])) for a in rows
    ]
    return group


def _students(user: Any, query: str) -> Group:
    group = Group("students", _("金秋助学申请"))
    q = Q(student_name__contains=query) | Q(member__name__contains=query)
    if (pk := _pk(query)) is not None:
        q |= Q(pk=pk)
    rows, group.more = _take(student_applications_visible(user).filter(q).select_related("member").order_by("-pk"))
    group.hits = [
        Hit(
            s.student_name,
            f"#{s.pk} · {s.member.name} · {s.get_state_display()}",
            reverse("welfare:student_detail", args=[s.pk]),
        )
        for s in rows
    ]
    return group


SEARCHES = (_members, _motions, _plan_items, _events, _aid, _students)


def search(user: Any, query: str) -> list[Group]:
    """The groups with hits, in a fixed order; nothing for an empty query."""
    query = clean_query(query)
    if not query:
        return []
    return [group for group in (find(user, query) for find in SEARCHES) if group.hits]
