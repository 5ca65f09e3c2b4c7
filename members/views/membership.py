"""Membership changes: new members, 入会 applications, change requests and the approval inbox."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import access, membership, selectors, services
from members.membership.forms import ChangeRequestForm, JoinApplyForm, MemberCreateForm, TransferInForm
from members.models import OPEN_CHANGE_STATES, Member, MembershipChange

PAGE_SIZE = 50


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: field errors where the form has the field."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _require_roster_keeper(user: Any) -> None:
    if not access.has_anywhere(user, membership.PERM):
        raise PermissionDenied(_("您的角色没有维护会员花名册的权限。"))


@require_http_methods(["GET", "POST"])
@never_cache  # personal data
def member_create(request: HttpRequest) -> HttpResponse:
    _require_roster_keeper(request.user)
    form = MemberCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            member = membership.member_create(
                actor=request.user, data={name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS}
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已新增会员“%(name)s”。") % {"name": member.name})
            return redirect("members:member_detail", pk=member.pk)
    return render(request, "members/membership/member_create.html", {"form": form})


@require_http_methods(["GET", "POST"])
@never_cache
def transfer_in(request: HttpRequest) -> HttpResponse:
    _require_roster_keeper(request.user)
    form = TransferInForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change = membership.membership_transfer_in(
                actor=request.user,
                data=form.member_data(),
                to_unit=data["to_unit"],
                external_unit=data["external_unit"],
                effective_on=data["effective_on"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("已提交“%(name)s”的转入申请，待“%(unit)s”审批。")
                % {"name": change.member.name, "unit": change.to_unit},
            )
            return redirect("members:change_inbox")
    return render(request, "members/membership/transfer_in.html", {"form": form})


@require_http_methods(["GET", "POST"])
@never_cache
def join_apply(request: HttpRequest) -> HttpResponse:
    own = Member.objects.filter(user=request.user).first()
    if own is not None:
        messages.info(request, _("您的账号已关联会员档案，无需再申请入会。"))
        return redirect("members:member_detail", pk=own.pk)
    form = JoinApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change = membership.membership_apply_to_join(
                actor=request.user, data=form.member_data(), reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("入会申请已提交，待“%(unit)s”审批。") % {"unit": change.to_unit})
            return redirect("members:member_detail", pk=change.member_id)
    return render(request, "members/membership/join_apply.html", {"form": form})


@require_http_methods(["GET", "POST"])
@never_cache
def change_new(request: HttpRequest, member_pk: int) -> HttpResponse:
    member = selectors.member_get(request.user, member_pk)
    transition = membership.TRANSITIONS.get(request.GET.get("kind", ""))
    if transition is None:
        raise Http404(_("未知的会籍变动类型。"))
    if not membership.may_request(request.user, member, transition.kind):
        raise PermissionDenied(
            _("您没有为“%(name)s”申请%(kind)s的权限。") % {"name": member.name, "kind": transition.label}
        )
    pending = MembershipChange.objects.filter(member=member, state__in=OPEN_CHANGE_STATES).first()
    blocker = membership.status_blocker(member, transition.kind) or (
        membership.pending_message(pending) if pending else None
    )
    if blocker:
        messages.error(request, blocker)
        return redirect("members:member_detail", pk=member.pk)
    form = ChangeRequestForm(request.POST or None, transition=transition, member=member, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership.membership_request(
                actor=request.user,
                member=member,
                kind=transition.kind,
                effective_on=data["effective_on"],
                reason=data["reason"],
                to_unit=data.get("to_unit"),
                external_unit=data.get("external_unit", ""),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已提交%(kind)s申请，待审批。") % {"kind": transition.label})
            return redirect("members:member_detail", pk=member.pk)
    context = {"form": form, "member": member, "transition": transition}
    return render(request, "members/membership/change_form.html", context)


@require_GET
@never_cache
def change_inbox(request: HttpRequest) -> HttpResponse:
    _require_roster_keeper(request.user)
    changes = membership.approvable_changes(request.user)
    counts = {row["kind"]: row["n"] for row in changes.order_by().values("kind").annotate(n=Count("pk"))}
    page = Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page"))
    # Approved but dated ahead (待生效): still this approver's to call off until the date comes.
    scheduled = list(membership.scheduled_changes(request.user)[: PAGE_SIZE + 1])
    context = {
        "page": page,
        "rows": [_row(request, change) for change in page],
        "counts": [(t, counts[kind]) for kind, t in membership.TRANSITIONS.items() if counts.get(kind)],
        "total": sum(counts.values()),
        "scheduled_rows": [_row(request, change) for change in scheduled[:PAGE_SIZE]],
        "scheduled_more": len(scheduled) > PAGE_SIZE,
        "page_size": PAGE_SIZE,
    }
    return render(request, "members/membership/inbox.html", context)


def _row(request: HttpRequest, change: MembershipChange, **extra: Any) -> dict[str, Any]:
    """What one inbox row shows; computed from the loaded row and the user's cached grants."""
    return {
        "change": change,
        "can_view_member": access.can(request.user, "members.view_member", change.member.org_unit),
        "can_decide": membership.may_approve(request.user, change),
        "can_cancel": membership.may_cancel(request.user, change),
        **extra,
    }


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return reverse("members:change_inbox")


def _decide(request: HttpRequest, pk: int, decide: Any, done: str, scheduled: str | None = None) -> HttpResponse:
    """Run one decision service and answer: the updated row for htmx, else a redirect and a message.

    `scheduled`: the message instead of `done` when the change ends 待生效 (approved, dated ahead)."""
    membership.change_get(request.user, pk)  # 404 for anyone who may not see the change
    error = ""
    try:
        decide()
    except ValidationError as exc:
        error = " ".join(exc.messages)
    change = membership.change_get(request.user, pk)
    if scheduled is not None and change.state == MembershipChange.State.SCHEDULED:
        done = scheduled
    notice = (
        ""
        if error
        else done
        % {"name": change.member.name, "kind": change.get_kind_display(), "date": change.effective_on.isoformat()}
    )
    if request.htmx:
        return render(
            request, "members/membership/inbox.html#row", {"row": _row(request, change, error=error, notice=notice)}
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect(_next_url(request))


@require_POST
@never_cache
def change_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        lambda: membership.membership_approve(actor=request.user, change_id=pk, note=request.POST.get("note", "")),
        _("已批准“%(name)s”的%(kind)s。"),
        scheduled=_("已批准“%(name)s”的%(kind)s，将于 %(date)s 生效。"),
    )


@require_POST
@never_cache
def change_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        lambda: membership.membership_reject(actor=request.user, change_id=pk, note=request.POST.get("note", "")),
        _("已驳回“%(name)s”的%(kind)s申请。"),
    )


@require_POST
@never_cache
def change_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Call off an approved change that waits for its date (待生效)."""
    return _decide(
        request,
        pk,
        lambda: membership.membership_cancel(actor=request.user, change_id=pk, note=request.POST.get("note", "")),
        _("已撤销“%(name)s”待生效的%(kind)s。"),
    )


@require_POST
@never_cache
def change_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        lambda: membership.membership_withdraw_request(actor=request.user, change_id=pk),
        _("已撤回“%(name)s”的%(kind)s申请。"),
    )
