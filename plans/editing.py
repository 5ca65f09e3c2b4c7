"""Drafting a plan: the header, the section tree, the items and the 活动安排, in place.

Every service here locks the Plan row (select_for_update) before it reads the tree, so two
editors' changes to one plan queue up instead of interleaving, and checks two things first:

- the plan is still a draft (plans/workflow.py EDITABLE_STATUSES): an approved plan is changed
  only through a new version (plans/services.py plan_new_version);
- the editor's `expected_revision` is the plan's current `revision` (optimistic lock): the
  editor sends the revision its page was rendered from, and if anyone changed the plan since,
  the change is refused with PlanConflict instead of silently overwriting theirs. The view then
  hands the user's text back to them, so nothing typed is lost.

Each successful change bumps `revision` and writes one audit entry on the plan, in the same
transaction. Positions are kept dense (0..n-1) in every sibling list a change touches; the
Chinese numbering is computed from them (plans/selectors.py plan_tree).
"""

import re
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members import access
from members.models import OrgUnit
from union_office.audit import audit_record, field_changes
from union_office.models import AuditEntry

from .copying import copy_plan_content
from .deadlines import parse_deadline
from .models import Item, ItemStatus, Plan, PlanStatus, ScheduleEntry, Section
from .workflow import EDITABLE_STATUSES

EDIT_PERM = "plans.edit_plan"
VIEW_PERM = "plans.view_plan"
# Deeper than ① nobody writes a plan; the numbering runs out of official styles there.
MAX_DEPTH = 5
NODE_KINDS = ("section", "item")

# Field limits, checked here so that the user reads a sentence instead of a database error.
TITLE_MAX = Plan._meta.get_field("title").max_length
SECTION_TITLE_MAX = Section._meta.get_field("title").max_length
DEADLINE_MAX = Item._meta.get_field("deadline_text").max_length
OWNER_MAX = Item._meta.get_field("owner_text").max_length
MONTH_MAX = ScheduleEntry._meta.get_field("month_text").max_length
TEXT_MAX = 5000


class PlanEditError(ValidationError):
    """A change the editor cannot make (not a draft, a bad move, missing text), readable by the user."""


class PlanConflict(PlanEditError):
    """Someone changed the plan since this editor loaded it; nothing was saved."""


class PlanNotDraft(PlanEditError):
    """The plan has left the draft state (submitted, approved): its content is frozen."""


# --- The importer's tree, as far as we read it (plans/importer.py) -------------------------------


class ParsedItemLike(Protocol):
    content: str
    goal: str
    measures: str
    deadline_text: str
    owner_text: str


class ParsedSectionLike(Protocol):
    title: str
    children: Sequence["ParsedSectionLike"]
    items: Sequence[ParsedItemLike]


class ParsedScheduleLike(Protocol):
    month_text: str
    activities: Sequence[str]
    # Also read when present: months (七、八月份 → [7, 8]) and theme.


class ParsedPlanLike(Protocol):
    title: str
    year: int | None
    guiding_ideas: str
    sections: Sequence[ParsedSectionLike]
    schedule: Sequence[ParsedScheduleLike]


# --- Helpers ---------------------------------------------------------------------------------


def _lock_plan(plan_id: int) -> Plan:
    # of=("self",): PostgreSQL would otherwise lock the joined org unit row as well.
    try:
        return Plan.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=plan_id)
    except Plan.DoesNotExist:
        raise PlanEditError(_("没有找到该计划，可能已被删除。")) from None


def _check_editable(plan: Plan, expected_revision: int | None) -> None:
    if plan.status not in EDITABLE_STATUSES:
        raise PlanNotDraft(_("只有草稿可以修改；已批准的计划请新建版本。"))
    if expected_revision is None or int(expected_revision) != plan.revision:
        raise PlanConflict(
            _("该计划已被他人修改（%(who)s），您的内容没有保存，请刷新后再改。") % {"who": _last_change(plan)}
        )


def _last_change(plan: Plan) -> str:
    """Who saved last and when, as the conflict message names it (read only on a conflict)."""
    entry = (
        AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Plan), object_id=str(plan.pk))
        .order_by("-at", "-pk")
        .only("actor_repr", "at")
        .first()
    )
    if entry is None:
        return _("在您打开之后有新的修改")
    return _("%(name)s 于 %(time)s 保存了新的修改") % {
        "name": entry.actor_repr,
        "time": timezone.localtime(entry.at).strftime("%m-%d %H:%M"),
    }


def _open(*, actor: Any, plan_id: int, expected_revision: int | None) -> Plan:
    """Lock the plan and check who may change it, that it is a draft, and that nobody got there first."""
    plan = _lock_plan(plan_id)
    access.require(actor, EDIT_PERM, plan.org_unit)
    _check_editable(plan, expected_revision)
    return plan


def _bump(plan: Plan) -> None:
    # The row is locked, so a plain increment cannot lose an update.
    plan.revision += 1
    plan.save(update_fields=["revision", "updated_at"])


def _audit(actor: Any, action: str, plan: Plan, changes: dict[str, Any]) -> None:
    audit_record(actor=actor, action=action, obj=plan, changes={**changes, "revision": plan.revision})


def _text(value: str | None, *, field: str, label: str, required: bool = False, max_length: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise PlanEditError({field: _("请填写%(label)s。") % {"label": label}})
    if len(value) > max_length:
        raise PlanEditError({field: _("%(label)s最多 %(max)s 字。") % {"label": label, "max": max_length}})
    return value


def _check_year(year: int) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise PlanEditError({"year": _("请填写年度，例如 2026。")}) from None
    if not 2000 <= year <= 2100:
        raise PlanEditError({"year": _("年度应在 2000 至 2100 之间。")})
    return year


def _renumber(nodes: Iterable[Section | Item | ScheduleEntry]) -> None:
    """Dense positions 0..n-1 in the given order; writes only the rows whose position changed."""
    changed = []
    for index, node in enumerate(nodes):
        if node.position != index:
            node.position = index
            changed.append(node)
    if changed:
        type(changed[0]).objects.bulk_update(changed, ["position"])


def _insert(siblings: list, node: Any, *, after_id: int | None = None, index: int | None = None) -> list:
    """`siblings` (without `node`) with `node` put after `after_id`, at `index`, or at the end."""
    siblings = [s for s in siblings if s.pk != node.pk]
    if after_id is not None:
        at = next((i + 1 for i, s in enumerate(siblings) if s.pk == after_id), len(siblings))
    elif index is not None:
        at = max(0, min(int(index), len(siblings)))
    else:
        at = len(siblings)
    siblings.insert(at, node)
    return siblings


def _sections(plan: Plan) -> list[Section]:
    return list(Section.objects.filter(plan=plan).order_by("position", "pk"))


def _children(sections: list[Section], parent_id: int | None) -> list[Section]:
    return [s for s in sections if s.parent_id == parent_id]


def _depth(sections_by_id: dict[int, Section], section: Section) -> int:
    depth = 1
    while section.parent_id is not None:
        section = sections_by_id[section.parent_id]
        depth += 1
    return depth


def _subtree_height(sections: list[Section], section: Section) -> int:
    """1 for a section without sub-sections, 2 with children, …"""
    below = [_subtree_height(sections, child) for child in _children(sections, section.pk)]
    return 1 + max(below, default=0)


def _descendant_ids(sections: list[Section], root_id: int) -> set[int]:
    found: set[int] = set()
    frontier = {root_id}
    while frontier:
        frontier = {s.pk for s in sections if s.parent_id in frontier} - found
        found |= frontier
    return found


def _section_of(plan: Plan, section_id: Any, sections: list[Section] | None = None) -> Section:
    pool = sections if sections is not None else _sections(plan)
    section = next((s for s in pool if str(s.pk) == str(section_id)), None)
    if section is None:
        raise PlanEditError(_("该章节已不存在，可能已被他人删除，请刷新后再改。"))
    return section


def _item_of(plan: Plan, item_id: Any) -> Item:
    try:
        return Item.objects.get(pk=int(item_id), section__plan=plan)
    except (Item.DoesNotExist, TypeError, ValueError):
        raise PlanEditError(_("该条目已不存在，可能已被他人删除，请刷新后再改。")) from None


def _entry_of(plan: Plan, entry_id: Any) -> ScheduleEntry:
    try:
        return ScheduleEntry.objects.get(pk=int(entry_id), plan=plan)
    except (ScheduleEntry.DoesNotExist, TypeError, ValueError):
        raise PlanEditError(_("该活动安排已不存在，可能已被他人删除，请刷新后再改。")) from None


def _check_depth(depth: int) -> None:
    if depth > MAX_DEPTH:
        raise PlanEditError(_("章节最多 %(max)s 级，不能再往下缩进。") % {"max": MAX_DEPTH})


def _deadline_fields(deadline_text: str, year: int) -> dict[str, Any]:
    if not deadline_text:
        return {"deadline_text": "", "deadline_due": None, "deadline_ok": True}
    deadline = parse_deadline(deadline_text, year)
    return {"deadline_text": deadline_text, "deadline_due": deadline.due, "deadline_ok": deadline.ok}


_MONTH_NAMES = {"元": 1, "正": 1, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_MONTH_NAMES |= {"七": 7, "八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12, "腊": 12, "冬": 11}
# A month in a 活动安排 heading: "3月", "元月", "十一月份", "七、八月份" (the 月 may be shared).
_MONTH_TOKEN = re.compile(r"(1[0-2]|0?[1-9])(?!\d)|(十[一二]?|[元正一二三四五六七八九腊冬])")


def months_of(month_text: str) -> tuple[int | None, int | None]:
    """(first month, last month) named in a 活动安排 heading, or (None, None) if it names none.

    "元月" → (1, 1); "七、八月份" → (7, 8); "3-5月" → (3, 5); "全年" → (None, None).
    """
    if "月" not in month_text:
        return None, None
    months = []
    for digits, chinese in _MONTH_TOKEN.findall(month_text):
        months.append(int(digits) if digits else _MONTH_NAMES[chinese])
    months = [m for m in months if 1 <= m <= 12]
    if not months:
        return None, None
    return min(months), max(months)


def _title_for_year(title: str, old_year: int, new_year: int) -> str:
    return title.replace(str(old_year), str(new_year)) if str(old_year) in title else title


def _check_unit_year_free(org_unit: OrgUnit, year: int) -> None:
    existing = Plan.objects.filter(org_unit=org_unit, year=year).order_by("-version").first()
    if existing is not None:
        raise PlanEditError(
            _("“%(unit)s”已有 %(year)s 年的计划《%(title)s》（第 %(version)s 版，%(status)s），请在该计划上修改。")
            % {
                "unit": org_unit.name,
                "year": year,
                "title": existing.title,
                "version": existing.version,
                "status": existing.get_status_display(),
            }
        )


def _new_plan(*, actor: Any, org_unit: OrgUnit, year: int, title: str, guiding_ideas: str = "") -> Plan:
    access.require(actor, EDIT_PERM, org_unit)
    year = _check_year(year)
    title = _text(title, field="title", label=_("标题"), required=True, max_length=TITLE_MAX)
    # No lock can cover a row that does not exist yet; the unique (unit, year, version) constraint
    # does: of two people creating the same year's plan at once, the second gets the message below.
    _check_unit_year_free(org_unit, year)
    try:
        with transaction.atomic():
            return Plan.objects.create(
                org_unit=org_unit,
                year=year,
                version=1,
                title=title,
                guiding_ideas=guiding_ideas,
                status=PlanStatus.DRAFT,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:
        _check_unit_year_free(org_unit, year)
        raise


# --- The plan ------------------------------------------------------------------------------


def plan_create(*, actor: Any, org_unit: OrgUnit, year: int, title: str) -> Plan:
    """A new, empty draft for a unit and a year."""
    with transaction.atomic():
        plan = _new_plan(actor=actor, org_unit=org_unit, year=year, title=title)
        _audit(actor, "plan.create", plan, {"title": plan.title, "year": plan.year, "org_unit": str(org_unit)})
    return plan


def plan_update_header(
    *, actor: Any, plan_id: int, expected_revision: int | None, title: str, guiding_ideas: str
) -> Plan:
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        title = _text(title, field="title", label=_("标题"), required=True, max_length=TITLE_MAX)
        guiding_ideas = _text(guiding_ideas, field="guiding_ideas", label=_("指导思想"))
        changes = field_changes(plan, {"title": title, "guiding_ideas": guiding_ideas})
        plan.title, plan.guiding_ideas = title, guiding_ideas
        plan.revision += 1
        plan.save(update_fields=["title", "guiding_ideas", "revision", "updated_at"])
        _audit(actor, "plan.update", plan, changes)
    return plan


# --- Sections ------------------------------------------------------------------------------


def section_add(
    *,
    actor: Any,
    plan_id: int,
    expected_revision: int | None,
    parent_id: int | None = None,
    title: str,
    text: str = "",
    after_id: int | None = None,
) -> Section:
    """A new section at the end of its parent's sub-sections (top level without a parent), or after `after_id`."""
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        title = _text(title, field="title", label=_("章节标题"), required=True, max_length=SECTION_TITLE_MAX)
        text = _text(text, field="text", label=_("说明"))
        sections = _sections(plan)
        parent = _section_of(plan, parent_id, sections) if parent_id not in (None, "") else None
        if parent is not None:
            _check_depth(_depth({s.pk: s for s in sections}, parent) + 1)
        section = Section(plan=plan, parent=parent, title=title, text=text, position=len(sections))
        section.save()
        _renumber(_insert(_children(sections, parent.pk if parent else None), section, after_id=after_id))
        _bump(plan)
        _audit(actor, "plan.section_add", plan, {"section": section.pk, "title": title})
    return section


def section_update(
    *, actor: Any, plan_id: int, expected_revision: int | None, section_id: int, title: str, text: str = ""
) -> Section:
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        section = _section_of(plan, section_id)
        title = _text(title, field="title", label=_("章节标题"), required=True, max_length=SECTION_TITLE_MAX)
        text = _text(text, field="text", label=_("说明"))
        changes = field_changes(section, {"title": title, "text": text})
        section.title, section.text = title, text
        section.save(update_fields=["title", "text", "updated_at"])
        _bump(plan)
        _audit(actor, "plan.section_update", plan, {"section": section.pk, **changes})
    return section


def section_indent(*, actor: Any, plan_id: int, expected_revision: int | None, section_id: int) -> Section:
    """Make the section the last sub-section of the section just above it (一、二、 → 一、（一）)."""
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        sections = _sections(plan)
        section = _section_of(plan, section_id, sections)
        siblings = _children(sections, section.parent_id)
        index = siblings.index(section)
        if index == 0:
            raise PlanEditError(_("同级的第一个章节不能缩进：它上面没有可以归入的章节。"))
        new_parent = siblings[index - 1]
        by_id = {s.pk: s for s in sections}
        _check_depth(_depth(by_id, new_parent) + _subtree_height(sections, section))
        old_parent_id = section.parent_id
        section.parent = new_parent
        section.save(update_fields=["parent", "updated_at"])
        _renumber([s for s in siblings if s.pk != section.pk])
        _renumber([*_children(sections, new_parent.pk), section])
        _bump(plan)
        _audit(actor, "plan.section_indent", plan, {"section": section.pk, "parent": [old_parent_id, new_parent.pk]})
    return section


def section_outdent(*, actor: Any, plan_id: int, expected_revision: int | None, section_id: int) -> Section:
    """Make the section the next sibling of its parent (一、（二） → 一、二、)."""
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        sections = _sections(plan)
        section = _section_of(plan, section_id, sections)
        if section.parent_id is None:
            raise PlanEditError(_("一级章节不能再取消缩进。"))
        parent = next(s for s in sections if s.pk == section.parent_id)
        old_siblings = _children(sections, parent.pk)
        section.parent_id = parent.parent_id
        section.save(update_fields=["parent", "updated_at"])
        _renumber([s for s in old_siblings if s.pk != section.pk])
        _renumber(_insert(_children(sections, parent.parent_id), section, after_id=parent.pk))
        _bump(plan)
        _audit(actor, "plan.section_outdent", plan, {"section": section.pk, "parent": [parent.pk, parent.parent_id]})
    return section


# --- Items ---------------------------------------------------------------------------------


def _item_values(
    *, plan: Plan, content: str, goal: str, measures: str, deadline_text: str, owner_text: str
) -> dict[str, Any]:
    return {
        "content": _text(content, field="content", label=_("工作内容"), required=True),
        "goal": _text(goal, field="goal", label=_("目标")),
        "measures": _text(measures, field="measures", label=_("措施")),
        "owner_text": _text(owner_text, field="owner_text", label=_("责任人"), max_length=OWNER_MAX),
        **_deadline_fields(
            _text(deadline_text, field="deadline_text", label=_("时限"), max_length=DEADLINE_MAX), plan.year
        ),
    }


def item_add(
    *,
    actor: Any,
    plan_id: int,
    expected_revision: int | None,
    section_id: int,
    content: str,
    goal: str = "",
    measures: str = "",
    deadline_text: str = "",
    owner_text: str = "",
    after_id: int | None = None,
) -> Item:
    """A new item at the end of a section, or after `after_id`; 时限 parsed for the plan's year."""
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        section = _section_of(plan, section_id)
        values = _item_values(
            plan=plan, content=content, goal=goal, measures=measures, deadline_text=deadline_text, owner_text=owner_text
        )
        siblings = list(section.items.order_by("position", "pk"))
        item = Item.objects.create(section=section, position=len(siblings), **values)
        _renumber(_insert(siblings, item, after_id=after_id))
        _bump(plan)
        _audit(actor, "plan.item_add", plan, {"item": item.pk, "section": section.pk, "content": item.content})
    return item


def item_update(
    *,
    actor: Any,
    plan_id: int,
    expected_revision: int | None,
    item_id: int,
    content: str,
    goal: str = "",
    measures: str = "",
    deadline_text: str = "",
    owner_text: str = "",
) -> Item:
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        item = _item_of(plan, item_id)
        values = _item_values(
            plan=plan, content=content, goal=goal, measures=measures, deadline_text=deadline_text, owner_text=owner_text
        )
        # The parsed deadline follows deadline_text; the log records what the user wrote.
        changes = field_changes(item, {n: v for n, v in values.items() if n not in ("deadline_due", "deadline_ok")})
        for name, value in values.items():
            setattr(item, name, value)
        item.save(update_fields=[*values, "updated_at"])
        _bump(plan)
        _audit(actor, "plan.item_update", plan, {"item": item.pk, **changes})
    return item


# --- Deleting and moving -------------------------------------------------------------------


def _check_kind(kind: str) -> None:
    if kind not in NODE_KINDS:
        raise PlanEditError(_("未知的节点类型“%(kind)s”。") % {"kind": kind})


def node_delete(*, actor: Any, plan_id: int, expected_revision: int | None, kind: str, node_id: int) -> None:
    """Delete a section (with its sub-sections and items) or an item; the siblings close ranks."""
    _check_kind(kind)
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        if kind == "section":
            sections = _sections(plan)
            node = _section_of(plan, node_id, sections)
            below = _descendant_ids(sections, node.pk)
            removed = {
                "section": node.pk,
                "title": node.title,
                "sub_sections": len(below),
                "items": Item.objects.filter(section_id__in={node.pk} | below).count(),
            }
            section_id, parent_id = node.pk, node.parent_id
            node.delete()
            _renumber(s for s in _children(sections, parent_id) if s.pk != section_id)
        else:
            node = _item_of(plan, node_id)
            removed = {"item": node.pk, "content": node.content}
            section_id = node.section_id
            node.delete()
            _renumber(Item.objects.filter(section_id=section_id).order_by("position", "pk"))
        _bump(plan)
        _audit(actor, f"plan.{kind}_delete", plan, removed)


def node_move(
    *,
    actor: Any,
    plan_id: int,
    expected_revision: int | None,
    kind: str,
    node_id: int,
    new_parent_id: int | None,
    new_index: int,
) -> None:
    """Drag and drop: a section goes under another section (or to the top level, parent None), an
    item into a section, at `new_index` among the siblings there (0 = first)."""
    _check_kind(kind)
    try:
        new_index = int(new_index)
    except (TypeError, ValueError):
        raise PlanEditError(_("拖动的位置无效，请刷新后再试。")) from None
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        sections = _sections(plan)
        parent = _section_of(plan, new_parent_id, sections) if new_parent_id not in (None, "") else None
        if kind == "section":
            node = _section_of(plan, node_id, sections)
            if parent is not None and (parent.pk == node.pk or parent.pk in _descendant_ids(sections, node.pk)):
                raise PlanEditError(_("不能把章节移到它自己或它的下级章节里。"))
            if parent is not None:
                _check_depth(_depth({s.pk: s for s in sections}, parent) + _subtree_height(sections, node))
            old_parent_id = node.parent_id
            new_parent_id = parent.pk if parent else None
            if old_parent_id != new_parent_id:
                _renumber(s for s in _children(sections, old_parent_id) if s.pk != node.pk)
                node.parent_id = new_parent_id
                node.save(update_fields=["parent", "updated_at"])
            _renumber(_insert(_children(sections, new_parent_id), node, index=new_index))
        else:
            if parent is None:
                raise PlanEditError(_("条目必须放在某个章节下。"))
            node = _item_of(plan, node_id)
            old_parent_id = node.section_id
            if old_parent_id != parent.pk:
                _renumber(Item.objects.filter(section_id=old_parent_id).exclude(pk=node.pk).order_by("position", "pk"))
                node.section = parent
                node.save(update_fields=["section", "updated_at"])
            siblings = list(Item.objects.filter(section=parent).order_by("position", "pk"))
            _renumber(_insert(siblings, node, index=new_index))
        _bump(plan)
        _audit(
            actor,
            f"plan.{kind}_move",
            plan,
            {kind: node.pk, "parent": [old_parent_id, parent.pk if parent else None], "index": new_index},
        )


# --- 活动安排 --------------------------------------------------------------------------------


def _entry_values(month_text: str, activity: str) -> dict[str, Any]:
    month_text = _text(month_text, field="month_text", label=_("月份"), required=True, max_length=MONTH_MAX)
    activity = _text(activity, field="activity", label=_("活动"), required=True)
    month_start, month_end = months_of(month_text)
    return {"month_text": month_text, "month_start": month_start, "month_end": month_end, "activity": activity}


def schedule_entry_add(
    *,
    actor: Any,
    plan_id: int,
    expected_revision: int | None,
    month_text: str,
    activity: str,
    after_id: int | None = None,
) -> ScheduleEntry:
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        values = _entry_values(month_text, activity)
        siblings = list(plan.schedule.order_by("position", "pk"))
        entry = ScheduleEntry.objects.create(plan=plan, position=len(siblings), **values)
        _renumber(_insert(siblings, entry, after_id=after_id))
        _bump(plan)
        _audit(actor, "plan.schedule_add", plan, {"entry": entry.pk, "month_text": entry.month_text})
    return entry


def schedule_entry_update(
    *, actor: Any, plan_id: int, expected_revision: int | None, entry_id: int, month_text: str, activity: str
) -> ScheduleEntry:
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        entry = _entry_of(plan, entry_id)
        values = _entry_values(month_text, activity)
        changes = field_changes(entry, {name: values[name] for name in ("month_text", "activity")})
        for name, value in values.items():
            setattr(entry, name, value)
        entry.save(update_fields=[*values, "updated_at"])
        _bump(plan)
        _audit(actor, "plan.schedule_update", plan, {"entry": entry.pk, **changes})
    return entry


def schedule_entry_delete(*, actor: Any, plan_id: int, expected_revision: int | None, entry_id: int) -> None:
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        entry = _entry_of(plan, entry_id)
        removed = {"entry": entry.pk, "month_text": entry.month_text, "activity": entry.activity}
        entry.delete()
        _renumber(plan.schedule.order_by("position", "pk"))
        _bump(plan)
        _audit(actor, "plan.schedule_delete", plan, removed)


def schedule_entry_move(
    *, actor: Any, plan_id: int, expected_revision: int | None, entry_id: int, new_index: int
) -> None:
    try:
        new_index = int(new_index)
    except (TypeError, ValueError):
        raise PlanEditError(_("拖动的位置无效，请刷新后再试。")) from None
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        entry = _entry_of(plan, entry_id)
        _renumber(_insert(list(plan.schedule.order_by("position", "pk")), entry, index=new_index))
        _bump(plan)
        _audit(actor, "plan.schedule_move", plan, {"entry": entry.pk, "index": new_index})


# --- Starting a plan from something --------------------------------------------------------


def plan_copy_from(*, actor: Any, source_plan_id: int, org_unit: OrgUnit, year: int, title: str = "") -> Plan:
    """Last year's plan as this year's draft: the same tree and 活动安排, every item back to 未开始
    with no progress note, and each 时限 read again for the new year. The year in the title follows."""
    year = _check_year(year)
    try:
        source = access.visible(actor, VIEW_PERM, Plan.objects.all()).get(pk=source_plan_id)
    except Plan.DoesNotExist:
        raise PlanEditError({"source": _("没有找到要复制的计划，或您无权查看。")}) from None
    with transaction.atomic():
        plan = _new_plan(
            actor=actor,
            org_unit=org_unit,
            year=year,
            title=title or _title_for_year(source.title, source.year, year),
            guiding_ideas=source.guiding_ideas,
        )
        sections, items = copy_plan_content(
            source,
            plan,
            item_changes=lambda item: {
                "status": ItemStatus.NOT_STARTED,
                "progress_note": "",
                **_deadline_fields(item.deadline_text, year),
            },
        )
        _audit(
            actor,
            "plan.copy",
            plan,
            {"source": source.pk, "source_year": source.year, "sections": sections, "items": items},
        )
    return plan


def _save_parsed_sections(plan: Plan, parsed: Sequence[ParsedSectionLike], parent: Section | None) -> tuple[int, int]:
    sections = items = 0
    for position, node in enumerate(parsed):
        title = (node.title or "").strip()[:SECTION_TITLE_MAX] or _("（无标题）")
        section = Section.objects.create(plan=plan, parent=parent, position=position, title=title)
        sections += 1
        Item.objects.bulk_create(
            Item(
                section=section,
                position=index,
                content=(item.content or "").strip(),
                goal=(item.goal or "").strip(),
                measures=(item.measures or "").strip(),
                owner_text=(item.owner_text or "").strip()[:OWNER_MAX],
                **_deadline_fields((item.deadline_text or "").strip()[:DEADLINE_MAX], plan.year),
            )
            for index, item in enumerate(node.items)
            if (item.content or "").strip()
        )
        items += sum(1 for item in node.items if (item.content or "").strip())
        more_sections, more_items = _save_parsed_sections(plan, node.children, section)
        sections += more_sections
        items += more_items
    return sections, items


def plan_create_from_parsed(
    *, actor: Any, org_unit: OrgUnit, year: int, parsed: ParsedPlanLike, title: str = ""
) -> Plan:
    """Save what plans/importer.py read from pasted text, after the user reviewed it, as a new draft."""
    year = _check_year(year)
    with transaction.atomic():
        plan = _new_plan(
            actor=actor,
            org_unit=org_unit,
            year=year,
            title=(title or parsed.title or "").strip()[:TITLE_MAX] or _("%(year)s年工作计划") % {"year": year},
            guiding_ideas=(parsed.guiding_ideas or "").strip(),
        )
        sections, items = _save_parsed_sections(plan, parsed.sections, None)
        entries = []
        for entry in parsed.schedule:
            # A month's heading in a table ("2月新学期新面貌") keeps its theme as the first line.
            lines = [getattr(entry, "theme", ""), *entry.activities]
            activity = "\n".join(line.strip() for line in lines if line and line.strip())
            month_text = (entry.month_text or "").strip()[:MONTH_MAX]
            if not activity or not month_text:
                continue
            months = [m for m in getattr(entry, "months", None) or [] if 1 <= m <= 12]
            start, end = (min(months), max(months)) if months else months_of(month_text)
            entries.append(
                ScheduleEntry(
                    plan=plan,
                    position=len(entries),
                    month_text=month_text,
                    month_start=start,
                    month_end=end,
                    activity=activity,
                )
            )
        ScheduleEntry.objects.bulk_create(entries)
        _audit(actor, "plan.import", plan, {"sections": sections, "items": items, "schedule": len(entries)})
    return plan
