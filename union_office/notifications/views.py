"""The inbox (站内消息) and the 待提醒 page. Every view shows the current user's own rows only."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .kinds import REMINDER_KINDS, kind_label

PAGE_SIZE = 20


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    page = Paginator(selectors.inbox_for(request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for notification in page.object_list:
        notification.kind_label = kind_label(notification.kind)
    return render(
        request,
        "union_office/notifications/inbox.html",
        {"page": page, "unread_only": unread_only, "unread": selectors.unread_count(request.user)},
    )


@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    """The navbar's unread count, loaded by htmx so that no page pays a query for it.

    Rendered without the request context: the navigation's context processor (two queries)
    has nothing to add to a badge polled every minute by every open tab."""
    html = render_to_string("union_office/notifications/badge.html", {"unread": selectors.unread_count(request.user)})
    return HttpResponse(html)


@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the message read and go where it points (only ever inside this site)."""
    notification = selectors.notification_for(request.user, pk)
    services.notification_mark_read(user=request.user, notification=notification)
    url = notification.url
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False):
        return redirect(url)
    return redirect("notifications:inbox")


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = selectors.notification_for(request.user, pk)
    services.notification_mark_read(user=request.user, notification=notification)
    if request.htmx:
        notification.kind_label = kind_label(notification.kind)
        response = render(
            request, "union_office/notifications/inbox.html#notification-row", {"notification": notification}
        )
        response["HX-Trigger"] = "notifications-changed"
        return response
    return redirect("notifications:inbox")


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("已将 %(count)s 条消息标为已读。") % {"count": count})
    return redirect("notifications:inbox")


@require_GET
def upcoming(request: HttpRequest) -> HttpResponse:
    """What the user will be reminded of, and the kinds they have switched off."""
    page = Paginator(selectors.upcoming_reminders_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    settings_by_kind = {s.kind.key: s for s in selectors.kind_settings_for(request.user)}
    for reminder in page.object_list:
        reminder.kind_label = kind_label(reminder.kind)
        setting = settings_by_kind.get(reminder.kind)
        reminder.muted = bool(setting and setting.muted)
    return render(
        request,
        "union_office/notifications/upcoming.html",
        {"page": page, "kind_settings": list(settings_by_kind.values())},
    )


@require_POST
def mute(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    muted = request.POST.get("muted") == "1"
    if kind not in REMINDER_KINDS or not REMINDER_KINDS[kind].mutable:
        messages.error(request, _("没有这种提醒类型，或它不能关闭。"))
        return redirect("notifications:upcoming")
    services.notification_mute_set(user=request.user, kind=kind, muted=muted)
    label = kind_label(kind)
    if muted:
        messages.success(request, _("已关闭“%(kind)s”：此类提醒不再发给您。") % {"kind": label})
    else:
        messages.success(request, _("已恢复“%(kind)s”。") % {"kind": label})
    return redirect("notifications:upcoming")
