"""One 待办 list for every 工作台, read from the workflow tables (union_office/workflow.py).

Each app registers, per workflow, the objects a user might act on (`candidates`: a selector that
already narrows to what the user may see and to states where a move waits); the kernel keeps
those the user may move now by the table's own rules (permission, own case, not the same person
twice) and lists them oldest first. The guards are not run here: they read per object, and a case
waiting for its 公示 to end is still the payer's to watch (its page says when it opens).

Queries: one per registered workflow for the candidates, plus one for the earlier actors of the
workflows that have a "not by" rule — the same however many rows.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from .workflow import SUBJECT, Workflow, earlier_actors_of, refusal

# A 工作台 shows the oldest ones; the list page of each app has the rest.
LIMIT = 50


@dataclass(frozen=True)
class TodoSource:
    key: str
    workflow: Workflow
    candidates: Callable[[Any], QuerySet]
    title: Callable[[Any], str]
    label: Any  # the app's name for the kind of case: "帮扶申请"
    # Moves of the case's own person listed too (the proposer's 评价答复): SUBJECT moves are
    # otherwise not 待办, since a draft of one's own is not waiting on anyone.
    subject_actions: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TodoItem:
    since: datetime
    title: str
    url: str
    label: str
    actions: tuple[str, ...]


TODO_SOURCES: dict[str, TodoSource] = {}


def register_todo(source: TodoSource) -> None:
    TODO_SOURCES[source.key] = source


def todo_for(user: Any) -> list[TodoItem]:
    """What `user` can act on now across every workflow, oldest first."""
    items = []
    for source in TODO_SOURCES.values():
        workflow = source.workflow
        objects = list(source.candidates(user)[:LIMIT])
        earlier = earlier_actors_of(workflow, objects)
        for obj in objects:
            state = getattr(obj, workflow.state_field)
            moves = [
                str(t.label)
                for t in workflow.transitions
                if t.todo
                and state in t.sources
                and (t.permission != SUBJECT or t.action in source.subject_actions)
                and refusal(workflow, user, t, obj, guards=False, earlier=earlier[str(obj.pk)]) is None
            ]
            if moves:
                items.append(
                    TodoItem(
                        since=obj.updated_at,
                        title=source.title(obj),
                        url=workflow.url(obj),
                        label=str(source.label),
                        actions=tuple(dict.fromkeys(moves)),
                    )
                )
    items.sort(key=lambda item: item.since)
    return items
