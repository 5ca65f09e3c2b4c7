"""The union calendar: a month in the browser, and a personal iCalendar feed behind a secret URL."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from union_office.integers import parse_int

from .. import ics
from ..calendar import below_counts, calendar_unit, items_for, month_grid, month_range, schedule_series
from ..models import CalendarFeed, new_feed_token
from ..recurrence import WEEKDAY_SHORT
from .common import require_reader

# The feed covers a little of the past and a year ahead: enough for any calendar app, and bounded.
FEED_PAST = dt.timedelta(days=60)
FEED_AHEAD = dt.timedelta(days=400)


@require_GET
def month(request: HttpRequest) -> HttpResponse:
    require_reader(request.user)
    today = timezone.localdate()
    # A month outside the calendar shows this month, as a malformed one always did.
    year = parse_int(request.GET.get("year", today.year), minimum=1900, maximum=2200)
    month_no = parse_int(request.GET.get("month", today.month), minimum=1, maximum=12)
    if year is None or month_no is None:
        year, month_no = today.year, today.month
    first = dt.date(year, month_no, 1)
    start, end = month_range(first.year, first.month)
    # A county sees its own activities and, per day, how many its unions hold (docs/activities.md).
    unit = calendar_unit(request.user, parse_int(request.GET.get("unit", "")))
    items = items_for(request.user, start, end, unit=unit)
    below = below_counts(request.user, unit, start, end) if unit is not None else {}
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    context = {
        "first": first,
        "weeks": month_grid(first.year, first.month, items, below),
        "unit": unit,
        "below_total": sum(count for day, count in below.items() if day.month == first.month),
        "child_units": unit.children.order_by("name") if unit is not None else [],
        "today": today,
        "previous": previous,
        "following": following,
        "upcoming": [i for i in items if i.day >= today and i.day.month == first.month][:8],
        "weekdays": WEEKDAY_SHORT,
        "tab": "calendar",
    }
    return render(request, "activities/calendar.html", context)


@require_GET
def feed_settings(request: HttpRequest) -> HttpResponse:
    require_reader(request.user)
    feed = CalendarFeed.objects.filter(user=request.user).first()
    url = request.build_absolute_uri(reverse("activities:ics_feed", args=[feed.token])) if feed else ""
    return render(request, "activities/feed.html", {"feed": feed, "url": url, "tab": "calendar"})


@require_POST
def feed_renew(request: HttpRequest) -> HttpResponse:
    """Create the subscription URL, or replace it: the old URL stops working at once."""
    require_reader(request.user)
    feed, created = CalendarFeed.objects.get_or_create(user=request.user)
    if not created:
        feed.token = new_feed_token()
        feed.save(update_fields=["token", "created_at"])
        messages.success(request, _("已生成新的订阅地址，旧地址已失效。"))
    return redirect("activities:feed_settings")


@require_POST
def feed_revoke(request: HttpRequest) -> HttpResponse:
    require_reader(request.user)
    CalendarFeed.objects.filter(user=request.user).delete()
    messages.success(request, _("订阅地址已停用。"))
    return redirect("activities:feed_settings")


@login_not_required
@require_GET
def ics_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The calendar app's request carries no session: the token in the URL is the credential."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    today = timezone.localdate()
    # A recurring activity is one series (RRULE, EXDATE, RECURRENCE-ID), not hundreds of events.
    items = [i for i in items_for(feed.user, today - FEED_PAST, today + FEED_AHEAD) if i.category != "occurrence"]
    body = ics.render(
        items,
        series=schedule_series(feed.user),
        name=_("工会日历"),
        host=request.get_host().split(":")[0],
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="union-calendar.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
