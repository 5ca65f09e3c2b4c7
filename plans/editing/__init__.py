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

| module | what it holds |
|---|---|
| `base.py` | the errors, field limits, the lock and revision check (`_open`), audit, positions |
| `plan.py` | `plan_create`, `plan_update_header`, `plan_copy_from`, `plan_create_from_parsed` |
| `sections.py` | `section_add`, `section_update`, `section_indent`, `section_outdent` |
| `items.py` | `item_add`, `item_update` |
| `moves.py` | `node_delete`, `node_move` |
| `schedule.py` | the 活动安排 entries and `months_of` |
"""

from .base import (
    DEADLINE_MAX,
    EDIT_PERM,
    MAX_DEPTH,
    MONTH_MAX,
    NODE_KINDS,
    OWNER_MAX,
    SECTION_TITLE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    VIEW_PERM,
    PlanConflict,
    PlanEditError,
    PlanNotDraft,
)
from .items import (
    item_add,
    item_update,
)
from .moves import (
    node_delete,
    node_move,
)
from .plan import (
    ParsedItemLike,
    ParsedPlanLike,
    ParsedScheduleLike,
    ParsedSectionLike,
    plan_copy_from,
    plan_create,
    plan_create_from_parsed,
    plan_update_header,
)
from .schedule import (
    months_of,
    schedule_entry_add,
    schedule_entry_delete,
    schedule_entry_move,
    schedule_entry_update,
)
from .sections import (
    section_add,
    section_indent,
    section_outdent,
    section_update,
)

__all__ = [
    "DEADLINE_MAX",
    "EDIT_PERM",
    "MAX_DEPTH",
    "MONTH_MAX",
    "NODE_KINDS",
    "OWNER_MAX",
    "ParsedItemLike",
    "ParsedPlanLike",
    "ParsedScheduleLike",
    "ParsedSectionLike",
    "PlanConflict",
    "PlanEditError",
    "PlanNotDraft",
    "SECTION_TITLE_MAX",
    "TEXT_MAX",
    "TITLE_MAX",
    "VIEW_PERM",
    "item_add",
    "item_update",
    "months_of",
    "node_delete",
    "node_move",
    "plan_copy_from",
    "plan_create",
    "plan_create_from_parsed",
    "plan_update_header",
    "schedule_entry_add",
    "schedule_entry_delete",
    "schedule_entry_move",
    "schedule_entry_update",
    "section_add",
    "section_indent",
    "section_outdent",
    "section_update",
]
