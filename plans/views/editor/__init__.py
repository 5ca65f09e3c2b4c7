"""The plan editor (the chair's main screen), and the three ways to start a plan: empty, copied, pasted.

The editor is one page; every change is an htmx request that answers with the re-rendered part
(an item, a section heading, the whole tree when numbering moves, the 活动安排 table) and an
out-of-band `#plan-revision` input, which every form includes (hx-include): the next request then
carries the revision this page now shows. A stale revision (someone else saved in between) is
answered 409 with the user's unsaved text and a 重新加载 link, so nothing typed is lost
(plans/editing/ has the rule; static/js/plan-editor.js lets htmx swap 4xx answers).

Access: plans:editor and its endpoints need plans.edit_plan at the plan's unit (403 for someone
who may only read the plan, 404 for someone who may not even see it).

| module | views |
|---|---|
| `common.py` | (helpers: `_revision`, `_done`, `_problem` …) |
| `page.py` | `editor`, `header_edit`, `deadline_preview` |
| `sections.py` | `section_add`, `section_indent`, `section_outdent` |
| `items.py` | `item_add`, `owner_suggest` (the 责任人 picker) |
| `nodes.py` | `node_edit`, `node_delete`, `node_move` (sections and items alike) |
| `schedule.py` | `schedule_add`, `schedule_edit`, `schedule_delete`, `schedule_move` |
| `starting.py` | `plan_create`, `plan_paste` |
"""

from .items import item_add, owner_suggest
from .nodes import node_delete, node_edit, node_move
from .page import deadline_preview, editor, header_edit
from .schedule import schedule_add, schedule_delete, schedule_edit, schedule_move
from .sections import section_add, section_indent, section_outdent
from .starting import plan_create, plan_paste

__all__ = [
    "deadline_preview",
    "editor",
    "header_edit",
    "item_add",
    "node_delete",
    "node_edit",
    "node_move",
    "owner_suggest",
    "plan_create",
    "plan_paste",
    "schedule_add",
    "schedule_delete",
    "schedule_edit",
    "schedule_move",
    "section_add",
    "section_indent",
    "section_outdent",
]
