"""Handling a registered motion: 交办 to departments, their replies, 催办 reminders, the proposer's
rating (不满意 sends it back once), 办结, and the committee's 重点/优秀 flags."""

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members import access
from members.models import Department, Role
from union_office.audit import audit_record
from union_office.notifications import notify, reminder_schedule, reminders_cancel

from .. import workflow
from ..models import Motion, MotionEvaluation, MotionReply, MotionStatus, Satisfaction
from .common import (
    ASSIGNED_KIND,
    DECIDED_KIND,
    REVIEW,
    CongressError,
    check_who,
    handler_department_ids,
    lock_motions,
    move_for,
    proposer_user,
    tell_about_motion,
)

# 催办: a reminder this many days before the deadline, and one the day after it if still unanswered.
REMIND_DAYS_BEFORE = 3
REMIND_DAYS_AFTER = 1
REMIND_HOUR = 9
# The second round after a 不满意 rating gets this many days.
SECOND_ROUND_DAYS = 15
REMINDER_KIND = "congress.reply_due"
REPLIED_KIND = "congress.motion_replied"


def _handlers(department_ids: list[int]) -> list[Any]:
    return list(
        get_user_model()
        .objects.filter(is_active=True, role_grants__role=Role.HANDLER, role_grants__department_id__in=department_ids)
        .distinct()
        .order_by("pk")
    )


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(REMIND_HOUR)))


def _schedule_reminders(motion: Motion, department_ids: list[int]) -> None:
    """催办 before and after the deadline, to every handler of the lead and co-handling departments.

    Keys carry the round, so a second round is reminded again; replying cancels them all.
    """
    url = reverse("congress:motion_detail", args=[motion.pk])
    for user in _handlers(department_ids):
        reminder_schedule(
            kind=REMINDER_KIND,
            recipient=user,
            due_at=_at(motion.due_on - datetime.timedelta(days=REMIND_DAYS_BEFORE)),
            subject=_("提案 %(number)s《%(title)s》将于 %(due)s 到期，请及时答复")
            % {"number": motion.number_display, "title": motion.title, "due": motion.due_on.isoformat()},
            url=url,
            source=motion,
            key=f"before:r{motion.round}",
        )
        reminder_schedule(
            kind=REMINDER_KIND,
            recipient=user,
            due_at=_at(motion.due_on + datetime.timedelta(days=REMIND_DAYS_AFTER)),
            subject=_("催办：提案 %(number)s《%(title)s》已超过答复期限 %(due)s")
            % {"number": motion.number_display, "title": motion.title, "due": motion.due_on.isoformat()},
            url=url,
            source=motion,
            key=f"overdue:r{motion.round}",
        )


def motion_assign(
    *,
    actor: Any,
    motion_id: int,
    lead_department_id: int,
    co_department_ids: list[int],
    due_on: datetime.date,
    today: datetime.date | None = None,
) -> Motion:
    """交办: one 主办 department, any 会办 departments, a deadline; schedules the 催办 reminders."""
    with transaction.atomic():
        motion = lock_motions(motion_id)[motion_id]
        move = move_for(motion, "assign")
        check_who(actor, motion, move)
        unit_path = motion.session.org_unit.path
        ids = [lead_department_id, *[d for d in co_department_ids if d != lead_department_id]]
        departments = {d.pk: d for d in Department.objects.filter(pk__in=ids, org_unit__path__startswith=unit_path)}
        if set(ids) - set(departments):
            raise CongressError(_("承办部门必须是本单位的部门。"))
        if due_on < (today or timezone.localdate()):
            raise CongressError(_("办理期限不能早于今天。"))
        motion.status = move.target
        motion.lead_department = departments[lead_department_id]
        motion.due_on = due_on
        motion.assigned_at = timezone.now()
        motion.save()
        motion.co_departments.set(ids[1:])
        _schedule_reminders(motion, ids)
        audit_record(
            actor=actor,
            action="congress.motion_assign",
            obj=motion,
            changes={
                "status": [MotionStatus.REGISTERED, move.target],
                "lead_department": str(motion.lead_department),
                "co_departments": [str(departments[i]) for i in ids[1:]],
                "due_on": due_on.isoformat(),
            },
        )
        # Your turn: the handlers of every department it went to; and the proposer is told where.
        tell_about_motion(
            kind=ASSIGNED_KIND,
            users=_handlers(ids),
            subject=_("提案 %(number)s《%(title)s》已交办贵部门，请于 %(due)s 前答复")
            % {"number": motion.number_display, "title": motion.title, "due": due_on.isoformat()},
            motion=motion,
            key=f"assign:r{motion.round}",
        )
        tell_about_motion(
            kind=DECIDED_KIND,
            users=proposer_user(motion),
            subject=_("您的提案《%(title)s》已交办%(department)s办理")
            % {"title": motion.title, "department": motion.lead_department},
            motion=motion,
            key=f"assign:r{motion.round}",
        )
    return motion


def motion_reply(*, actor: Any, motion_id: int, department_id: int, text: str, attachment: Any = None) -> MotionReply:
    """A department's reply. The lead department's reply moves the motion to 已答复 (and stops the
    催办); a co-handling department's reply (会办意见) is recorded without moving it."""
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
        changes: dict[str, Any] = {"round": motion.round, "is_lead": is_lead}
        if is_lead:
            move = move_for(motion, "reply")
            check_who(actor, motion, move)
            changes["status"] = [motion.status, move.target]
            motion.status = move.target
            motion.replied_at = timezone.now()
            motion.save()
            reminders_cancel(source=motion, kind=REMINDER_KIND)
            proposer = motion.proposer.member.user
            if proposer is not None:
                notify(
                    kind=REPLIED_KIND,
                    recipient=proposer,
                    subject=_("您的提案 %(number)s《%(title)s》已答复，请评价")
                    % {"number": motion.number_display, "title": motion.title},
                    url=reverse("congress:motion_detail", args=[motion.pk]),
                    source=motion,
                )
        audit_record(actor=actor, action="congress.motion_reply", obj=motion, changes=changes)
    return reply


def motion_rate(
    *, actor: Any, motion_id: int, rating: str, comment: str = "", today: datetime.date | None = None
) -> Motion:
    """The proposer rates the reply. 不满意 in the first round sends the motion back to the
    departments for a second reply; otherwise the rating is recorded and the committee closes it."""
    if rating not in Satisfaction.values:
        raise CongressError(_("请选择满意、基本满意或不满意。"))
    if rating == Satisfaction.UNSATISFIED and not comment.strip():
        raise CongressError(_("选择“不满意”时请写明理由，以便承办部门再次办理。"))
    with transaction.atomic():
        motion = lock_motions(motion_id)[motion_id]
        reopen = rating == Satisfaction.UNSATISFIED and motion.round < workflow.MAX_ROUNDS
        move = move_for(motion, "reopen" if reopen else "rate")
        check_who(actor, motion, move)
        MotionEvaluation.objects.create(motion=motion, round=motion.round, rating=rating, comment=comment)
        changes: dict[str, Any] = {"status": [motion.status, move.target], "satisfaction": rating}
        motion.status, motion.satisfaction = move.target, rating
        if reopen:
            motion.round += 1
            motion.due_on = (today or timezone.localdate()) + datetime.timedelta(days=SECOND_ROUND_DAYS)
            changes["round"] = motion.round
            changes["due_on"] = motion.due_on.isoformat()
        motion.save()
        if reopen:
            _schedule_reminders(
                motion, [motion.lead_department_id, *motion.co_departments.values_list("pk", flat=True)]
            )
        audit_record(actor=actor, action="congress.motion_rate", obj=motion, changes=changes)
    return motion


def motion_close(*, actor: Any, motion_id: int) -> Motion:
    with transaction.atomic():
        motion = lock_motions(motion_id)[motion_id]
        move = move_for(motion, "close")
        check_who(actor, motion, move)
        changes = {"status": [motion.status, move.target]}
        motion.status = move.target
        motion.closed_at = timezone.now()
        motion.save()
        audit_record(actor=actor, action="congress.motion_close", obj=motion, changes=changes)
    return motion


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
