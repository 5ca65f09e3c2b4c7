"""The one access policy every app uses: who may see or do what, where.

A role granted at an org unit holds for that unit's whole subtree (a 基层工会 chair sees its
分工会 and 小组; a 分工会 committee member sees only their 分工会). A user linked to a Member
record holds the `member` role at the member's own unit without a grant row. Permissions are
codes mapped to the roles that carry them; views ask:

- `visible(user, perm, queryset)`: the objects they may see (filter by the object's unit);
- `get_visible_or_404(...)`: one object, 404 if it is outside their scope (not 403: we do not
  confirm that a record exists to someone who may not see it);
- `require(user, perm, unit)`: PermissionDenied (403) for someone who may read but not write.

See docs/access.md for the table and the reasoning.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import IntegerField, Model, Q, QuerySet, Value
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .models import Member, OrgUnit, Role, RoleGrant

ALL_ROLES = frozenset(Role)
OFFICERS = frozenset(Role) - {Role.MEMBER, Role.HANDLER}


@dataclass(frozen=True)
class Permission:
    code: str
    label: str
    roles: frozenset[Role]
    # Member-facing reads reach up as well: a member of a 分工会 reads the plan and the calendar of
    # their 基层工会 and of the 县总工会 above it, not only of their own small unit.
    reaches_up: bool = False


def _perm(code: str, label: str, *roles: Role, reaches_up: bool = False) -> Permission:
    return Permission(code, label, frozenset(roles), reaches_up)


PERMISSIONS: dict[str, Permission] = {
    p.code: p
    for p in [
        _perm(
            "members.view_member",
            _("查看会员花名册"),
            Role.CHAIR,
            Role.COMMITTEE,
            Role.WOMEN,
            Role.TREASURER,
            Role.AUDITOR,
        ),
        _perm("members.change_member", _("维护会员花名册"), Role.CHAIR, Role.COMMITTEE),
        _perm("members.view_full_id_number", _("查看完整身份证号"), Role.CHAIR, Role.COMMITTEE),
        _perm("members.manage_roles", _("授予角色"), Role.CHAIR),
        # Phone numbers in full (issue 17, finding 7): settings.PHONE_VISIBLE_ROLES, default chair and
        # committee; a member always sees their own. Everyone else reads 138****5678.
        _perm("members.view_phone", _("查看完整手机号"), *(Role(r) for r in settings.PHONE_VISIBLE_ROLES)),
        _perm("finance.view_ledger", _("查看经费账目"), Role.CHAIR, Role.TREASURER, Role.AUDITOR),
        _perm("finance.change_ledger", _("记账"), Role.TREASURER),
        _perm("finance.approve_budget", _("批复经费预算"), Role.CHAIR),
        _perm("welfare.view_aid", _("查看帮扶档案与申请"), Role.CHAIR, Role.COMMITTEE),
        _perm("welfare.review_aid", _("审核帮扶申请"), Role.CHAIR, Role.COMMITTEE),
        _perm("welfare.decide_aid", _("审定帮扶金额"), Role.CHAIR),
        # Rules as pages (issue 21): the chair sets the standards the others work by.
        _perm("welfare.set_visit_rules", _("制定慰问标准"), Role.CHAIR),
        _perm("welfare.apply", _("提交帮扶/助学申请"), *ALL_ROLES),
        _perm("congress.view_motions", _("查看提案"), *ALL_ROLES, reaches_up=True),
        _perm("congress.submit_motion", _("提交提案与建议"), *ALL_ROLES),
        _perm("congress.review_motions", _("审查与交办提案"), Role.CHAIR, Role.MOTIONS),
        _perm("congress.reply_motions", _("答复提案"), Role.HANDLER),
        _perm("activities.view_events", _("查看活动与日历"), *ALL_ROLES, reaches_up=True),
        _perm("activities.manage_events", _("组织活动"), Role.CHAIR, Role.COMMITTEE, Role.WOMEN),
        _perm("activities.set_policy_rules", _("制定经费使用规则"), Role.CHAIR),
        _perm("activities.approve_group_plans", _("审批兴趣小组计划与经费"), Role.CHAIR, Role.COMMITTEE),
        _perm("plans.view_plan", _("查看工作计划"), *ALL_ROLES, reaches_up=True),
        _perm("plans.edit_plan", _("起草工作计划"), Role.CHAIR, Role.COMMITTEE),
        _perm("plans.approve_plan", _("审批工作计划"), Role.CHAIR),
        _perm("audit.view_log", _("查看审计日志"), Role.CHAIR, Role.AUDITOR),
    ]
}


@dataclass(frozen=True)
class Grant:
    role: Role
    path: str
    unit_id: int
    department_id: int | None = None


def grants_for(user: Any) -> list[Grant]:
    """The user's grants, including the implicit `member` grant; cached on the user object.

    The request's user object lives for one request, so the cache never outlives a change of roles
    by more than that.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_union_grants", None)
    if cached is not None:
        return cached
    # One query: the role grants still running and, as a `member` grant, the unit of the user's own
    # record while it is on the roll (Member.user is one-to-one: at most one row).
    held = RoleGrant.objects.current().filter(user_id=user.pk)
    own = Member.objects.filter(user_id=user.pk, status=Member.Status.ACTIVE).annotate(
        grant_role=Value(Role.MEMBER.value), grant_department=Value(None, output_field=IntegerField())
    )
    rows = (
        held.order_by()
        .values_list("role", "org_unit__path", "org_unit_id", "department_id")
        .union(own.order_by().values_list("grant_role", "org_unit__path", "org_unit_id", "grant_department"), all=True)
    )
    grants = [Grant(Role(role), path, unit_id, department_id) for role, path, unit_id, department_id in rows]
    user._union_grants = grants
    return grants


def _permission(perm: str) -> Permission:
    try:
        return PERMISSIONS[perm]
    except KeyError:
        raise ValueError(f"unknown permission {perm!r}; add it to members.access.PERMISSIONS") from None


def _minimal(paths: Iterable[str]) -> list[str]:
    """Drop paths that lie inside another one: one LIKE per disjoint subtree."""
    result: list[str] = []
    for path in sorted(set(paths)):
        if not result or not path.startswith(result[-1]):
            result.append(path)
    return result


def scope_paths(user: Any, perm: str) -> list[str]:
    """The roots of the subtrees where the user holds `perm` (a shared list: do not change it).

    Kept per permission beside the request's grants: the navigation bar alone asks a dozen times a
    page, and each answer is the same until the grants are read again.
    """
    permission = _permission(perm)
    grants = grants_for(user)
    memo = getattr(user, "_union_scopes", None)
    if memo is None or memo[0] is not grants:
        memo = (grants, {})
        if grants:  # not for an anonymous or inactive user (a fresh empty list each time)
            user._union_scopes = memo
    paths = memo[1].get(perm)
    if paths is None:
        paths = memo[1][perm] = _minimal(g.path for g in grants if g.role in permission.roles)
    return paths


def scope_key(user: Any, perm: str) -> str:
    """The user's scope for `perm` as text, for cache keys shared by users with the same scope:
    "*" for an active superuser (everything), else the roots of their subtrees."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return "*"
    return "|".join(scope_paths(user, perm))


def ancestor_paths(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["".join(f"{p}/" for p in parts[:i]) for i in range(1, len(parts))]


def unit_q(user: Any, perm: str, field: str = "org_unit") -> Q:
    """A Q over `field` (a ForeignKey to OrgUnit; "" for OrgUnit itself) matching the user's scope."""
    prefix = f"{field}__" if field else ""
    if getattr(user, "is_superuser", False) and user.is_active:
        # Not Q(): an empty Q vanishes when OR-ed with another (Q() | Q(x) == Q(x)), which would
        # turn "everything, or my own record" into "my own record".
        return ~Q(pk__in=[])
    paths = scope_paths(user, perm)
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{prefix}path__startswith": path})
    if _permission(perm).reaches_up:
        above = {a for path in paths for a in ancestor_paths(path)}
        if above:
            q |= Q(**{f"{prefix}path__in": sorted(above)})
    return q


def visible[M: Model](user: Any, perm: str, queryset: QuerySet[M], unit_field: str = "org_unit") -> QuerySet[M]:
    """The part of `queryset` the user may see with `perm`."""
    return queryset.filter(unit_q(user, perm, unit_field))


def units(user: Any, perm: str) -> QuerySet[OrgUnit]:
    return visible(user, perm, OrgUnit.objects.all(), unit_field="")


def scope_root_pk(user: Any, perm: str) -> int | None:
    """The key of the top unit of the user's scope for `perm` when it is one subtree, else None: the
    unit a report or export of "everything I may read" is filed under in the audit log. Read from
    the path (its last segment is the unit's own key), with no query."""
    roots = scope_paths(user, perm)
    return int(roots[0].rstrip("/").rsplit("/", 1)[-1]) if len(roots) == 1 else None


def can(user: Any, perm: str, unit: OrgUnit) -> bool:
    """Does the user hold `perm` at `unit`?"""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    if any(unit.path.startswith(root) for root in scope_paths(user, perm)):
        return True
    if _permission(perm).reaches_up:
        return any(root.startswith(unit.path) for root in scope_paths(user, perm))
    return False


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678: enough to tell two numbers apart, not to call one."""
    phone = phone or ""
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:] if len(phone) > 7 else "*" * len(phone)


def phone_shown(user: Any, member: Member) -> str:
    """The member's phone as `user` may read it: in full to the member and to members.view_phone there."""
    if member.user_id is not None and member.user_id == getattr(user, "pk", None):
        return member.phone
    return member.phone if can(user, "members.view_phone", member.org_unit) else mask_phone(member.phone)


def phone_masker(user: Any, perm: str = "members.view_phone"):
    """f(phone, unit path) for many rows at once (exports): full where `user` holds the right."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return lambda phone, path: phone
    roots = tuple(scope_paths(user, perm))
    return lambda phone, path: phone if roots and path.startswith(roots) else mask_phone(phone)


def has_anywhere(user: Any, perm: str) -> bool:
    """Does the user hold `perm` at any unit? (navigation, dashboard cards)"""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return bool(scope_paths(user, perm))


def roles_of(user: Any) -> set[Role]:
    return {g.role for g in grants_for(user)}


def get_visible_or_404[M: Model](
    user: Any, perm: str, queryset: QuerySet[M], unit_field: str = "org_unit", **lookup: Any
) -> M:
    """One object the user may see, or 404 whether it exists or not."""
    try:
        return visible(user, perm, queryset, unit_field).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(_("没有找到该记录，或您无权查看。")) from None


def require(user: Any, perm: str, unit: OrgUnit) -> None:
    """403 for someone who may see the object but not do this to it."""
    if not can(user, perm, unit):
        raise PermissionDenied(
            _("您的角色没有在“%(unit)s”%(action)s的权限。") % {"unit": unit, "action": PERMISSIONS[perm].label}
        )


def holders(perm: str, unit: OrgUnit) -> list[Any]:
    """The active users who hold `perm` at `unit` (a grant at the unit or above it): the people a
    workflow tells that it is their turn. Superusers are not listed: they hold everything and are
    told nothing."""
    permission = _permission(perm)
    grants = (
        RoleGrant.objects.current()
        .filter(
            org_unit__path__in=unit.ancestor_paths(),
            role__in=permission.roles,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user_id")
    )
    return list({g.user_id: g.user for g in grants}.values())
