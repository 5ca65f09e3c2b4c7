"""Suggestions, motion drafting and co-signing, submission, and the committee's review (立案,
不予立案, 合并)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members import access
from members.models import Member
from union_office.audit import audit_record, field_changes
from union_office.notifications import notify

from .. import workflow
from ..models import (
    CongressSession,
    CoSigner,
    Delegate,
    Motion,
    MotionStatus,
    RejectionReason,
    Suggestion,
    SuggestionStatus,
)
from .common import (
    DECIDED_KIND,
    REVIEW,
    CongressError,
    check_who,
    delegate_of,
    lock_motions,
    lock_session,
    move_for,
    proposer_user,
    tell_about_motion,
)

MOTION_TEXT_FIELDS = ("title", "category", "reason", "proposal")


# --- Suggestions ---------------------------------------------------------------------------------


def member_of_session(user: Any, session: CongressSession) -> Member | None:
    """The user's active member record inside the session's unit: who may write a suggestion."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(
        user=user, status=Member.Status.ACTIVE, org_unit__path__startswith=session.org_unit.path
    ).first()


def suggestion_create(*, actor: Any, session: CongressSession, title: str, content: str) -> Suggestion:
    """Any member of the session's unit may write a 意见建议, delegate or not, at any time."""
    author = member_of_session(actor, session)
    if author is None:
        raise PermissionDenied(_("只有本单位在册会员可以提出意见建议。"))
    with transaction.atomic():
        suggestion = Suggestion.objects.create(session=session, author=author, title=title, content=content)
        audit_record(actor=actor, action="congress.suggestion_create", obj=suggestion, changes={"title": title})
    return suggestion


def suggestion_answer(*, actor: Any, suggestion_id: int, answer: str) -> Suggestion:
    with transaction.atomic():
        suggestion = (
            Suggestion.objects.select_for_update(of=("self",)).select_related("session__org_unit").get(pk=suggestion_id)
        )
        access.require(actor, REVIEW, suggestion.session.org_unit)
        if suggestion.status == SuggestionStatus.ADOPTED:
            raise CongressError(_("该意见建议已转为提案，按提案办理。"))
        changes = field_changes(suggestion, {"answer": answer, "status": SuggestionStatus.ANSWERED})
        suggestion.answer, suggestion.status = answer, SuggestionStatus.ANSWERED
        suggestion.save(update_fields=["answer", "status", "updated_at"])
        audit_record(actor=actor, action="congress.suggestion_answer", obj=suggestion, changes=changes)
    return suggestion


def suggestion_adopt(*, actor: Any, suggestion_id: int, category: str) -> Motion:
    """A delegate turns a suggestion into their own motion draft, linked to it."""
    with transaction.atomic():
        suggestion = (
            Suggestion.objects.select_for_update(of=("self",))
            .select_related("session__org_unit", "author__user")
            .get(pk=suggestion_id)
        )
        delegate = delegate_of(actor, suggestion.session)
        if delegate is None:
            raise PermissionDenied(_("只有本届职工代表可以把意见建议转为提案。"))
        if suggestion.status != SuggestionStatus.OPEN:
            raise CongressError(
                _("该意见建议状态为“%(status)s”，不能再转为提案。") % {"status": suggestion.get_status_display()}
            )
        motion = Motion.objects.create(
            session=suggestion.session,
            proposer=delegate,
            title=suggestion.title,
            category=category,
            reason=suggestion.content,
            proposal="",
            from_suggestion=suggestion,
        )
        suggestion.status = SuggestionStatus.ADOPTED
        suggestion.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="congress.suggestion_adopt", obj=suggestion, changes={"motion": motion.pk})
        audit_record(actor=actor, action="congress.motion_create", obj=motion, changes={"title": motion.title})
        author = suggestion.author.user
        if author is not None and author.pk != actor.pk and author.is_active:  # the author is told
            notify(
                kind=DECIDED_KIND,
                recipient=author,
                subject=_("您的意见建议《%(title)s》已由职工代表%(name)s转为提案")
                % {"title": suggestion.title, "name": delegate.member.name},
                url=reverse("congress:suggestion_detail", args=[suggestion.session_id, suggestion.pk]),
                source=suggestion,
                key="adopted",
            )
    return motion


# --- Drafting and co-signing ----------------------------------------------------------------------


def motion_create(*, actor: Any, session: CongressSession, values: dict[str, Any]) -> Motion:
    """A delegate of the session starts a motion draft (a member who is not a delegate cannot)."""
    delegate = delegate_of(actor, session)
    if delegate is None:
        raise PermissionDenied(_("只有本届职工代表可以提出提案；您可以提交意见建议，由代表转为提案。"))
    with transaction.atomic():
        motion = Motion.objects.create(
            session=session, proposer=delegate, **{name: values[name] for name in MOTION_TEXT_FIELDS}
        )
        _save_attachment(motion, values.get("attachment"))
        audit_record(actor=actor, action="congress.motion_create", obj=motion, changes={"title": motion.title})
    return motion


def _save_attachment(obj: Any, upload: Any) -> None:
    if upload:
        obj.attachment_name = upload.name[:200]
        obj.attachment.save(upload.name, upload, save=False)
        obj.save(update_fields=["attachment", "attachment_name", "updated_at"])


def motion_update(*, actor: Any, motion_id: int, values: dict[str, Any]) -> Motion:
    with transaction.atomic():
        motion = lock_motions(motion_id)[motion_id]
        if not _is_proposer(actor, motion):
            raise PermissionDenied(_("只有第一提案人可以修改提案。"))
        if motion.status not in workflow.EDITABLE:
            raise CongressError(_("提案已提交，不能再修改。"))
        text = {name: values[name] for name in MOTION_TEXT_FIELDS}
        changes = field_changes(motion, text)
        for name, value in text.items():
            setattr(motion, name, value)
        motion.save()
        _save_attachment(motion, values.get("attachment"))
        audit_record(actor=actor, action="congress.motion_update", obj=motion, changes=changes)
    return motion


def _is_proposer(user: Any, motion: Motion) -> bool:
    return motion.proposer.member.user_id == getattr(user, "pk", None)


def cosigners_invite(*, actor: Any, motion_id: int, delegate_ids: list[int]) -> int:
    """The proposer invites delegates of the same session to co-sign; returns how many are new."""
    with transaction.atomic():
        motion = lock_motions(motion_id)[motion_id]
        if not _is_proposer(actor, motion):
            raise PermissionDenied(_("只有第一提案人可以邀请附议人。"))
        if motion.status not in workflow.EDITABLE:
            raise CongressError(_("提案已提交，不能再邀请附议人。"))
        delegates = list(
            Delegate.objects.filter(session=motion.session, pk__in=delegate_ids).exclude(pk=motion.proposer_id)
        )
        if len(delegates) != len(set(delegate_ids) - {motion.proposer_id}):
            raise CongressError(_("附议人必须是本届的其他职工代表。"))
        existing = set(motion.cosigners.values_list("delegate_id", flat=True))
        new = [CoSigner(motion=motion, delegate=d) for d in delegates if d.pk not in existing]
        CoSigner.objects.bulk_create(new)
        if new:
            audit_record(
                actor=actor,
                action="congress.cosigners_invite",
                obj=motion,
                changes={"invited": [str(c.delegate) for c in new]},
            )
        # "Your turn": each invited delegate is told, with the link where they co-sign (written in
        # this transaction: a rolled-back invitation tells nobody).
        url = reverse("congress:motion_detail", args=[motion.pk])
        for invitation in CoSigner.objects.filter(pk__in=[c.pk for c in new]).select_related("delegate__member__user"):
            if invitation.delegate.member.user_id:
                notify(
                    kind="congress.cosign_invited",
                    recipient=invitation.delegate.member.user,
                    subject=_("%(name)s邀请您附议提案《%(title)s》")
                    % {"name": motion.proposer.member.name, "title": motion.title},
                    url=url,
                    source=motion,
                    key=f"cosign:{invitation.pk}",
                )
    return len(new)


def _own_invitation(actor: Any, motion: Motion) -> CoSigner:
    invitation = (
        CoSigner.objects.select_for_update().filter(motion=motion, delegate__member__user=actor).first()
        if getattr(actor, "is_authenticated", False)
        else None
    )
    if invitation is None:
        raise PermissionDenied(_("您没有被邀请附议这件提案。"))
    return invitation


def cosigner_confirm(*, actor: Any, motion_id: int) -> CoSigner:
    """An invited delegate confirms online (附议); only while the proposer is collecting."""
    with transaction.atomic():
        motion = lock_motions(motion_id)[motion_id]
        invitation = _own_invitation(actor, motion)
        if motion.status != MotionStatus.COLLECTING:
            raise CongressError(_("提案当前状态为“%(status)s”，不能附议。") % {"status": motion.get_status_display()})
        if invitation.confirmed_at is None:
            invitation.confirmed_at = timezone.now()
            invitation.save(update_fields=["confirmed_at"])
            audit_record(
                actor=actor, action="congress.cosign", obj=motion, changes={"delegate": str(invitation.delegate)}
            )
    return invitation


def cosigner_decline(*, actor: Any, motion_id: int) -> None:
    with transaction.atomic():
        motion = lock_motions(motion_id)[motion_id]
        invitation = _own_invitation(actor, motion)
        if motion.status not in workflow.EDITABLE:
            raise CongressError(_("提案已提交，附议不能撤回。"))
        invitation.delete()
        audit_record(
            actor=actor, action="congress.cosign_decline", obj=motion, changes={"delegate": str(invitation.delegate)}
        )


# --- Moves without a form ----------------------------------------------------------------------


SIMPLE_ACTIONS = frozenset({"collect", "recall", "submit", "review"})


def motion_move(*, actor: Any, motion_id: int, action: str, today: Any = None) -> Motion:
    """征集附议, 撤回修改, 提交, 开始审查: moves that need nothing but the button."""
    if action not in SIMPLE_ACTIONS:
        raise CongressError(_("未知的提案操作。"))
    with transaction.atomic():
        motion = lock_motions(motion_id)[motion_id]
        move = move_for(motion, action)
        check_who(actor, motion, move)
        changes: dict[str, Any] = {"status": [motion.status, move.target]}
        if action == "submit":
            _check_submission(motion, today or timezone.localdate())
            motion.submitted_at = timezone.now()
        motion.status = move.target
        motion.save()
        audit_record(actor=actor, action=f"congress.motion_{action}", obj=motion, changes=changes)
    return motion


def _check_submission(motion: Motion, today: Any) -> None:
    session = motion.session
    if not session.window_open(today):
        raise CongressError(
            _("提案征集期为 %(start)s 至 %(end)s，现在不在征集期内，不能提交。")
            % {"start": session.motions_open_on.isoformat(), "end": session.motions_close_on.isoformat()}
        )
    confirmed = motion.cosigners.filter(confirmed_at__isnull=False).count()
    if confirmed < session.min_cosigners:
        raise CongressError(
            _("本届提案需要至少 %(needed)s 名代表附议，目前已确认 %(confirmed)s 名。")
            % {"needed": session.min_cosigners, "confirmed": confirmed}
        )
    for field in MOTION_TEXT_FIELDS:
        if not str(getattr(motion, field)).strip():
            raise CongressError(
                _("请先填写“%(field)s”再提交。") % {"field": Motion._meta.get_field(field).verbose_name}
            )


# --- The committee's review ---------------------------------------------------------------------


def motion_register(*, actor: Any, motion_id: int, opinion: str = "") -> Motion:
    """立案: the next number of the session, gapless even when two committee members click at once.
    `opinion` is the committee's 立案审查意见, printed in the 提案汇编.

    The session row is the counter and is locked first (before the motion, the lock order of
    every service here): a second registration waits, then reads the incremented counter. A
    rollback anywhere after the increment takes the number back with it, so no gap is left.
    """
    if len(opinion.strip()) > Motion._meta.get_field("review_opinion").max_length:
        raise CongressError(_("立案审查意见最多 500 字。"))
    session_id = Motion.objects.filter(pk=motion_id).values_list("session_id", flat=True).get()
    with transaction.atomic():
        session = lock_session(session_id)
        motion = lock_motions(motion_id)[motion_id]
        move = move_for(motion, "register")
        check_who(actor, motion, move)
        session.last_motion_number = F("last_motion_number") + 1
        session.save(update_fields=["last_motion_number"])
        session.refresh_from_db(fields=["last_motion_number"])
        motion.number = session.last_motion_number
        motion.status = move.target
        motion.registered_at = timezone.now()
        motion.review_opinion = opinion.strip()
        motion.save()
        audit_record(
            actor=actor,
            action="congress.motion_register",
            obj=motion,
            changes={"status": [MotionStatus.REVIEWING, move.target], "number": motion.number_display},
        )
        tell_about_motion(
            kind=DECIDED_KIND,
            users=proposer_user(motion),
            subject=_("您的提案《%(title)s》已立案，编号 %(number)s")
            % {"title": motion.title, "number": motion.number_display},
            motion=motion,
            key="register",
        )
    return motion


def motion_reject(*, actor: Any, motion_id: int, reason: str, note: str = "") -> Suggestion:
    """不予立案 with a standard reason (and free text); the motion lives on as a suggestion."""
    if reason not in RejectionReason.values:
        raise CongressError(_("请选择不予立案的理由。"))
    if reason == RejectionReason.OTHER and not note.strip():
        raise CongressError(_("理由为“其他”时请写明说明。"))
    with transaction.atomic():
        motion = lock_motions(motion_id)[motion_id]
        move = move_for(motion, "reject")
        check_who(actor, motion, move)
        motion.status, motion.rejection_reason, motion.rejection_note = move.target, reason, note
        motion.save()
        suggestion = Suggestion.objects.create(
            session=motion.session,
            author=motion.proposer.member,
            title=motion.title,
            content=f"{motion.reason}\n\n{motion.proposal}".strip(),
            from_motion=motion,
        )
        audit_record(
            actor=actor,
            action="congress.motion_reject",
            obj=motion,
            changes={"status": [MotionStatus.REVIEWING, move.target], "rejection_reason": reason, "note": note},
        )
        tell_about_motion(
            kind=DECIDED_KIND,
            users=proposer_user(motion),
            subject=_("您的提案《%(title)s》不予立案，已转为意见建议") % {"title": motion.title},
            motion=motion,
            key="reject",
        )
    return suggestion


def motion_merge(*, actor: Any, motion_id: int, into_id: int) -> Motion:
    """合并: the motion joins another of the session; its proposer becomes a joint proposer there."""
    if motion_id == into_id:
        raise CongressError(_("提案不能并入它自己。"))
    with transaction.atomic():
        locked = lock_motions(motion_id, into_id)
        motion, target = locked[motion_id], locked[into_id]
        move = move_for(motion, "merge")
        check_who(actor, motion, move)
        if target.session_id != motion.session_id:
            raise CongressError(_("只能并入同一届次的提案。"))
        if target.status not in {MotionStatus.REVIEWING} | workflow.REGISTERED:
            raise CongressError(
                _("目标提案状态为“%(status)s”，不能接收合并。") % {"status": target.get_status_display()}
            )
        motion.status, motion.merged_into = move.target, target
        motion.save()
        keep = {motion.proposer_id, *motion.joint_proposers.values_list("pk", flat=True)} - {target.proposer_id}
        target.joint_proposers.add(*keep)
        audit_record(
            actor=actor,
            action="congress.motion_merge",
            obj=motion,
            changes={"status": [MotionStatus.REVIEWING, move.target], "merged_into": target.pk},
        )
        audit_record(actor=actor, action="congress.motion_merged_in", obj=target, changes={"from": motion.pk})
    return target
