"""会员参加活动统计: for an organiser, each member of a unit in their scope with their sign-ups and
check-ins across events and recurring activities over a period, on a page and as .xlsx."""

import datetime as dt
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from union_office.xlsx import xlsx_response

from .. import selectors
from ..exports import member_attendance_workbook
from ..forms import DATE, bootstrap
from .common import manage_units, require_organiser

PAGE_SIZE = 100


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("起始日期"), widget=DATE)
    end = forms.DateField(label=gettext_lazy("结束日期"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("结束日期不能早于起始日期。"))
        return data


@require_GET
def member_attendance(request: HttpRequest) -> HttpResponse:
    require_organiser(request.user)
    units = list(manage_units(request.user))
    raw = request.GET.get("unit", "")
    if raw:
        # A unit outside the organiser's scope (or no unit at all) is not confirmed to exist.
        unit = next((u for u in units if raw.isdigit() and u.pk == int(raw)), None)
        if unit is None:
            raise Http404
    else:
        unit = units[0]
    today = timezone.localdate()
    form = PeriodForm(
        request.GET if "start" in request.GET else None, initial={"start": dt.date(today.year, 1, 1), "end": today}
    )
    start, end = (
        (form.cleaned_data["start"], form.cleaned_data["end"])
        if form.is_valid()
        else (dt.date(today.year, 1, 1), today)
    )
    if form.is_bound and not form.is_valid():
        page = None
    else:
        if request.GET.get("format") == "xlsx":
            data = member_attendance_workbook(unit, start, end)
            return xlsx_response(data, f"{unit.name}-参加活动统计-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")
        members, row_of = selectors.member_attendance(unit, start, end)
        page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = [row_of(member) for member in page.object_list]
    context = {"form": form, "units": units, "unit": unit, "start": start, "end": end, "page": page, "tab": "schedules"}
    return render(request, "activities/member_attendance.html", context)
