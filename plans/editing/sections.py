"""The section tree: add, edit, indent and outdent sections."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from union_office.audit import field_changes

from ..models import Section
from .base import (
    SECTION_TITLE_MAX,
    PlanEditError,
    _audit,
    _bump,
    _check_depth,
    _children,
    _depth,
    _insert,
    _open,
    _renumber,
    _section_of,
    _sections,
    _subtree_height,
    _text,
)


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
