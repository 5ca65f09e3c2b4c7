"""A member corrects their own contact details; the committee reviews the correction (issue 21).

The member sends the phone (on the roster) and the email (of their login) they want; nothing
changes until someone who keeps the roster at their unit (`members.change_member`) approves it.
The reviewers are told when a correction waits (and find it on their 待办 list); the member is told
the outcome. Nobody reviews their own correction. The states and moves are the table below, walked
by the workflow kernel (union_office/workflow.py), which locks, audits and notifies.
"""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from union_office.audit import audit_record
from union_office.notifications import notify
from union_office.workflow import Notice, Recipients, Transition, Workflow, perform

from . import access
from .models import ContactCorrection, Member

REVIEW = "members.change_member"
YOUR_TURN = "members.contact_turn"
TO_REVIEWERS = "reviewers"
TO_MEMBER = "member"
# A mobile number (11 digits from 1) or a landline with its area code (0xx-xxxxxxx).
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")

State = ContactCorrection.State

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "approve",
        (State.PENDING,),
        State.APPROVED,
        REVIEW,
        _("同意更正"),
        notify=(Notice(TO_MEMBER, _("您的联系方式更正已通过：%(obj)s")),),
        done=_("已更正联系方式"),
        style="success",
    ),
    Transition(
        "reject",
        (State.PENDING,),
        State.REJECTED,
        REVIEW,
        _("不予更正"),
        notify=(Notice(TO_MEMBER, _("您的联系方式更正未通过：%(obj)s")),),
        done=_("已退回更正"),
        style="outline-danger",
        needs_comment=True,
    ),
)


class ContactError(ValidationError):
    """A correction that cannot be sent or decided, said so that the member or reviewer can act."""


def _apply(correction: ContactCorrection, t: Transition, *, actor: Any, comment: str, fields: dict) -> dict:
    correction.decided_by, correction.decided_at, correction.note = actor, timezone.now(), comment[:200]
    if t.target != State.APPROVED:
        return {"note": comment}
    member = Member.objects.select_for_update(of=("self",)).select_related("user").get(pk=correction.member_id)
    member.phone = correction.phone
    member.save(update_fields=["phone", "updated_at"])
    if member.user_id is not None and member.user.email != correction.email:
        member.user.email = correction.email
        member.user.save(update_fields=["email"])
    return {
        "phone": [correction.previous_phone, correction.phone],
        "email": [correction.previous_email, correction.email],
    }


CONTACT = Workflow(
    name="members.contact",
    model=ContactCorrection,
    transitions=TRANSITIONS,
    can=lambda user, perm, correction, at: access.can(user, perm, correction.member.org_unit),
    is_subject=lambda user, correction: correction.member.user_id == getattr(user, "pk", None),
    notice_kind=YOUR_TURN,
    url=lambda correction: reverse("members:contact_corrections"),
    recipients={
        TO_MEMBER: Recipients(_("本人"), lambda c: [c.member.user] if c.member.user_id else []),
    },
    apply=_apply,
    related=("member__org_unit", "member__user"),
    noun=_("联系方式更正"),
    permission_label=lambda perm: access.PERMISSIONS[perm].label,
    error=ContactError,
)


def clean_contact(phone: str, email: str) -> tuple[str, str]:
    phone, email = phone.strip().replace(" ", ""), email.strip()
    if phone and not PHONE.match(phone):
        raise ContactError(_("手机号格式不对：请填写11位手机号，或带区号的固定电话（如 0571-87654321）。"))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ContactError(_("电子邮箱格式不对。")) from None
    return phone, email


def contact_correction_submit(*, actor: Any, phone: str, email: str) -> ContactCorrection:
    """The member's own request; the reviewers of their unit are told."""
    member = Member.objects.select_related("org_unit", "user").filter(user_id=actor.pk).first()
    if member is None:
        raise ContactError(_("您的账号没有对应的会员记录。"))
    phone, email = clean_contact(phone, email)
    current_email = member.user.email if member.user_id else ""
    if phone == member.phone and email == current_email:
        raise ContactError(_("与现在登记的联系方式相同，无需更正。"))
    try:
        with transaction.atomic():
            correction = ContactCorrection.objects.create(
                member=member, phone=phone, email=email, previous_phone=member.phone, previous_email=current_email
            )
            audit_record(actor=actor, action="members.contact.submit", obj=correction, changes={"member": member.pk})
            for reviewer in access.holders(REVIEW, member.org_unit):
                if reviewer.pk == actor.pk:
                    continue  # nobody reviews their own correction
                notify(
                    kind=YOUR_TURN,
                    recipient=reviewer,
                    subject=_("待审核的联系方式更正：%(name)s") % {"name": member.name},
                    url=reverse("members:contact_corrections"),
                    source=correction,
                    key=f"contact-{correction.pk}",
                )
    except IntegrityError:
        raise ContactError(_("您已有一项更正在等待审核，请等审核后再提交。")) from None
    return correction


def contact_correction_decide(*, actor: Any, pk: int, action: str, comment: str = "") -> str:
    """同意 or 不予更正; returns the result message (who was told)."""
    return perform(CONTACT, actor=actor, pk=pk, action=action, comment=comment).message


def corrections_to_review(user: Any) -> QuerySet[ContactCorrection]:
    """Pending corrections of members the user keeps the roster of, oldest first."""
    pending = ContactCorrection.objects.filter(state=State.PENDING)
    return (
        access.visible(user, REVIEW, pending, unit_field="member__org_unit")
        .exclude(member__user_id=user.pk)
        .select_related("member__org_unit", "member__user")
        .order_by("updated_at", "pk")
    )
