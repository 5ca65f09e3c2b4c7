"""Reads of plans that check access, and the plan's tree with its numbering, in a fixed number of queries.

`plan_tree(plan)` loads every section and every item of a plan in two queries and nests them in
Python, so the editor, the detail page and the exports cost the same for 3 items or 300.

Numbering (plans/numbering.py gives the labels per depth): a section at depth d is numbered among
its sibling sections with the level-d label (一、 （一） 1、 （1） ①). Items are the leaves of the
plan and are written 1、 2、 … even directly under a 一、 heading, as union plans do ("一、… 1、…
2、…"); below a 1、 heading they go one level down like a sub-section would. Inside one section
the items come first, then the sub-sections; where both would use the same style the sub-sections
continue the items' count, so no two siblings ever show the same label.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When

from members import access
from members.models import Member, MemberStatus, OrgUnit

from .deadlines import Deadline, parse_deadline
from .models import Item, Plan, ScheduleEntry, Section
from .numbering import child_offset, heading_number, item_depth

VIEW_PERM = "plans.view_plan"
EDIT_PERM = "plans.edit_plan"
VIEW_MEMBER_PERM = "members.view_member"
OWNER_SUGGESTIONS = 10


@dataclass
class ItemNode:
    item: Item
    number: str
    depth: int  # the numbering level its label uses
    year: int

    kind = "item"

    @property
    def pk(self) -> int:
        return self.item.pk

    @cached_property
    def deadline(self) -> Deadline:
        """What plans/deadlines.py reads in the 时限 (an empty one reads as unparsed: check the text)."""
        return parse_deadline(self.item.deadline_text, self.year)


@dataclass
class SectionNode:
    section: Section
    number: str
    depth: int
    items: list[ItemNode] = field(default_factory=list)
    children: list["SectionNode"] = field(default_factory=list)
    # The section just above it at the same level (None for the first): the editor offers 缩进 only
    # when there is one.
    can_indent: bool = False

    kind = "section"

    @property
    def pk(self) -> int:
        return self.section.pk

    @property
    def can_outdent(self) -> bool:
        return self.depth > 1

    @property
    def item_count(self) -> int:
        return len(self.items) + sum(child.item_count for child in self.children)


def plan_tree(plan: Plan) -> list[SectionNode]:
    """The plan's top-level sections, nested, numbered; 2 queries whatever the size of the plan."""
    sections = list(Section.objects.filter(plan=plan).order_by("position", "pk"))
    items_by_section: dict[int, list[Item]] = defaultdict(list)
    for item in Item.objects.filter(section__plan=plan).select_related("owner").order_by("position", "pk"):
        items_by_section[item.section_id].append(item)
    children: dict[int | None, list[Section]] = defaultdict(list)
    for section in sections:
        children[section.parent_id].append(section)

    def build(parent_id: int | None, depth: int, offset: int) -> list[SectionNode]:
        nodes = []
        for index, section in enumerate(children[parent_id], start=1):
            level = item_depth(depth)
            items = [
                ItemNode(item=item, number=heading_number(level, i), depth=level, year=plan.year)
                for i, item in enumerate(items_by_section[section.pk], start=1)
            ]
            node = SectionNode(
                section=section,
                number=heading_number(depth, offset + index),
                depth=depth,
                items=items,
                children=build(section.pk, depth + 1, child_offset(depth, len(items))),
                can_indent=index > 1,
            )
            nodes.append(node)
        return nodes

    return build(None, 1, 0)


def iter_sections(tree: list[SectionNode]) -> Iterator[SectionNode]:
    """Every section node, depth first, in reading order."""
    for node in tree:
        yield node
        yield from iter_sections(node.children)


def iter_items(tree: list[SectionNode]) -> Iterator[ItemNode]:
    for node in iter_sections(tree):
        yield from node.items


def find_node(tree: list[SectionNode], kind: str, pk: int) -> SectionNode | ItemNode | None:
    nodes = iter_sections(tree) if kind == "section" else iter_items(tree)
    return next((node for node in nodes if node.pk == pk), None)


def outline(tree: list[SectionNode]) -> list[str]:
    """The plan as numbered lines ("一、标题", "1、内容"), for tests, diffs and previews."""
    lines = []
    for node in iter_sections(tree):
        lines.append(f"{node.number}{node.section.title}")
        lines.extend(f"{item.number}{item.item.content}" for item in node.items)
    return lines


def plan_schedule(plan: Plan) -> QuerySet[ScheduleEntry]:
    return plan.schedule.order_by("position", "pk")


def visible_plans(user: Any) -> QuerySet[Plan]:
    return access.visible(user, VIEW_PERM, Plan.objects.select_related("org_unit"))


def plan_get(user: Any, pk: int) -> Plan:
    """A plan the user may read, or 404 (also for a plan that does not exist)."""
    return access.get_visible_or_404(user, VIEW_PERM, Plan.objects.select_related("org_unit", "created_by"), pk=pk)


def plan_get_for_edit(user: Any, pk: int) -> Plan:
    """A plan the user may draft: 404 if they may not even read it, 403 if they may only read it."""
    plan = plan_get(user, pk)
    access.require(user, EDIT_PERM, plan.org_unit)
    return plan


def drafting_units(user: Any) -> QuerySet[OrgUnit]:
    """The units where the user may start a plan, in tree order."""
    return access.units(user, EDIT_PERM).select_related("parent").order_by("path")


def copy_sources(user: Any) -> QuerySet[Plan]:
    """Plans the user may read and so start from ("从去年的计划复制"), newest first."""
    return visible_plans(user).order_by("-year", "org_unit__path", "-version")


def owner_choices(user: Any, plan: Plan) -> QuerySet[Member]:
    """The members who can be linked as an item's 责任人: 在册 members of the plan's unit and the units
    below it, and of those only the ones the user may see on the roster (members.view_member)."""
    members = Member.objects.filter(org_unit__path__startswith=plan.org_unit.path, status=MemberStatus.ACTIVE)
    return access.visible(user, VIEW_MEMBER_PERM, members)


def owner_suggestions(user: Any, plan: Plan, query: str, limit: int = OWNER_SUGGESTIONS) -> list[Member]:
    """Up to `limit` of `owner_choices` whose name contains `query`, the exact and leading matches
    first: one query, and only the columns the picker shows (never the ID number)."""
    rank = Case(
        When(name=query, then=Value(0)),
        When(name__startswith=query, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return list(
        owner_choices(user, plan)
        .filter(name__contains=query)
        .select_related("org_unit", "department")
        .only("pk", "name", "org_unit__name", "department__name")
        .order_by(rank, "org_unit__path", "name", "pk")[:limit]
    )
