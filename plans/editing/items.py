"""Items: add and edit, with the 时限 read for the plan's year."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from members.models import Member
from union_office.audit import field_changes

from ..models import Item, Plan
from ..selectors import owner_choices
from .base import (
    DEADLINE_MAX,
    OWNER_MAX,
    PlanEditError,
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
    *,
    actor: Any,
    plan: Plan,
    content: str,
    goal: str,
    measures: str,
    deadline_text: str,
    owner_text: str,
    owner_id: Any,
    current_owner_id: int | None = None,
) -> dict[str, Any]:
    owner_text = _text(owner_text, field="owner_text", label=_("责任人"), max_length=OWNER_MAX)
    owner = _owner(actor, plan, owner_id, current_owner_id)
    if owner is not None and not owner_text:
        owner_text = owner.name
    if owner is not None and owner.name not in owner_text:
        owner = None  # the text was changed to someone (or something) else after the pick: it wins
    return {
        "content": _text(content, field="content", label=_("工作内容"), required=True),
        "goal": _text(goal, field="goal", label=_("目标")),
        "measures": _text(measures, field="measures", label=_("措施")),
        "owner_text": owner_text,
        "owner_id": owner.pk if owner else None,
        **_deadline_fields(
            _text(deadline_text, field="deadline_text", label=_("时限"), max_length=DEADLINE_MAX), plan.year
        ),
    }


def _owner(actor: Any, plan: Plan, owner_id: Any, current_owner_id: int | None) -> Member | None:
    """The member picked as 责任人: one of plans.selectors.owner_choices, or the item's current one
    (kept even if they have since left the unit's roster, until someone picks another)."""
    if owner_id in (None, ""):
        return None
    try:
        owner_id = int(owner_id)
    except (TypeError, ValueError):
        owner_id = None
    choices = Member.objects.filter(pk=current_owner_id) if owner_id == current_owner_id else owner_choices(actor, plan)
    owner = choices.filter(pk=owner_id).only("pk", "name").first() if owner_id is not None else None
    if owner is None:
        raise PlanEditError({"owner_text": _("所选的责任人不是本单位的在册会员，请从提示中重新选择，或直接填写文字。")})
    return owner


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
    owner_id: int | None = None,
    after_id: int | None = None,
) -> Item:
    """A new item at the end of a section, or after `after_id`; 时限 parsed for the plan's year.

    `owner_id` links the 责任人 to a member (picked in the editor); `owner_text` is what is printed,
    the member's name when left empty."""
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        section = _section_of(plan, section_id)
        values = _item_values(
            actor=actor,
            plan=plan,
            content=content,
            goal=goal,
            measures=measures,
            deadline_text=deadline_text,
            owner_text=owner_text,
            owner_id=owner_id,
        )
        siblings = list(section.items.order_by("position", "pk"))
        item = Item.objects.create(section=section, position=len(siblings), **values)
        _renumber(_insert(siblings, item, after_id=after_id))
        _bump(plan)
        _audit(
            actor,
            "plan.item_add",
            plan,
            {"item": item.pk, "section": section.pk, "content": item.content, "owner": item.owner_id},
        )
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
    owner_id: int | None = None,
) -> Item:
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        item = _item_of(plan, item_id)
        values = _item_values(
            actor=actor,
            plan=plan,
            content=content,
            goal=goal,
            measures=measures,
            deadline_text=deadline_text,
            owner_text=owner_text,
            owner_id=owner_id,
            current_owner_id=item.owner_id,
        )
        # The parsed deadline follows deadline_text; the log records what the user wrote.
        changes = field_changes(item, {n: v for n, v in values.items() if n not in ("deadline_due", "deadline_ok")})
        for name, value in values.items():
            setattr(item, name, value)
        item.save(update_fields=[*values, "updated_at"])
        _bump(plan)
        _audit(actor, "plan.item_update", plan, {"item": item.pk, **changes})
    return item
