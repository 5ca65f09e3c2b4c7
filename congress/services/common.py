"""What the congress services share: the error type, locks, and the motion workflow `MOTION` (the
table of congress/workflow.py read by the kernel, union_office/workflow.py)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from members import access
from members.models import Role
from union_office.workflow import SUBJECT, Recipients, Workflow, perform, refusal

from .. import workflow
from ..models import CongressSession, CoSigner, Delegate, Motion

REVIEW = workflow.REVIEW
REPLY = workflow.REPLY


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


def _can(user: Any, perm: str, motion: Motion, at: str) -> bool:
    """The workflow's permissions: the committee at the session's unit, the handler of the lead
    department, an invited co-signer (the 待办 list annotates `cosign_waiting` to spare a query)."""
    if perm == workflow.REPLY:
        return motion.lead_department_id in handler_department_ids(user)
    if perm == workflow.COSIGN:
        if not getattr(user, "is_authenticated", False):
            return False
        waiting = getattr(motion, "cosign_waiting", None)
        if waiting is not None:
            return waiting
        return CoSigner.objects.filter(motion=motion, delegate__member__user=user).exists()
    return access.can(user, perm, motion.session.org_unit)


def handlers_of(department_ids: list[int]) -> list[Any]:
    return list(
        get_user_model()
        .objects.filter(is_active=True, role_grants__role=Role.HANDLER, role_grants__department_id__in=department_ids)
        .distinct()
        .order_by("pk")
    )


def _handlers(motion: Motion) -> list[Any]:
    if motion.lead_department_id is None:
        return []
    return handlers_of([motion.lead_department_id, *motion.co_departments.values_list("pk", flat=True)])


def _proposer(motion: Motion) -> list[Any]:
    user = motion.proposer.member.user
    return [user] if user is not None else []


def _author(motion: Motion) -> list[Any]:
    suggestion = motion.from_suggestion
    return [suggestion.author.user] if suggestion is not None and suggestion.author.user_id else []


def _invited(motion: Motion) -> list[Any]:
    waiting = motion.cosigners.filter(confirmed_at__isnull=True).select_related("delegate__member__user")
    return [c.delegate.member.user for c in waiting if c.delegate.member.user_id]


def _permission_label(perm: str) -> Any:
    if perm == workflow.COSIGN:
        return _l("受邀附议的代表")
    return access.PERMISSIONS[perm].label


def _subject_args(motion: Motion) -> dict[str, Any]:
    return {
        "title": motion.title,
        "number": motion.number_display,
        "due": motion.due_on.isoformat() if motion.due_on else "",
        "department": motion.lead_department or "",
        "proposer": motion.proposer.member.name,
    }


def _apply(motion: Motion, t: Any, *, actor: Any, comment: str, fields: dict) -> dict[str, Any]:
    from .apply import APPLY

    step: Any = APPLY.get(t.action)
    return step(motion, actor=actor, **fields) if step else {}


MOTION = Workflow(
    name="congress.motion",
    model=Motion,
    transitions=workflow.TRANSITIONS,
    can=_can,
    is_subject=is_proposer,
    notice_kind=workflow.YOUR_TURN,
    url=lambda motion: reverse("congress:motion_detail", args=[motion.pk]),
    recipients={
        workflow.TO_PROPOSER: Recipients(_l("提案人"), _proposer),
        workflow.TO_AUTHOR: Recipients(_l("意见建议提出人"), _author),
        workflow.TO_INVITED: Recipients(_l("受邀附议的代表"), _invited),
        workflow.TO_COMMITTEE: Recipients(_l("提案工作委员会"), lambda m: access.holders(REVIEW, m.session.org_unit)),
        workflow.TO_HANDLERS: Recipients(_l("承办部门"), _handlers),
    },
    apply=_apply,
    state_field="status",
    related=("session__org_unit", "proposer__member__user", "from_suggestion__author__user", "lead_department"),
    noun=_l("提案"),
    permission_label=_permission_label,
    error=CongressError,
    subject_args=_subject_args,
)


def motion_step(*, actor: Any, motion_id: int, action: str, comment: str = "", **fields: Any) -> Motion:
    """Take one move of the motion table; returns the motion, its `done_message` saying what was
    done and who was told. Someone the table never lets take the move gets a 403 (as before the
    kernel); a refused move of the right person raises CongressError saying why."""
    session_id = Motion.objects.filter(pk=motion_id).values_list("session_id", flat=True).first()
    if session_id is None:
        raise Motion.DoesNotExist(motion_id)
    with transaction.atomic():
        if action == "register":
            lock_session(session_id)  # the counter: the session row before the motion (the lock order)
        motion = lock_motions(motion_id, *([fields["into"].pk] if fields.get("into") else []))[motion_id]
        named = [t for t in workflow.TRANSITIONS if t.action == action]
        if not named:
            raise CongressError(_("未知的提案操作。"))
        t = named[0]
        allowed = is_proposer(actor, motion) if t.permission == SUBJECT else _can(actor, t.permission, motion, t.at)
        if not allowed and t.permission == workflow.COSIGN:
            raise PermissionDenied(_("您没有被邀请附议这件提案。"))
        if not allowed:
            raise PermissionDenied(refusal(MOTION, actor, t, motion, guards=False))
        result = perform(MOTION, actor=actor, pk=motion_id, action=action, comment=comment, **fields)
    motion = result.obj
    motion.refresh_from_db()
    motion.done_message = result.message
    return motion


DECIDED_KIND = workflow.DECIDED_KIND
