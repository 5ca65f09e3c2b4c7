"""The organisation, kept by the chair in the app instead of Django admin: units (add, rename, move,
merge), the employer's departments (add, rename, retire), role grants with an end date and a reason.
Each write checks `members.manage_roles` at every unit it touches, runs in one transaction and
leaves an audit entry; a grant or a revocation tells the holder. docs/organisation.md explains the
choices.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from union_office.audit import audit_record
from union_office.notifications.services import notify

from . import access
from .models import Department, Member, OrgUnit, Role, RoleGrant

MANAGE = "members.manage_roles"


class OrganisationError(ValidationError):
    """A change of the organisation that is not allowed, said so that the chair can fix it."""


def managed_units(user: Any) -> QuerySet[OrgUnit]:
    """The units the user keeps, in tree order (merged ones are hidden by the default manager)."""
    return access.units(user, MANAGE).select_related("parent")


def _lock(*units: OrgUnit) -> list[OrgUnit]:
    # In id order, whoever calls: two merges of the same pair in opposite directions cannot deadlock.
    ids = sorted({u.pk for u in units})
    locked = {
        u.pk: u for u in OrgUnit.all_objects.select_for_update(of=("self",)).filter(pk__in=ids).select_related("parent")
    }
    return [locked[u.pk] for u in units]


def _check_unit(unit: OrgUnit) -> None:
    try:
        unit.full_clean(exclude=["path"])
    except ValidationError as exc:
        raise OrganisationError(exc.messages) from None


def unit_add(*, actor: Any, parent: OrgUnit, name: str, kind: str) -> OrgUnit:
    """A new 分工会 or 工会小组 (or 基层工会 under a 县总工会) under `parent`."""
    access.require(actor, MANAGE, parent)
    with transaction.atomic():
        (parent,) = _lock(parent)
        unit = OrgUnit(parent=parent, name=name.strip(), kind=kind)
        _check_unit(unit)
        unit.save()
        audit_record(actor=actor, action="orgunit.add", obj=unit, changes={"parent": parent.name, "kind": kind})
    return unit


def unit_rename(*, actor: Any, unit: OrgUnit, name: str) -> OrgUnit:
    access.require(actor, MANAGE, unit)
    with transaction.atomic():
        (unit,) = _lock(unit)
        before, unit.name = unit.name, name.strip()
        _check_unit(unit)
        unit.save(update_fields=["name", "updated_at"])
        audit_record(actor=actor, action="orgunit.rename", obj=unit, changes={"name": [before, unit.name]})
    return unit


def unit_move(*, actor: Any, unit: OrgUnit, parent: OrgUnit) -> OrgUnit:
    """Put `unit` (and everything under it) under another parent; the actor keeps both ends."""
    access.require(actor, MANAGE, unit)
    access.require(actor, MANAGE, parent)
    if unit.parent_id is None:
        raise OrganisationError(_("顶层单位不能移动。"))
    with transaction.atomic():
        unit, parent = _lock(unit, parent)
        before = unit.parent.name
        unit.parent = parent
        _check_unit(unit)
        unit.save()
        audit_record(actor=actor, action="orgunit.move", obj=unit, changes={"parent": [before, parent.name]})
    return unit


def unit_merge(*, actor: Any, source: OrgUnit, target: OrgUnit) -> dict[str, int]:
    """Merge `source` into `target` (two 分工会, two 小组): its members, sub-units and role grants
    move to `target`; `source` stays, marked merged, so that the history pointing at it (membership
    changes, events, applications) still reads as it happened."""
    access.require(actor, MANAGE, source)
    access.require(actor, MANAGE, target)
    if source.pk == target.pk:
        raise OrganisationError(_("不能把单位并入它自己。"))
    if source.kind != target.kind:
        raise OrganisationError(_("只能合并同一层级的单位（%(a)s、%(b)s）。") % {"a": source, "b": target})
    if target.path.startswith(source.path):
        raise OrganisationError(_("不能把单位并入它自己的下级单位。"))
    with transaction.atomic():
        source, target = _lock(source, target)
        if source.merged_into_id or target.merged_into_id:
            raise OrganisationError(_("已合并的单位不能再合并。"))
        member_ids = list(Member.objects.filter(org_unit=source).values_list("pk", flat=True))
        Member.objects.filter(pk__in=member_ids).update(org_unit=target)
        children = list(source.children.all())
        for child in children:
            child.parent = target
            child.save()  # re-roots the child's subtree
        grants = 0
        for grant in RoleGrant.objects.filter(org_unit=source):
            # A holder with the same role at the target already has it: drop the duplicate.
            duplicate = RoleGrant.objects.filter(
                user_id=grant.user_id, org_unit=target, role=grant.role, department_id=grant.department_id
            ).exists()
            if duplicate:
                grant.delete()
            else:
                RoleGrant.objects.filter(pk=grant.pk).update(org_unit=target)
                grants += 1
        source.merged_into = target
        source.save(update_fields=["merged_into", "updated_at"])
        counts = {"members": len(member_ids), "units": len(children), "grants": grants}
        audit_record(
            actor=actor,
            action="orgunit.merge",
            obj=source,
            changes={"merged_into": target.name, "member_ids": member_ids, **counts},
        )
    return counts


def department_units(user: Any) -> QuerySet[OrgUnit]:
    """The 基层工会 whose departments the user keeps: a department belongs to the employer behind a
    基层工会, so a 分工会 chair reads them but does not change them."""
    return managed_units(user).filter(kind=OrgUnit.Kind.BASE)


def _check_department(department: Department) -> None:
    same_name = Department.all_objects.filter(org_unit=department.org_unit, name=department.name.strip())
    if same_name.exclude(pk=department.pk).exists():
        raise OrganisationError(
            _("本单位已有名为“%(name)s”的部门（已撤销的部门可在其页面恢复）。") % {"name": department.name}
        )
    try:
        department.full_clean()
    except ValidationError as exc:
        raise OrganisationError(exc.messages) from None
    if department.org_unit.kind != OrgUnit.Kind.BASE:
        raise OrganisationError(_("部门只能设在基层工会。"))


def _lock_department(department: Department) -> Department:
    return Department.all_objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=department.pk)


def department_add(*, actor: Any, unit: OrgUnit, name: str) -> Department:
    access.require(actor, MANAGE, unit)
    with transaction.atomic():
        department = Department(org_unit=unit, name=name.strip())
        _check_department(department)
        department.save()
        audit_record(actor=actor, action="department.add", obj=department, changes={"unit": unit.name})
    return department


def department_rename(*, actor: Any, department: Department, name: str) -> Department:
    """A new name for the same department: members, motions and replies that name it follow."""
    access.require(actor, MANAGE, department.org_unit)
    with transaction.atomic():
        department = _lock_department(department)
        before, department.name = department.name, name.strip()
        _check_department(department)
        department.save(update_fields=["name", "updated_at"])
        audit_record(
            actor=actor, action="department.rename", obj=department, changes={"name": [before, department.name]}
        )
    return department


def department_retire(*, actor: Any, department: Department, reason: str) -> Department:
    """撤销: the department is no longer a choice for a member or a 交办. Nothing that names it
    changes: members keep it on their record until the roster moves them, motions already handed
    to it are still answered by its handlers."""
    access.require(actor, MANAGE, department.org_unit)
    reason = reason.strip()
    if not reason:
        raise OrganisationError(_("请填写撤销理由。"))
    with transaction.atomic():
        department = _lock_department(department)
        if department.archived_at is not None:
            raise OrganisationError(_("该部门已撤销。"))
        department.archived_at = timezone.now()
        department.save(update_fields=["archived_at", "updated_at"])
        in_it = Member.objects.filter(department=department, status=Member.Status.ACTIVE).count()
        audit_record(
            actor=actor,
            action="department.retire",
            obj=department,
            changes={"reason": reason, "active_members": in_it},
        )
    return department


def department_restore(*, actor: Any, department: Department) -> Department:
    access.require(actor, MANAGE, department.org_unit)
    with transaction.atomic():
        department = _lock_department(department)
        if department.archived_at is None:
            raise OrganisationError(_("该部门未撤销。"))
        department.archived_at = None
        department.save(update_fields=["archived_at", "updated_at"])
        audit_record(actor=actor, action="department.restore", obj=department)
    return department


def _tell_holder(grant: RoleGrant, subject: str, body: str, key: str) -> None:
    notify(
        kind="members.role_changed",
        recipient=grant.user,
        subject=subject,
        body=body,
        url=reverse("dashboard"),
        source=grant.org_unit,
        key=key,
    )


def role_grant(
    *,
    actor: Any,
    unit: OrgUnit,
    user: Any,
    role: str,
    reason: str,
    ends_on: dt.date | None = None,
    department: Department | None = None,
) -> RoleGrant:
    """Grant `role` at `unit` (and its subtree) to `user`, until `ends_on` if given. The
    承办部门负责人 role is granted for one `department` of `unit` (the departments page)."""
    access.require(actor, MANAGE, unit)
    reason = reason.strip()
    if not reason:
        raise OrganisationError(_("请填写授权理由。"))
    if role not in Role.values or role == Role.MEMBER or (role == Role.HANDLER) != (department is not None):
        raise OrganisationError(_("这里不能授予该角色（会员身份随花名册，承办部门负责人在部门中指定）。"))
    if department is not None and (department.org_unit_id != unit.pk or department.archived_at is not None):
        raise OrganisationError(_("只能为本单位在用的部门指定负责人。"))
    if ends_on is not None and ends_on < timezone.localdate():
        raise OrganisationError(_("截止日期不能早于今天。"))
    try:
        with transaction.atomic():
            grant = RoleGrant.objects.create(
                user=user, org_unit=unit, role=role, ends_on=ends_on, department=department
            )
            audit_record(
                actor=actor,
                action="rolegrant.grant",
                obj=grant,
                changes={
                    "role": role,
                    "unit": unit.name,
                    "department": str(department or ""),
                    "ends_on": str(ends_on or ""),
                    "reason": reason,
                },
            )
            role_label = grant.get_role_display() + (f"（{department.name}）" if department else "")
            _tell_holder(
                grant,
                _("您被授予%(unit)s的“%(role)s”角色") % {"unit": unit.name, "role": role_label},
                (_("有效至 %(day)s。") % {"day": ends_on} if ends_on else "") + _("理由：%(why)s") % {"why": reason},
                key=f"grant-{grant.pk}",
            )
    except IntegrityError:
        raise OrganisationError(_("该用户在本单位已有这个角色。")) from None
    return grant


def role_revoke(*, actor: Any, grant_id: int, reason: str) -> None:
    reason = reason.strip()
    if not reason:
        raise OrganisationError(_("请填写撤销理由。"))
    with transaction.atomic():
        grant = RoleGrant.objects.select_for_update().select_related("org_unit", "user").get(pk=grant_id)
        access.require(actor, MANAGE, grant.org_unit)
        audit_record(
            actor=actor,
            action="rolegrant.revoke",
            obj=grant,
            changes={"role": grant.role, "unit": grant.org_unit.name, "reason": reason},
        )
        _tell_holder(
            grant,
            _("您在%(unit)s的“%(role)s”角色已撤销") % {"unit": grant.org_unit.name, "role": grant.get_role_display()},
            _("理由：%(why)s") % {"why": reason},
            key=f"revoke-{grant.pk}",
        )
        grant.delete()


def role_overview(user: Any) -> QuerySet[RoleGrant]:
    """Who holds what where, in the units the user keeps (expired grants included, marked)."""
    return (
        access.visible(user, MANAGE, RoleGrant.objects.all())
        .select_related("user", "org_unit", "department")
        .order_by("org_unit__path", "role", "user__username")
    )
