"""Writes to the roster that carry a rule: validation, locking, audit in the same transaction."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from union_office.audit import audit_record, changed_fields, snapshot

from . import access
from .models import Member, OrgUnit

# The record fields a clerk edits, in form order (status changes go through their own workflow).
EDITABLE_FIELDS = [
    "name",
    "member_no",
    "id_number",
    "gender",
    "birth_date",
    "phone",
    "org_unit",
    "department",
    "joined_on",
    "card_no",
    "ethnicity",
    "education",
    "political_status",
    "employment_type",
    "frontline",
    "wage_base",
]


def member_update(*, actor: Any, member_id: int, data: dict[str, Any]) -> Member:
    """Change a member's record fields (not status: membership changes are their own workflow).

    The row is locked so two clerks saving at once are applied one after the other, each audited
    with what it changed. The actor needs `members.change_member` at the old and the new unit.
    """
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member_id)
        access.require(actor, "members.change_member", member.org_unit)
        before = snapshot(member, EDITABLE_FIELDS)
        for name, value in data.items():
            if name not in EDITABLE_FIELDS:
                raise ValueError(f"{name} is not editable through member_update")
            setattr(member, name, value)
        access.require(actor, "members.change_member", member.org_unit)
        member.full_clean()
        member.save()
        changes = changed_fields(before, snapshot(member, EDITABLE_FIELDS))
        if changes:
            audit_record(actor=actor, action="member.update", obj=member, changes=changes)
    return member


def member_reveal_id_number(*, actor: Any, member: Member) -> str:
    """The full 身份证号, for roles that need it; every reveal is written to the audit log."""
    access.require(actor, "members.view_full_id_number", member.org_unit)
    with transaction.atomic():
        audit_record(actor=actor, action="member.reveal_id_number", obj=member)
    return member.id_number


def unit_single_officer_set(*, actor: Any, unit_id: int, single_officer: bool, reason: str) -> OrgUnit:
    """Record that a unit has one officer only, so its submitter may approve its plan and budget
    (separation of duties waived, docs/workflow.md). Decided by the union above it (members.manage_roles
    at the parent), never by the unit's own chair: a chair cannot waive the check on himself."""
    reason = (reason or "").strip()
    if not reason:
        raise PermissionDenied(_("请说明设置的理由。"))
    with transaction.atomic():
        unit = OrgUnit.objects.select_for_update(of=("self",)).select_related("parent").get(pk=unit_id)
        decider = unit.parent or unit
        if not access.can(actor, "members.manage_roles", decider):
            raise PermissionDenied(_("只有上级工会可以设置“仅一名工会干部”。"))
        if unit.single_officer != single_officer:
            unit.single_officer = single_officer
            unit.save(update_fields=["single_officer"])
            audit_record(
                actor=actor,
                action="members.unit.single_officer",
                obj=unit,
                changes={"single_officer": [not single_officer, single_officer], "reason": reason},
            )
    return unit
