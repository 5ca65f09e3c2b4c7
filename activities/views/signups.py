"""Signing up and cancelling from the event page (htmx), and the organiser's check-in screens."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from members.models import Member
from union_office.xlsx import xlsx_response

from .. import selectors, services
from ..exports import signup_workbook
from ..models import SignUp, SignUpStatus
from .events import _detail_context


def _answer(request: HttpRequest, event_id: int, error: ValidationError | None = None) -> HttpResponse:
    """htmx: the refreshed sign-up panel (with the error in it); without JavaScript: back to the page."""
    if not request.htmx:
        if error is not None:
            for message in error.messages:
                messages.error(request, message)
        return redirect("activities:event_detail", pk=event_id)
    event = selectors.event_get(request.user, event_id)
    context = _detail_context(request, event) | {"errors": error.messages if error else []}
    return render(request, "activities/event_detail.html#signup_panel", context)


@require_POST
def signup(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get(request.user, pk)
    try:
        services.signup_create(actor=request.user, event_id=event.pk)
    except ValidationError as exc:
        return _answer(request, event.pk, exc)
    return _answer(request, event.pk)


@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get(request.user, pk)
    mine = selectors.my_signup(request.user, event)
    if mine is None:
        return _answer(request, event.pk, ValidationError("您没有报名本活动。"))
    try:
        services.signup_cancel(actor=request.user, signup_id=mine.pk)
    except ValidationError as exc:
        return _answer(request, event.pk, exc)
    return _answer(request, event.pk)


@require_POST
def item_toggle(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Enter a 比赛项目, or withdraw from it when already entered."""
    event = selectors.event_get(request.user, pk)
    mine = selectors.my_signup(request.user, event)
    if mine is None:
        return _answer(request, event.pk, ValidationError("请先报名本活动，再选比赛项目。"))
    entered = mine.entries.filter(sub_event_id=item_pk).exists()
    action = services.item_withdraw if entered else services.item_enter
    try:
        action(actor=request.user, signup_id=mine.pk, sub_event_id=item_pk)
    except ValidationError as exc:
        return _answer(request, event.pk, exc)
    except SignUp.DoesNotExist:
        pass
    return _answer(request, event.pk)


@require_GET
@never_cache  # the participants by name and unit: personal data
def check_in_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser's phone screen on the day: a big button per person, a search box."""
    event = selectors.event_for_manager(request.user, pk)
    rows = selectors.roster(event).exclude(status=SignUpStatus.WAITLISTED)
    return render(request, "activities/check_in.html", {"event": event, "rows": rows})


@require_POST
def check_in(request: HttpRequest, pk: int, signup_pk: int) -> HttpResponse:
    event = selectors.event_for_manager(request.user, pk)
    row = get_object_or_404(SignUp.objects.select_related("member__org_unit"), pk=signup_pk, event=event)
    error = None
    try:
        row = services.check_in(actor=request.user, signup_id=row.pk, undo=request.POST.get("undo") == "1")
    except ValidationError as exc:
        error = exc.messages[0]
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("activities:check_in_page", pk=pk)
    row = SignUp.objects.select_related("member__org_unit", "member__department").get(pk=row.pk)
    return render(request, "activities/check_in.html#row", {"event": event, "row": row, "error": error})


@require_GET
@never_cache  # the participants by name and unit: personal data
def roster_print(request: HttpRequest, pk: int) -> HttpResponse:
    """签到表 to print: one line per person with a column to sign in, then the waitlist."""
    event = selectors.event_for_manager(request.user, pk)
    rows = list(selectors.roster(event))
    context = {
        "event": event,
        "placed": [r for r in rows if r.status != SignUpStatus.WAITLISTED],
        "waiting": [r for r in rows if r.status == SignUpStatus.WAITLISTED],
    }
    return render(request, "activities/roster_print.html", context)


@require_POST
def signup_for(request: HttpRequest, pk: int) -> HttpResponse:
    """代为报名: the organiser signs up a member by name or 会员编号 (retirees, members without a login)."""
    event = selectors.event_for_manager(request.user, pk)
    who = request.POST.get("who", "").strip()
    candidates = (
        list(
            Member.objects.filter(org_unit__path__startswith=event.org_unit.path).filter(
                Q(name=who) | Q(member_no=who)
            )[:2]
        )
        if who
        else []
    )
    if not candidates:
        messages.error(
            request,
            _("在“%(unit)s”没有找到姓名或会员编号为“%(who)s”的会员。") % {"unit": event.org_unit.name, "who": who},
        )
    elif len(candidates) > 1:
        messages.error(request, _("有不止一位会员叫“%(who)s”，请输入会员编号。") % {"who": who})
    else:
        try:
            signup = services.signup_create(actor=request.user, event_id=event.pk, member=candidates[0])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, f"{candidates[0].name}：{message}")
        else:
            messages.success(
                request,
                _("已为%(name)s报名（%(status)s）。")
                % {"name": candidates[0].name, "status": signup.get_status_display()},
            )
    return redirect("activities:event_detail", pk=pk)


@require_GET
def roster_export(request: HttpRequest, pk: int) -> HttpResponse:
    """报名名单.xlsx: everyone signed up, checked in or waiting, with phone numbers (organisers only)."""
    event = selectors.event_for_manager(request.user, pk)
    return xlsx_response(signup_workbook(event), f"{event.title}报名名单.xlsx")
