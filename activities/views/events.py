"""Events: the list, one event with its sign-up panel, the organiser's form and workflow buttons."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from finance.services import bookkeeping_unit
from members import access
from union_office.workflow import buttons

from .. import selectors, services
from ..forms import CancelForm, EventForm, ExpenseForm, ResultForm, SubEventForm
from ..models import Event, EventKind, EventStatus, SignUpStatus, SubEventEntry
from ..services.money import expense_total, policy_findings
from ..sources import source_link
from .common import form_errors_from, manage_units, require_organiser, require_reader

PAGE_SIZE = 30


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """Events the user may see: upcoming first, filtered by status, kind and words in the title."""
    require_reader(request.user)
    events = selectors.events_list(request.user)
    status, kind, query = request.GET.get("status", ""), request.GET.get("kind", ""), request.GET.get("q", "").strip()
    if status in EventStatus.values:
        events = events.filter(status=status)
    if kind in EventKind.values:
        events = events.filter(kind=kind)
    if query:
        events = events.filter(Q(title__icontains=query) | Q(place__icontains=query))
    when = request.GET.get("when", "upcoming")
    now = timezone.now()
    if when == "past":
        events = events.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    else:
        when = "upcoming"
        events = events.filter(ends_at__gte=now).order_by("starts_at", "pk")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    mine = dict(
        selectors.SignUp.objects.filter(member__user=request.user, event__in=[e.pk for e in page]).values_list(
            "event_id", "status"
        )
    )
    for event in page:
        event.my_status = mine.get(event.pk)
    context = {
        "page": page,
        "statuses": EventStatus.choices,
        "kinds": EventKind.choices,
        "current": {"status": status, "kind": kind, "q": query, "when": when},
        "may_manage": access.has_anywhere(request.user, selectors.MANAGE),
        "tab": "events",
    }
    return render(request, "activities/event_list.html", context)


def _detail_context(request: HttpRequest, event: Event) -> dict[str, Any]:
    user = request.user
    may_manage = access.can(user, selectors.MANAGE, event.org_unit)
    books = bookkeeping_unit(event.org_unit)
    may_book = access.can(user, "finance.change_ledger", books)
    signup = selectors.my_signup(user, event)
    member = services.common.own_member(user)
    context: dict[str, Any] = {
        "event": event,
        "signup": signup,
        "position": selectors.waitlist_position(signup) if signup and signup.status == "waitlisted" else None,
        "refusal": services.ineligibility_reason(event, member) if member else _("您的账号没有关联会员信息。"),
        "window_refusal": services.signups.window_refusal(event),
        "items": selectors.items_of(event, signup)
        if event.kind == EventKind.SPORTS_DAY or event.items.exists()
        else [],
        "may_manage": may_manage,
        "may_book": may_book,
        "transitions": buttons(services.events.EVENT, user, event) if may_manage else [],
        "cancel_form": CancelForm(),
        "item_form": SubEventForm(),
        "tab": "events",
        "source_link": source_link(user, event),
    }
    if may_manage or may_book:
        context["expenses"] = list(event.expenses.select_related("entry__reversed_by", "booked_by"))
        context["spent"] = expense_total(event)
        context["findings"] = policy_findings(event)
        context["books"] = books
    if may_book:
        context["expense_form"] = ExpenseForm()
    return context


@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get(request.user, pk)
    return render(request, "activities/event_detail.html", _detail_context(request, event))


def _event_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {name: data[name] for name in services.events.EDITABLE_FIELDS if name in data}
    values["budget"] = values.get("budget") or 0
    return values


@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest) -> HttpResponse:
    require_organiser(request.user)
    units = manage_units(request.user)
    form = EventForm(request.POST or None, units=units, initial={"eligibility": "all"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = services.event_create(
                actor=request.user,
                org_unit=data["org_unit"],
                eligible_units=data.get("eligible_units") or [],
                **_event_values(data),
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            for warning in event.policy_warnings:
                messages.warning(request, warning)
            messages.success(request, _("活动“%(title)s”已创建。") % {"title": event.title})
            return redirect("activities:event_detail", pk=event.pk)
    return render(request, "activities/event_form.html", {"form": form, "tab": "events"})


@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_for_manager(request.user, pk)
    units = access.units(request.user, selectors.MANAGE).filter(path__startswith=event.org_unit.path)
    form = EventForm(request.POST or None, instance=event, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = services.event_update(
                actor=request.user,
                event_id=event.pk,
                eligible_units=data.get("eligible_units") or [],
                **_event_values(data),
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            for warning in event.policy_warnings:
                messages.warning(request, warning)
            messages.success(request, _("已保存。"))
            return redirect("activities:event_detail", pk=event.pk)
    return render(request, "activities/event_form.html", {"form": form, "event": event, "tab": "events"})


@require_POST
def event_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    event = selectors.event_for_manager(request.user, pk)
    form = CancelForm(request.POST)
    form.is_valid()
    try:
        event = services.event_transition(
            actor=request.user, event_id=event.pk, action=action, reason=form.cleaned_data.get("reason", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, event.done_message)
    return redirect("activities:event_detail", pk=pk)


@require_POST
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_for_manager(request.user, pk)
    form = SubEventForm(request.POST)
    if form.is_valid():
        try:
            services.sub_event_add(actor=request.user, event_id=event.pk, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    else:
        messages.error(request, _("请填写项目名称；名额须为正整数或留空。"))
    return redirect("activities:event_detail", pk=pk)


@require_http_methods(["GET", "POST"])
def results(request: HttpRequest, pk: int) -> HttpResponse:
    """成绩与名次 of a sports day: everyone reads the rankings, the organiser records them."""
    event = selectors.event_get(request.user, pk)
    may_manage = access.can(request.user, selectors.MANAGE, event.org_unit)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied(_("只有活动的组织者可以登记成绩。"))
        entry_id = request.POST.get("entry", "")
        entries = SubEventEntry.objects.filter(sub_event__event=event)
        # Not a number: no entry (filter() would raise ValueError, a 500).
        entry = entries.filter(pk=entry_id).first() if entry_id.isdecimal() else None
        form = ResultForm(request.POST)
        if entry is None or not form.is_valid():
            messages.error(request, _("名次须为正整数。"))
        else:
            try:
                services.result_record(actor=request.user, entry_id=entry.pk, **form.cleaned_data)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
        return redirect("activities:results", pk=pk)
    context = {"event": event, "items": selectors.rankings(event), "may_manage": may_manage, "tab": "events"}
    return render(request, "activities/results.html", context)


@require_POST
def expense_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The treasurer pays a bill of the event from union funds (one voucher on the event's line)."""
    event = selectors.event_get(request.user, pk)
    access.require(request.user, "finance.change_ledger", bookkeeping_unit(event.org_unit))
    form = ExpenseForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("activities:event_detail", pk=pk)
    try:
        expense = services.expense_book(actor=request.user, event_id=event.pk, **form.cleaned_data)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("已记账：凭证 %(voucher)s，%(amount)s 元。")
            % {"voucher": expense.entry.voucher_label, "amount": expense.amount},
        )
        for warning in expense.warnings:
            messages.warning(request, warning)
    return redirect("activities:event_detail", pk=pk)


SIGNUP_STATUS_ORDER = [SignUpStatus.SIGNED_UP, SignUpStatus.CHECKED_IN, SignUpStatus.WAITLISTED]
