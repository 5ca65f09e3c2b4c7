"""The membership parts of the 工作台 and the audit log (called from MembersConfig.ready)."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from members import access
from members.models import Member

from .selectors import approvable_changes
from .workflow import PERM


def pending_approvals_card(request: HttpRequest) -> dict[str, Any] | None:
    """工作台: "待审批的会籍变动 N 件", only for someone with something to decide."""
    user = request.user
    if not access.has_anywhere(user, PERM):
        return None
    count = approvable_changes(user).count()
    return {"count": count} if count else None


def join_card(request: HttpRequest) -> dict[str, Any] | None:
    """工作台: an invitation to apply, for a login with no member record (not the IT superuser)."""
    user = request.user
    if user.is_superuser or Member.objects.filter(user=user).exists():
        return None
    return {}


def register() -> None:
    from union_office.registry import DashboardCard, register_audit_actions, register_card

    register_audit_actions(
        {
            "member.create": _("新增会员"),
            "membership.request": _("申请会籍变动"),
            "membership.approve": _("批准会籍变动"),
            "membership.schedule": _("批准会籍变动（待生效）"),
            "membership.apply": _("会籍变动到期生效"),
            "membership.apply_failed": _("会籍变动到期未能生效"),
            "membership.cancel": _("撤销待生效的会籍变动"),
            "membership.reject": _("驳回会籍变动"),
            "membership.withdraw_request": _("撤回会籍变动申请"),
            "membership.apply_to_join": _("申请入会"),
        }
    )
    register_card(
        DashboardCard("membership_pending", "members/membership/dashboard_card.html", -10, pending_approvals_card)
    )
    register_card(DashboardCard("membership_join", "members/membership/join_card.html", -9, join_card))
