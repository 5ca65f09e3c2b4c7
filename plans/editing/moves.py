"""Deleting and moving (drag and drop) sections and items."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Item
from .base import (
    NODE_KINDS,
    PlanEditError,
    _audit,
    _bump,
    _check_depth,
    _children,
    _depth,
    _descendant_ids,
    _insert,
    _item_of,
    _open,
    _renumber,
    _section_of,
    _sections,
    _subtree_height,
)


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
