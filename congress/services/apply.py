"""What each move of the motion table writes besides the state (the kernel's `apply`): run inside
`perform()`'s transaction after the checks, with the motion locked; each returns the changes its
audit entry records. The guards of the table have passed; a check that needs the move's own form
values (a department of the unit, a deadline not past) raises CongressError here."""

import datetime
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Department
from union_office.audit import audit_record
from union_office.notifications import reminders_cancel

from .. import workflow
from ..models import CongressSession, CoSigner, Motion, MotionEvaluation, Satisfaction, Suggestion
from .common import CongressError, handlers_of
from .reminders import REMINDER_KIND, SECOND_ROUND_DAYS, schedule_reminders


def _submit(motion: Motion, *, actor: Any, today: datetime.date | None = None) -> dict[str, Any]:
    motion.submitted_at = timezone.now()
    return {}


def _cosign(motion: Motion, *, actor: Any) -> dict[str, Any]:
    invitation = (
        CoSigner.objects.select_for_update()
        .select_related("delegate__member")
        .get(motion=motion, delegate__member__user=actor)
    )
    invitation.confirmed_at = timezone.now()
    invitation.save(update_fields=["confirmed_at"])
    return {"delegate": str(invitation.delegate)}


def _register(motion: Motion, *, actor: Any, opinion: str = "") -> dict[str, Any]:
    """The next number of the session, gapless: the caller locked the session row (the counter)
    before the motion, so a second registration waits and reads the incremented value; a rollback
    takes the number back. `opinion`: the 立案审查意见 (blank: the 汇编 prints the standard one)."""
    CongressSession.objects.filter(pk=motion.session_id).update(last_motion_number=F("last_motion_number") + 1)
    motion.number = CongressSession.objects.values_list("last_motion_number", flat=True).get(pk=motion.session_id)
    motion.registered_at = timezone.now()
    motion.review_opinion = opinion
    return {"number": motion.number_display, **({"opinion": opinion} if opinion else {})}


def _reject(motion: Motion, *, actor: Any, reason: str, note: str = "") -> dict[str, Any]:
    """The motion stays as it was, marked; a new 意见建议 of its proposer carries its text on."""
    motion.rejection_reason, motion.rejection_note = reason, note
    Suggestion.objects.create(
        session=motion.session,
        author=motion.proposer.member,
        title=motion.title,
        content=f"{motion.reason}\n\n{motion.proposal}".strip(),
        from_motion=motion,
    )
    return {"rejection_reason": reason, "note": note}


def _merge(motion: Motion, *, actor: Any, into: Motion) -> dict[str, Any]:
    """Its proposer (and its own joint proposers) become joint proposers of the target."""
    motion.merged_into = into
    keep = {motion.proposer_id, *motion.joint_proposers.values_list("pk", flat=True)} - {into.proposer_id}
    into.joint_proposers.add(*keep)
    audit_record(actor=actor, action="congress.motion_merged_in", obj=into, changes={"from": motion.pk})
    return {"merged_into": into.pk}


def _assign(
    motion: Motion,
    *,
    actor: Any,
    lead_department_id: int,
    co_department_ids: list[int],
    due_on: datetime.date,
    today: datetime.date | None = None,
) -> dict[str, Any]:
    """One 主办, any 会办 departments of the session's unit, a deadline; schedules the 催办."""
    ids = [lead_department_id, *[d for d in co_department_ids if d != lead_department_id]]
    unit_path = str(motion.session.org_unit.path)
    departments = {d.pk: d for d in Department.objects.filter(pk__in=ids, org_unit__path__startswith=unit_path)}
    if set(ids) - set(departments):
        raise CongressError(_("承办部门必须是本单位的部门。"))
    if due_on < (today or timezone.localdate()):
        raise CongressError(_("办理期限不能早于今天。"))
    motion.lead_department = departments[lead_department_id]
    motion.due_on = due_on
    motion.assigned_at = timezone.now()
    motion.co_departments.set(ids[1:])
    schedule_reminders(motion, handlers_of(ids))
    return {
        "lead_department": str(motion.lead_department),
        "co_departments": [str(departments[i]) for i in ids[1:]],
        "due_on": due_on.isoformat(),
    }


def _reply(motion: Motion, *, actor: Any, round: int) -> dict[str, Any]:
    """The lead department's reply (written by the service) moves it and stops the 催办."""
    motion.replied_at = timezone.now()
    reminders_cancel(source=motion, kind=REMINDER_KIND)
    return {"round": round, "is_lead": True}


def _rate(
    motion: Motion, *, actor: Any, rating: str, comment: str = "", today: datetime.date | None = None
) -> dict[str, Any]:
    MotionEvaluation.objects.create(motion=motion, round=motion.round, rating=rating, comment=comment)
    motion.satisfaction = rating
    changes: dict[str, Any] = {"satisfaction": rating}
    if rating == Satisfaction.UNSATISFIED and motion.round < workflow.MAX_ROUNDS:
        motion.round += 1
        motion.due_on = (today or timezone.localdate()) + datetime.timedelta(days=SECOND_ROUND_DAYS)
        changes |= {"round": motion.round, "due_on": motion.due_on.isoformat()}
        ids = [motion.lead_department_id, *motion.co_departments.values_list("pk", flat=True)]
        schedule_reminders(motion, handlers_of([pk for pk in ids if pk is not None]))
    return changes


def _close(motion: Motion, *, actor: Any) -> dict[str, Any]:
    motion.closed_at = timezone.now()
    return {}


APPLY = {
    "submit": _submit,
    "cosign": _cosign,
    "register": _register,
    "reject": _reject,
    "merge": _merge,
    "assign": _assign,
    "reply": _reply,
    "rate": _rate,
    "reopen": _rate,
    "close": _close,
}
