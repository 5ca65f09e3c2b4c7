"""Suggestions, motion drafting and co-signing, submission, and the committee's review (立案,
不予立案, 合并)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
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
    RejectionReason,
    Suggestion,
    SuggestionStatus,
)
from .common import DECIDED_KIND, REVIEW, CongressError, delegate_of, lock_motions, motion_step

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


def cosigner_confirm(*, actor: Any, motion_id: int) -> Motion:
    """An invited delegate confirms online (附议, a row of the table); only while collecting."""
    return motion_step(actor=actor, motion_id=motion_id, action="cosign")


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
    """征集附议, 撤回修改, 提交, 开始审查: moves that need nothing but the button. Submission's rules
    (征集期, enough confirmed co-signers, the text filled) are guards of the table."""
    if action not in SIMPLE_ACTIONS:
        raise CongressError(_("未知的提案操作。"))
    return motion_step(actor=actor, motion_id=motion_id, action=action, **({"today": today} if today else {}))


# --- The committee's review ---------------------------------------------------------------------


def motion_register(*, actor: Any, motion_id: int, opinion: str = "") -> Motion:
    """立案: the next number of the session, gapless even when two committee members click at once
    (motion_step locks the session row, the counter, before the motion; see apply.py). `opinion`
    is the committee's 立案审查意见, printed in the 提案汇编."""
    opinion = (opinion or "").strip()
    if len(opinion) > Motion._meta.get_field("review_opinion").max_length:
        raise CongressError(_("立案审查意见最多 500 字。"))
    return motion_step(actor=actor, motion_id=motion_id, action="register", opinion=opinion)


def motion_reject(*, actor: Any, motion_id: int, reason: str, note: str = "") -> Suggestion:
    """不予立案 with a standard reason (and free text); the motion lives on as a suggestion."""
    if reason not in RejectionReason.values:
        raise CongressError(_("请选择不予立案的理由。"))
    if reason == RejectionReason.OTHER and not note.strip():
        raise CongressError(_("理由为“其他”时请写明说明。"))
    motion = motion_step(actor=actor, motion_id=motion_id, action="reject", reason=reason, note=note)
    suggestion = Suggestion.objects.get(from_motion=motion)
    suggestion.done_message = motion.done_message
    return suggestion


def motion_merge(*, actor: Any, motion_id: int, into_id: int) -> Motion:
    """合并: the motion joins another of the session; its proposer becomes a joint proposer there."""
    into = Motion.objects.filter(pk=into_id).first()
    if into is None:
        raise CongressError(_("请选择要并入的提案。"))
    motion = motion_step(actor=actor, motion_id=motion_id, action="merge", into=into)
    into.refresh_from_db()
    into.done_message = motion.done_message
    return into
