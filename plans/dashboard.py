"""The 工作台 card of the plans app: this year's plans of my units, my items, plans awaiting approval."""

import datetime
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members import access

from . import workflow
from .models import Item, ItemStatus, Plan, PlanStatus
from .selectors import CLOSED, Completion

MAX_PLANS = 5
MAX_ITEMS = 5


def _month_bounds(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = today.replace(day=1)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, following


def _my_unit_paths(user: Any) -> list[str]:
    """The units the user belongs to or holds a role at, and the units above them (the plans they follow)."""
    paths = {grant.path for grant in access.grants_for(user)}
    return sorted(paths | {above for path in paths for above in access.ancestor_paths(path)})


def current_plans(user: Any, today: datetime.date) -> list[Plan]:
    """This year's approved or running plan of each of my units (newest version), with item counts."""
    paths = _my_unit_paths(user)
    if not paths:
        return []
    start, following = _month_bounds(today)
    not_closed = ~Q(sections__items__status__in=CLOSED)
    plans = (
        access.visible(
            user,
            "plans.view_plan",
            Plan.objects.filter(
                year=today.year, status__in=workflow.TRACKABLE_STATUSES, org_unit__path__in=paths
            ).select_related("org_unit"),
        )
        .annotate(
            items_total=Count("sections__items", filter=~Q(sections__items__status=ItemStatus.CANCELLED)),
            items_done=Count("sections__items", filter=Q(sections__items__status=ItemStatus.DONE)),
            items_overdue=Count("sections__items", filter=not_closed & Q(sections__items__deadline_due__lt=today)),
            items_this_month=Count(
                "sections__items",
                filter=not_closed
                & Q(sections__items__deadline_due__gte=max(start, today), sections__items__deadline_due__lt=following),
            ),
        )
        .order_by("-org_unit__depth", "org_unit__path", "-version")
    )
    latest: dict[int, Plan] = {}
    for plan in plans:
        latest.setdefault(plan.org_unit_id, plan)
    result = list(latest.values())[:MAX_PLANS]
    for plan in result:
        plan.completion = Completion(plan.items_done, plan.items_total)
    return result


def my_items(user: Any, today: datetime.date) -> list[Item]:
    """Open items I am 责任人 for, in running plans, due by the end of this month (overdue first)."""
    _start, following = _month_bounds(today)
    return list(
        Item.objects.filter(
            owner__user=user,
            section__plan__status__in=workflow.TRACKABLE_STATUSES,
            deadline_due__lt=following,
        )
        .exclude(status__in=CLOSED)
        .select_related("section__plan")
        .order_by("deadline_due", "pk")[:MAX_ITEMS]
    )


def plans_awaiting_approval(user: Any) -> list[Plan]:
    if not access.has_anywhere(user, "plans.approve_plan"):
        return []
    pending = Plan.objects.filter(status=PlanStatus.REVIEW).select_related("org_unit").order_by("submitted_at")
    return list(access.visible(user, "plans.approve_plan", pending)[:MAX_PLANS])


def plans_card(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    if not access.has_anywhere(user, "plans.view_plan"):
        return None
    today = timezone.localdate()
    context = {
        "today": today,
        "plans": current_plans(user, today),
        "my_items": my_items(user, today),
        "awaiting": plans_awaiting_approval(user),
    }
    if not (context["plans"] or context["my_items"] or context["awaiting"]):
        return None
    return context


def register() -> None:
    from union_office.registry import DashboardCard, register_audit_actions, register_card

    register_audit_actions(
        {
            "plan.submit": _("提交工作计划审议"),
            "plan.send_back": _("退回工作计划"),
            "plan.approve": _("批准工作计划"),
            "plan.start": _("工作计划开始执行"),
            "plan.archive": _("归档工作计划"),
            "plan.new_version": _("新建工作计划版本"),
            "plan.item_progress": _("更新计划条目进展"),
        }
    )
    register_card(DashboardCard("plans", "plans/dashboard_card.html", 20, plans_card))
