"""Recurring schedules: the list, one schedule with its next dates, creating one, skipping a date."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import access

from .. import selectors, services
from ..forms import ScheduleForm, SkipForm
from ..occurrences import audience_members
from ..recurrence import describe, occurrences
from ..sources import source_link
from .common import form_errors_from, manage_units, require_organiser, require_reader


@require_GET
def schedule_list(request: HttpRequest) -> HttpResponse:
    require_reader(request.user)
    schedules = list(selectors.visible_schedules(request.user))
    rows = [(s, describe(s)) for s in schedules]
    context = {"rows": rows, "may_manage": access.has_anywhere(request.user, selectors.MANAGE), "tab": "schedules"}
    return render(request, "activities/schedule_list.html", context)


NEXT_DATES = 12


def _next_dates(schedule, today: dt.date) -> dict:
    """The next dates: the stored occurrences (with their state and page), then, past the
    materialised horizon, the dates the rule gives, so the page always looks a season ahead."""
    stored = list(schedule.occurrences.filter(date__gte=today).order_by("date")[:NEXT_DATES])
    after = stored[-1].date + dt.timedelta(days=1) if stored else today
    later = occurrences(schedule, after, after + dt.timedelta(days=120))[: NEXT_DATES - len(stored)]
    return {"next": stored, "later": later}


@require_GET
def schedule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = selectors.schedule_get(request.user, pk)
    today = timezone.localdate()
    skipped = list(schedule.exceptions.filter(date__gte=today).order_by("date"))
    context = {
        "schedule": schedule,
        "rule": describe(schedule),
        **_next_dates(schedule, today),
        "audience_size": audience_members(schedule).count(),
        "source": source_link(request.user, schedule),
        "skipped": skipped,
        "may_manage": access.can(request.user, selectors.MANAGE, schedule.org_unit),
        "skip_form": SkipForm(),
        "tab": "schedules",
    }
    return render(request, "activities/schedule_detail.html", context)


@require_http_methods(["GET", "POST"])
def schedule_create(request: HttpRequest) -> HttpResponse:
    require_organiser(request.user)
    form = ScheduleForm(request.POST or None, units=manage_units(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            schedule = services.schedule_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("周期性活动“%(title)s”已创建。") % {"title": schedule.title})
            return redirect("activities:schedule_detail", pk=schedule.pk)
    return render(request, "activities/schedule_form.html", {"form": form, "tab": "schedules"})


@require_POST
def schedule_skip(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = selectors.schedule_get(request.user, pk)
    access.require(request.user, selectors.MANAGE, schedule.org_unit)
    form = SkipForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择日期。"))
        return redirect("activities:schedule_detail", pk=pk)
    try:
        if request.POST.get("restore") == "1":
            services.schedule_unskip(actor=request.user, schedule_id=schedule.pk, date=form.cleaned_data["date"])
        else:
            services.schedule_skip(actor=request.user, schedule_id=schedule.pk, **form.cleaned_data)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("activities:schedule_detail", pk=pk)
