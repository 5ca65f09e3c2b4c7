"""What the congress services share: the error type, locks, and who-may-do-what checks."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from members import access
from members.models import Role

from .. import workflow
from ..models import CongressSession, Delegate, Motion

REVIEW = "congress.review_motions"
REPLY = "congress.reply_motions"


class CongressError(ValidationError):
    """A move the congress rules do not allow; the message says why, in Chinese."""


def lock_session(session_id: int) -> CongressSession:
    return CongressSession.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=session_id)


def lock_motions(*motion_ids: int) -> dict[int, Motion]:
    """Lock motion rows in ascending pk order (two merges of the same pair never deadlock)."""
    rows = (
        Motion.objects.select_for_update(of=("self",))
        .select_related("session__org_unit", "proposer__member")
        .filter(pk__in=motion_ids)
        .order_by("pk")
    )
    locked = {motion.pk: motion for motion in rows}
    if set(motion_ids) - set(locked):
        raise Motion.DoesNotExist
    return locked


def delegate_of(user: Any, session: CongressSession) -> Delegate | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Delegate.objects.filter(session=session, member__user=user).select_related("member").first()


def handler_department_ids(user: Any) -> set[int]:
    """The departments whose motion replies this user writes (承办部门负责人 grants)."""
    return {g.department_id for g in access.grants_for(user) if g.role == Role.HANDLER and g.department_id}


def is_proposer(user: Any, motion: Motion) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and motion.proposer.member.user_id == user.pk


def check_who(user: Any, motion: Motion, move: workflow.Transition) -> None:
    """403 unless the user is who the workflow table names for this move."""
    if move.who == "committee":
        access.require(user, REVIEW, motion.session.org_unit)
    elif move.who == "proposer":
        if not is_proposer(user, motion):
            raise PermissionDenied(_("只有第一提案人可以%(action)s。") % {"action": move.label})
    elif move.who == "handler" and motion.lead_department_id not in handler_department_ids(user):
        raise PermissionDenied(_("只有主办部门的负责人可以答复该提案。"))


def move_for(motion: Motion, action: str) -> workflow.Transition:
    move = workflow.transition(action, motion.status)
    if move is None:
        raise CongressError(
            _("提案当前状态为“%(status)s”，不能执行“%(action)s”。")
            % {"status": motion.get_status_display(), "action": workflow.label(action)}
        )
    return move


DECIDED_KIND = "congress.motion_decided"
ASSIGNED_KIND = "congress.motion_assigned"


def tell_about_motion(*, kind: str, users: Any, subject: str, motion: Motion, key: str) -> None:
    """A notice about a motion, with the link to its page, once per (user, key); in the caller's
    transaction, so a rolled-back step tells nobody."""
    from django.urls import reverse

    from union_office.notifications import notify

    url = reverse("congress:motion_detail", args=[motion.pk])
    for user in users:
        if user is not None and user.is_active:
            notify(kind=kind, recipient=user, subject=subject, url=url, source=motion, key=key)


def proposer_user(motion: Motion) -> list[Any]:
    user = motion.proposer.member.user
    return [user] if user is not None else []
