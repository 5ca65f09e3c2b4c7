"""What the drafting services share: the errors, the field limits, the lock and revision check,
the audit entry, text checks and keeping positions dense. Imported by the modules of this package
only; the rest of the project imports plans.editing."""

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from members import access
from union_office.audit import audit_record
from union_office.models import AuditEntry

from ..deadlines import parse_deadline
from ..models import Item, Plan, ScheduleEntry, Section
from ..workflow import EDITABLE_STATUSES

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
