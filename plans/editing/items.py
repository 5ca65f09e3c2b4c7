"""Items: add and edit, with the 时限 read for the plan's year."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from union_office.audit import field_changes

from ..models import Item, Plan
from .base import (
    DEADLINE_MAX,
    OWNER_MAX,
    _audit,
    _bump,
    _deadline_fields,
    _insert,
    _item_of,
    _open,
    _renumber,
    _section_of,
    _text,
)


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
