"""One occurrence of a recurring activity: its page, sign-up, the QR check-in, the 负责人's list
and the attendance export."""

import datetime as dt

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import access
from members.models import Member
from union_office.xlsx import xlsx_response

from .. import selectors
from ..exports import attendance_workbook
from ..occurrences import audience_refusal
from ..services.common import own_member
from ..services.occurrences import (
    check_in_window_refusal,
    occurrence_check_in,
    occurrence_signup,
    occurrence_signup_cancel,
)


def _may_run(user, occurrence) -> bool:
    """The 负责人 and the host's organisers run the check-in list."""
    schedule = occurrence.schedule
    if schedule.responsible_id and schedule.responsible.user_id == user.pk:
        return True
    return access.can(user, selectors.MANAGE, schedule.org_unit)


def _check_in_url(request: HttpRequest, occurrence) -> str:
    return request.build_absolute_uri(
        reverse("activities:occurrence_check_in", args=[occurrence.pk, occurrence.checkin_token])
    )


@require_GET
@never_cache
def occurrence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(request.user, pk)
    member = own_member(request.user)
    mine = selectors.my_attendance(occurrence, member)
    context = {
        "occurrence": occurrence,
        "schedule": occurrence.schedule,
        "mine": mine,
        "refusal": audience_refusal(occurrence.schedule, member),
        "may_run": _may_run(request.user, occurrence),
        "tab": "schedules",
    }
    if context["may_run"]:
        url = _check_in_url(request, occurrence)
        context |= {
            "rows": selectors.attendance_list(occurrence),
            "check_in_url": url,
            "qr_svg": segno.make(url, error="m").svg_inline(scale=6, svgclass="uo-qr", light="#fff"),
        }
    return render(request, "activities/occurrence_detail.html", context)


@require_POST
def occurrence_signup_view(request: HttpRequest, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(request.user, pk)
    act = occurrence_signup_cancel if request.POST.get("cancel") == "1" else occurrence_signup
    try:
        attendance = act(actor=request.user, occurrence_id=occurrence.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已%(status)s。") % {"status": attendance.get_status_display()})
    return redirect("activities:occurrence_detail", pk=pk)


@require_http_methods(["GET", "POST"])
@never_cache
def occurrence_check_in_view(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The page the venue's QR code opens: one tap to check in."""
    occurrence = selectors.occurrence_get(request.user, pk)
    if token != occurrence.checkin_token:
        raise Http404
    member = own_member(request.user)
    done = selectors.my_attendance(occurrence, member)
    errors: list[str] = []
    if request.method == "POST":
        try:
            done = occurrence_check_in(actor=request.user, occurrence_id=occurrence.pk, token=token)
        except ValidationError as exc:
            errors = list(exc.messages)
    refusal = check_in_window_refusal(occurrence, timezone.now()) or audience_refusal(occurrence.schedule, member)
    context = {"occurrence": occurrence, "done": done, "errors": errors, "refusal": refusal, "tab": "schedules"}
    return render(request, "activities/occurrence_check_in.html", context)


@require_POST
def occurrence_tick(request: HttpRequest, pk: int) -> HttpResponse:
    """The 负责人 checks a member in from the list on their phone."""
    occurrence = selectors.occurrence_get(request.user, pk)
    if not _may_run(request.user, occurrence):
        raise PermissionDenied
    raw = request.POST.get("member", "")
    member = Member.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if member is None:
        messages.error(request, _("请从名单中选择要签到的会员。"))
        return redirect("activities:occurrence_detail", pk=pk)
    try:
        occurrence_check_in(actor=request.user, occurrence_id=occurrence.pk, member=member)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("activities:occurrence_detail", pk=pk)


@require_GET
def attendance_export(request: HttpRequest, pk: int) -> HttpResponse:
    """出勤统计 of one recurring activity over a year (?year=2026), for 考核."""
    schedule = selectors.schedule_get(request.user, pk)
    is_lead = schedule.responsible_id and schedule.responsible.user_id == request.user.pk
    if not (is_lead or access.can(request.user, selectors.MANAGE, schedule.org_unit)):
        raise PermissionDenied
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
        dt.date(year, 1, 1)
    except ValueError:
        messages.error(request, _("年份不正确。"))
        return redirect("activities:schedule_detail", pk=pk)
    return xlsx_response(attendance_workbook(schedule, year), f"{schedule.title}-{year}-出勤统计.xlsx")
