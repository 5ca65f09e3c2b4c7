"""Handling a registered motion: 交办 to departments, their replies, the proposer's rating (不满意
sends it back once), 办结, and the committee's 重点/优秀 flags. The moves are rows of the motion
table (congress/workflow.py) taken through the kernel; what each writes is in apply.py."""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from members import access
from union_office.audit import audit_record

from .. import workflow
from ..models import Motion, MotionReply, Satisfaction
from .common import REVIEW, CongressError, handler_department_ids, lock_motions, motion_step


def motion_assign(
    *,
    actor: Any,
    motion_id: int,
    lead_department_id: int,
    co_department_ids: list[int],
    due_on: datetime.date,
    today: datetime.date | None = None,
) -> Motion:
    """交办: one 主办 department, any 会办 departments, a deadline; schedules the 催办 reminders and
    tells the departments (their turn) and the proposer."""
    return motion_step(
        actor=actor,
        motion_id=motion_id,
        action="assign",
        lead_department_id=lead_department_id,
        co_department_ids=co_department_ids,
        due_on=due_on,
        today=today,
    )


def motion_reply(*, actor: Any, motion_id: int, department_id: int, text: str, attachment: Any = None) -> MotionReply:
    """A department's reply. The lead department's reply is the table's 答复 (the motion moves to
    已答复, the 催办 stop, the proposer is told); a co-handling department's reply (会办意见) is
    recorded without moving it."""
    if not text.strip():
        raise CongressError(_("请填写答复内容。"))
    with transaction.atomic():
        motion = lock_motions(motion_id)[motion_id]
        if department_id not in handler_department_ids(actor):
            raise PermissionDenied(_("您不是该部门的承办负责人。"))
        co_ids = set(motion.co_departments.values_list("pk", flat=True))
        is_lead = department_id == motion.lead_department_id
        if not is_lead and department_id not in co_ids:
            raise PermissionDenied(_("该提案没有交给您的部门办理。"))
        if motion.status not in workflow.HANDLING:
            raise CongressError(_("提案当前状态为“%(status)s”，不能答复。") % {"status": motion.get_status_display()})
        reply = MotionReply(
            motion=motion, department_id=department_id, author=actor, round=motion.round, is_lead=is_lead, text=text
        )
        if attachment:
            reply.attachment_name = attachment.name[:200]
            reply.attachment.save(attachment.name, attachment, save=False)
        reply.save()
        if is_lead:
            motion_step(actor=actor, motion_id=motion_id, action="reply", round=motion.round)
        else:
            changes = {"round": motion.round, "is_lead": False}
            audit_record(actor=actor, action="congress.motion_reply", obj=motion, changes=changes)
    return reply


def motion_rate(
    *, actor: Any, motion_id: int, rating: str, comment: str = "", today: datetime.date | None = None
) -> Motion:
    """The proposer rates the reply. 不满意 in the first round sends the motion back to the
    departments for a second reply (再次办理); otherwise the rating is recorded and the committee
    closes it."""
    if rating not in Satisfaction.values:
        raise CongressError(_("请选择满意、基本满意或不满意。"))
    if rating == Satisfaction.UNSATISFIED and not comment.strip():
        raise CongressError(_("选择“不满意”时请写明理由，以便承办部门再次办理。"))
    # Read before the lock: only 再次办理 changes the round, and it moves the motion out of 已答复,
    # so a rating racing it is refused by the state.
    rounds = Motion.objects.values_list("round", flat=True).get(pk=motion_id)
    action = "reopen" if rating == Satisfaction.UNSATISFIED and rounds < workflow.MAX_ROUNDS else "rate"
    return motion_step(actor=actor, motion_id=motion_id, action=action, rating=rating, comment=comment, today=today)


def motion_close(*, actor: Any, motion_id: int) -> Motion:
    return motion_step(actor=actor, motion_id=motion_id, action="close")


def motion_set_flags(*, actor: Any, motion_id: int, is_key: bool, is_excellent: bool) -> Motion:
    """重点提案 / 优秀提案: the committee's marks on a registered motion."""
    with transaction.atomic():
        motion = lock_motions(motion_id)[motion_id]
        access.require(actor, REVIEW, motion.session.org_unit)
        if motion.status not in workflow.REGISTERED:
            raise CongressError(_("只有已立案的提案可以标记为重点提案或优秀提案。"))
        changes = {
            name: [getattr(motion, name), value]
            for name, value in (("is_key", is_key), ("is_excellent", is_excellent))
            if getattr(motion, name) != value
        }
        motion.is_key, motion.is_excellent = is_key, is_excellent
        motion.save(update_fields=["is_key", "is_excellent", "updated_at"])
        if changes:
            audit_record(actor=actor, action="congress.motion_flags", obj=motion, changes=changes)
    return motion
