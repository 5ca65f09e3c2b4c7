"""Who may read welfare records (DESIGN.md §3.3): the person concerned, and the reviewing roles
(welfare.view_aid: chair, committee) of the record's unit and the units above it. Nobody else —
not a member of the same unit, not the treasurer (who sees payouts in the ledger) — and to them
the record does not exist (404).

Every read of an application, a hardship file or an attachment goes through these functions.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from members import access

from .models import AidApplication, Attachment, HardshipFile, StudentApplication, StudentPayment, Visit

VIEW = "welfare.view_aid"
REVIEW = "welfare.review_aid"
APPLY = "welfare.apply"
PAY = "finance.change_ledger"

NOT_FOUND = _("没有找到该记录，或您无权查看。")


def own_or_reviewed_q(user: Any, member_field: str = "member", unit_field: str = "org_unit") -> Q:
    """The records about the user themself, or in a unit where they review welfare."""
    q = access.unit_q(user, VIEW, unit_field)
    if getattr(user, "is_authenticated", False):
        q |= Q(**{f"{member_field}__user": user})
    return q


def applications_visible(user: Any) -> QuerySet[AidApplication]:
    """…and the paying unit's treasurer, once an application is on 公示 (they pay it)."""
    payer = Q(access.unit_q(user, PAY, "notice_unit"), state__in=("notice", "paid"))
    return AidApplication.objects.filter(own_or_reviewed_q(user) | payer)


def application_get(user: Any, pk: int) -> AidApplication:
    application = (
        applications_visible(user)
        .select_related("member", "org_unit", "hardship_file", "ledger_entry")
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise Http404(NOT_FOUND)
    return application


def files_visible(user: Any) -> QuerySet[HardshipFile]:
    """Hardship files are the reviewers' working records; the household head reads their own."""
    return HardshipFile.objects.filter(own_or_reviewed_q(user))


def file_get(user: Any, pk: int) -> HardshipFile:
    found = files_visible(user).select_related("member", "org_unit").filter(pk=pk).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def visits_visible(user: Any) -> QuerySet[Visit]:
    return Visit.objects.filter(access.unit_q(user, VIEW))


def student_applications_visible(user: Any) -> QuerySet[StudentApplication]:
    """金秋助学: the parent, and the reviewers of the parent's union and of the unions above it
    (the campaign's upper union among them)."""
    payer = Q(access.unit_q(user, PAY, "campaign__org_unit"), state__in=("notice", "paid"))
    return StudentApplication.objects.filter(own_or_reviewed_q(user) | payer)


# Owner model -> "may this user read this owner?"; the campaign module adds its applications.
OwnerCheck = Callable[[Any, Model], bool]
ATTACHMENT_OWNERS: dict[type[Model], OwnerCheck] = {
    AidApplication: lambda user, owner: applications_visible(user).filter(pk=owner.pk).exists(),
    HardshipFile: lambda user, owner: files_visible(user).filter(pk=owner.pk).exists(),
    StudentApplication: lambda user, owner: student_applications_visible(user).filter(pk=owner.pk).exists(),
    StudentPayment: lambda user, owner: student_applications_visible(user).filter(pk=owner.application_id).exists(),
}


def register_attachment_owner(model: type[Model], check: OwnerCheck) -> None:
    ATTACHMENT_OWNERS[model] = check


def attachment_get(user: Any, pk: int) -> Attachment:
    """An attachment whose owner the user may read, else 404 (whether it exists or not)."""
    attachment = Attachment.objects.select_related("owner_type").filter(pk=pk).first()
    if attachment is None:
        raise Http404(NOT_FOUND)
    model = attachment.owner_type.model_class()
    check = ATTACHMENT_OWNERS.get(model)
    owner = model._default_manager.filter(pk=attachment.owner_id).first() if model else None
    if check is None or owner is None or not check(user, owner):
        raise Http404(NOT_FOUND)
    return attachment
