"""Reads of plans: access, the plan's tree with its numbering, the list, completion, following
and comparing versions, each in a fixed number of queries.

Every read starts from `members.access` (plans.view_plan reaches up: a 分工会 member reads the plan
of their 基层工会), so someone outside the unit gets 404. The tree of one plan is loaded once and
the numbers, roll-ups and groupings are computed in Python: a plan has tens of sections and at
most a few hundred items, so one query per table beats any per-node query.

`plan_tree(plan)` loads every section and every item of a plan in two queries and nests them in
Python, so the editor, the detail page and the exports cost the same for 3 items or 300.

Numbering (plans/numbering.py gives the labels per depth): a section at depth d is numbered among
its sibling sections with the level-d label (一、 （一） 1、 （1） ①). Items are the leaves of the
plan and are written 1、 2、 … even directly under a 一、 heading, as union plans do ("一、… 1、…
2、…"); below a 1、 heading they go one level down like a sub-section would. Inside one section
the items come first, then the sub-sections; where both would use the same style the sub-sections
continue the items' count, so no two siblings ever show the same label.
"""

import datetime
import difflib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from members import access
from members.models import Member, MemberStatus, OrgUnit

from .deadlines import Deadline, parse_deadline
from .models import Item, ItemStatus, Plan, ScheduleEntry, Section
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


CLOSED = frozenset({ItemStatus.DONE, ItemStatus.CANCELLED})


def _paths(nodes: Iterable[SectionNode], prefix: str = "") -> Iterable[tuple[SectionNode, str]]:
    """Each section with the numbers from the top down to it: 一、（二）."""
    for node in nodes:
        path = prefix + node.number
        yield node, path
        yield from _paths(node.children, path)


# List and one plan --------------------------------------------------------------------------------


def plan_list(user: Any) -> QuerySet[Plan]:
    """The plans the user may read, with `items_total` (not cancelled) and `items_done` for completion.

    One query whatever the number of plans: the counts are a GROUP BY over the join.
    """
    plans = Plan.objects.select_related("org_unit").annotate(
        items_total=Count("sections__items", filter=~Q(sections__items__status=ItemStatus.CANCELLED)),
        items_done=Count("sections__items", filter=Q(sections__items__status=ItemStatus.DONE)),
    )
    return access.visible(user, VIEW_PERM, plans).order_by("-year", "org_unit__path", "-version")


def plan_get(user: Any, pk: int) -> Plan:
    """One plan the user may read, or 404 (also for a plan that does not exist)."""
    queryset = Plan.objects.select_related("org_unit", "previous", "approved_by", "created_by")
    return access.get_visible_or_404(user, VIEW_PERM, queryset, pk=pk)


def plan_versions(plan: Plan) -> list[Plan]:
    """All versions of the same unit's plan for the year, newest first."""
    return list(
        Plan.objects.filter(org_unit=plan.org_unit_id, year=plan.year)
        .only("pk", "version", "status", "title", "approved_at", "created_at", "previous_id")
        .order_by("-version")
    )


# Completion --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    done: int = 0
    total: int = 0  # items that count: cancelled ones are left out

    @property
    def percent(self) -> int | None:
        """Rounded down, so 100 % means every item is done; None when nothing counts."""
        return self.done * 100 // self.total if self.total else None

    def __add__(self, other: "Completion") -> "Completion":
        return Completion(self.done + other.done, self.total + other.total)


@dataclass(frozen=True)
class PlanCompletion:
    overall: Completion
    sections: dict[int, Completion]  # section pk → completion of its whole subtree


def plan_completion(plan: Plan, nodes: Sequence[SectionNode] | None = None) -> PlanCompletion:
    """Done / counted items, per section over its subtree and for the whole plan.

    An item counts 1 when 已完成 and 0 otherwise; 已取消 items are not counted. With the tree
    already loaded (`nodes`) it costs no query; otherwise one for the sections and one for the items.
    """
    if nodes is not None:
        parents = {node.section.pk: node.section.parent_id for node in iter_sections(list(nodes))}
        statuses = [(i.item.section_id, i.item.status) for node in iter_sections(list(nodes)) for i in node.items]
    else:
        parents = dict(Section.objects.filter(plan=plan).values_list("pk", "parent_id"))
        statuses = list(Item.objects.filter(section__plan=plan).values_list("section_id", "status"))
    own: dict[int, Completion] = {}
    for section_id, status in statuses:
        if status == ItemStatus.CANCELLED:
            continue
        own[section_id] = own.get(section_id, Completion()) + Completion(int(status == ItemStatus.DONE), 1)
    rolled: dict[int, Completion] = {pk: Completion() for pk in parents}
    for section_id, completion in own.items():
        seen: set[int] = set()
        current: int | None = section_id
        while current is not None and current not in seen and current in rolled:
            seen.add(current)
            rolled[current] += completion
            current = parents.get(current)
    overall = sum(own.values(), Completion())
    return PlanCompletion(overall, rolled)


# Following ---------------------------------------------------------------------------------------


@dataclass
class FollowRow:
    node: ItemNode
    section: SectionNode
    path: str  # the item's full number, 一、（二）3、
    due: datetime.date | None
    overdue_days: int = 0


@dataclass
class FollowGroup:
    key: str
    label: Any
    rows: list[FollowRow] = field(default_factory=list)


FOLLOW_GROUPS: tuple[tuple[str, Any], ...] = (
    ("overdue", _("已逾期")),
    ("this_month", _("本月")),
    ("next_month", _("下月")),
    ("later", _("以后")),
    ("unparsed", _("时限未识别")),
    ("no_deadline", _("无时限")),
    ("past", _("此前已结束")),
)


def _month_start(day: datetime.date, months_ahead: int = 0) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months_ahead
    return datetime.date(index // 12, index % 12 + 1, 1)


def _next_due(node: ItemNode, today: datetime.date) -> datetime.date | None:
    """The next date the item is due: for "3月;11月" in April the end of November, for 每月 this month's end."""
    return node.deadline.next_due(today) or node.item.deadline_due


def follow_group_key(item: Item, due: datetime.date | None, today: datetime.date) -> str:
    """Which group of the following page an item belongs to on `today`."""
    if not item.deadline_text.strip():
        return "no_deadline"
    if not item.deadline_ok:
        return "unparsed"
    if item.deadline_due is not None and item.deadline_due < today and item.status not in CLOSED:
        return "overdue"
    if due is None:
        return "no_deadline"
    if due < _month_start(today):
        return "past" if item.status in CLOSED else "overdue"
    if due < _month_start(today, 1):
        return "this_month"
    if due < _month_start(today, 2):
        return "next_month"
    return "later"


def plan_following(plan: Plan, today: datetime.date, nodes: Sequence[SectionNode] | None = None) -> list[FollowGroup]:
    """The plan's items grouped by 时限 on `today`: 已逾期, 本月, 下月, 以后, 时限未识别, 无时限.

    已逾期 is an item whose final date has passed and which is neither done nor cancelled; the
    month groups use the next date an item is due (a 时限 of several months is due again later).
    Empty groups are left out.
    """
    nodes = plan_tree(plan) if nodes is None else nodes
    groups = {key: FollowGroup(key, label) for key, label in FOLLOW_GROUPS}
    for section, path in _paths(nodes):
        for node in section.items:
            item = node.item
            due = _next_due(node, today) if item.deadline_ok and item.deadline_text else None
            key = follow_group_key(item, due, today)
            row = FollowRow(node, section, path + node.number, due)
            if key == "overdue":
                row.due = item.deadline_due or due
                row.overdue_days = (today - row.due).days if row.due else 0
            groups[key].rows.append(row)
    for group in groups.values():
        group.rows.sort(key=lambda row: (row.due or datetime.date.max, row.node.item.section_id, row.node.item.pk))
    return [group for group in groups.values() if group.rows]


# Comparing versions ------------------------------------------------------------------------------

SAME, CHANGED, ADDED, REMOVED = "same", "changed", "added", "removed"
# Below this similarity two texts are shown as replaced wholesale rather than word by word.
INLINE_MIN_RATIO = 0.3
# A pair of sections or items is "the same one, edited" when its title similarity, plus a bonus
# for keeping its number (same place under the same parent), reaches this score.
MATCH_SCORE = 0.6
SAME_NUMBER_BONUS = 0.2


@dataclass
class DiffField:
    label: Any
    old: SafeString
    new: SafeString
    state: str


@dataclass
class DiffRow:
    kind: str  # header, section, item, schedule
    state: str
    depth: int
    old_number: str
    new_number: str
    fields: list[DiffField]


@dataclass
class PlanDiff:
    old: Plan
    new: Plan
    header: list[DiffRow]
    tree: list[DiffRow]
    schedule: list[DiffRow]

    @property
    def counts(self) -> dict[str, int]:
        rows = [*self.header, *self.tree, *self.schedule]
        return {state: sum(row.state == state for row in rows) for state in (ADDED, REMOVED, CHANGED)}

    @property
    def has_changes(self) -> bool:
        return any(self.counts.values())


def inline_diff(old: str, new: str) -> tuple[SafeString, SafeString]:
    """Both texts as HTML, the deleted parts of `old` in <del>, the inserted parts of `new` in <ins>.

    Character by character: Chinese has no spaces to split words on. Every piece is escaped
    before it is wrapped, so user text never becomes markup.
    """
    if old == new:
        return escape(old), escape(new)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if not old or not new or matcher.ratio() < INLINE_MIN_RATIO:
        return (
            mark_safe(f"<del>{escape(old)}</del>") if old else escape(old),
            mark_safe(f"<ins>{escape(new)}</ins>") if new else escape(new),
        )
    left: list[str] = []
    right: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        a, b = escape(old[i1:i2]), escape(new[j1:j2])
        if tag == "equal":
            left.append(a)
            right.append(b)
            continue
        if a:
            left.append(f"<del>{a}</del>")
        if b:
            right.append(f"<ins>{b}</ins>")
    return mark_safe("".join(left)), mark_safe("".join(right))


def align[T](old: Sequence[T], new: Sequence[T], key: Callable[[T], str]) -> list[tuple[T | None, T | None]]:
    """Pair the old and new siblings, in the new order, with removed old ones where they stood.

    Equal texts pair first; then the most similar pairs (difflib ratio, plus a bonus for the same
    number) down to MATCH_SCORE. Anything left is added (new only) or removed (old only).
    """
    old_keys = [key(o) for o in old]
    new_keys = [key(n) for n in new]
    pairs: dict[int, int] = {}
    for i, text in enumerate(old_keys):
        candidates = [j for j, other in enumerate(new_keys) if other == text and j not in pairs.values()]
        if candidates:
            pairs[i] = min(candidates, key=lambda j: abs(j - i))
    scored = []
    for i in range(len(old)):
        if i in pairs:
            continue
        for j in range(len(new)):
            if j in pairs.values():
                continue
            ratio = difflib.SequenceMatcher(None, old_keys[i], new_keys[j], autojunk=False).ratio()
            score = ratio + (SAME_NUMBER_BONUS if i == j else 0)
            if score >= MATCH_SCORE:
                scored.append((-score, abs(i - j), i, j))
    taken_new = set(pairs.values())
    for _score, _distance, i, j in sorted(scored):
        if i not in pairs and j not in taken_new:
            pairs[i] = j
            taken_new.add(j)
    removed_after: dict[int | None, list[int]] = {}
    for i in range(len(old)):
        if i in pairs:
            continue
        before = [p for p in pairs if p < i]
        anchor = pairs[max(before)] if before else None
        removed_after.setdefault(anchor, []).append(i)
    result: list[tuple[T | None, T | None]] = [(old[i], None) for i in removed_after.get(None, [])]
    new_to_old = {j: i for i, j in pairs.items()}
    for j in range(len(new)):
        result.append((old[new_to_old[j]] if j in new_to_old else None, new[j]))
        result.extend((old[i], None) for i in removed_after.get(j, []))
    return result


def _fields(specs: Sequence[tuple[Any, str, str]]) -> tuple[str, list[DiffField]]:
    """[(label, old, new)] → the row's state and its fields (fields empty on both sides left out)."""
    fields = []
    for label, old, new in specs:
        if not old and not new:
            continue
        state = SAME if old == new else (ADDED if not old else REMOVED if not new else CHANGED)
        left, right = inline_diff(old, new)
        fields.append(DiffField(label, left, right, state))
    return (SAME if all(f.state == SAME for f in fields) else CHANGED), fields


def _one_sided(kind: str, state: str, depth: int, number: str, specs: Sequence[tuple[Any, str]]) -> DiffRow:
    tag = "ins" if state == ADDED else "del"
    empty = mark_safe("")
    fields = []
    for label, text in specs:
        if text:
            html = mark_safe(f"<{tag}>{escape(text)}</{tag}>")
            fields.append(DiffField(label, empty if state == ADDED else html, html if state == ADDED else empty, state))
    return DiffRow(kind, state, depth, number if state == REMOVED else "", number if state == ADDED else "", fields)


def _item_specs(item: Item) -> list[tuple[Any, str]]:
    return [
        (_("工作内容"), item.content),
        (_("目标"), item.goal),
        (_("措施"), item.measures),
        (_("时限"), item.deadline_text),
        (_("责任人"), item.owner_text),
        (_("状态"), str(item.get_status_display())),
    ]


def _section_specs(section: Section) -> list[tuple[Any, str]]:
    return [(_("标题"), section.title), (_("说明"), section.text)]


def _diff_item(old: ItemNode | None, new: ItemNode | None) -> DiffRow:
    if old is None or new is None:
        node = new or old
        assert node is not None
        return _one_sided("item", ADDED if old is None else REMOVED, node.depth, node.number, _item_specs(node.item))
    specs = [
        (label, a, b) for (label, a), (_label, b) in zip(_item_specs(old.item), _item_specs(new.item), strict=True)
    ]
    state, fields = _fields(specs)
    return DiffRow("item", state, new.depth, old.number, new.number, fields)


def _diff_section(old: SectionNode | None, new: SectionNode | None, rows: list[DiffRow]) -> None:
    if old is None or new is None:
        node = new or old
        assert node is not None
        state = ADDED if old is None else REMOVED
        rows.append(_one_sided("section", state, node.depth, node.number, _section_specs(node.section)))
        for item in node.items:
            rows.append(_one_sided("item", state, item.depth, item.number, _item_specs(item.item)))
        for child in node.children:
            _diff_section(child if state == REMOVED else None, child if state == ADDED else None, rows)
        return
    specs = [
        (label, a, b)
        for (label, a), (_label, b) in zip(_section_specs(old.section), _section_specs(new.section), strict=True)
    ]
    state, fields = _fields(specs)
    rows.append(DiffRow("section", state, new.depth, old.number, new.number, fields))
    for old_item, new_item in align(old.items, new.items, key=lambda n: n.item.content):
        rows.append(_diff_item(old_item, new_item))
    for old_child, new_child in align(old.children, new.children, key=lambda n: n.section.title):
        _diff_section(old_child, new_child, rows)


def _diff_tree(old: Sequence[SectionNode], new: Sequence[SectionNode]) -> list[DiffRow]:
    rows: list[DiffRow] = []
    for old_node, new_node in align(old, new, key=lambda n: n.section.title):
        _diff_section(old_node, new_node, rows)
    return rows


def _diff_schedule(old: Sequence[ScheduleEntry], new: Sequence[ScheduleEntry]) -> list[DiffRow]:
    rows = []
    for a, b in align(old, new, key=lambda e: f"{e.month_text} {e.activity}"):
        if a is None or b is None:
            entry = b or a
            assert entry is not None
            state = ADDED if a is None else REMOVED
            rows.append(
                _one_sided("schedule", state, 1, "", [(_("月份"), entry.month_text), (_("活动"), entry.activity)])
            )
            continue
        state, fields = _fields([(_("月份"), a.month_text, b.month_text), (_("活动"), a.activity, b.activity)])
        rows.append(DiffRow("schedule", state, 1, "", "", fields))
    return rows


def changes_in_context(rows: Sequence[DiffRow]) -> list[DiffRow]:
    """The rows that differ, each preceded by the section headings it sits under (once), so that
    "只看差异" still says where a changed item belongs."""
    result: list[DiffRow] = []
    open_sections: list[tuple[DiffRow, bool]] = []  # the headings above the current row: (row, shown)

    def show_headings() -> None:
        for index, (heading, shown) in enumerate(open_sections):
            if not shown:
                result.append(heading)
                open_sections[index] = (heading, True)

    for row in rows:
        if row.kind == "section":
            while open_sections and open_sections[-1][0].depth >= row.depth:
                open_sections.pop()
            open_sections.append((row, False))
            if row.state != SAME:
                show_headings()
        elif row.state != SAME:
            show_headings()
            result.append(row)
    return result


def plan_diff(old: Plan, new: Plan) -> PlanDiff:
    """Two versions side by side: header, tree and 活动安排, each row same/changed/added/removed."""
    header_state, header_fields = _fields(
        [
            (_("标题"), old.title, new.title),
            (_("年度"), str(old.year), str(new.year)),
            (_("指导思想"), old.guiding_ideas, new.guiding_ideas),
        ]
    )
    header = [DiffRow("header", header_state, 0, "", "", header_fields)]
    tree = _diff_tree(plan_tree(old), plan_tree(new))
    schedule = _diff_schedule(
        list(ScheduleEntry.objects.filter(plan=old).order_by("position", "pk")),
        list(ScheduleEntry.objects.filter(plan=new).order_by("position", "pk")),
    )
    return PlanDiff(old, new, header, tree, schedule)
