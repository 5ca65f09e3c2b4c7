"""Plan deadlines on the union calendar (issue 6, item 9): a source registered with
`activities.calendar.register_source` in PlansConfig.ready().

An item of an approved or running plan the user may read shows on the day each of its periods ends
(plans/deadlines.py: "4月;10月" on 4/30 and 10/31, "每月" at every month's end). Weekly 时限
("每周") are left off, as they are for reminders: 52 marks a year say nothing. Cancelled items are
left off; done ones stay, marked done. One query whatever the number of plans and items.
"""

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from activities.calendar import CalendarItem
from members import access

from . import workflow
from .deadlines import parse_deadline
from .models import Item, ItemStatus, Plan
from .reminders import frequent

VIEW = "plans.view_plan"


def deadline_items(user: Any, start: dt.date, end: dt.date) -> list[CalendarItem]:
    plans = access.visible(
        user,
        VIEW,
        # A 时限 may name the next year ("次年1月"), so last year's plan can have dates in this range.
        Plan.objects.filter(status__in=workflow.TRACKABLE_STATUSES, year__gte=start.year - 1, year__lte=end.year),
    )
    items = (
        Item.objects.filter(section__plan__in=plans, deadline_ok=True)
        .exclude(deadline_text="")
        .exclude(status=ItemStatus.CANCELLED)
        .select_related("section__plan__org_unit")
        .order_by("pk")
    )
    entries = []
    for item in items:
        plan = item.section.plan
        deadline = parse_deadline(item.deadline_text, plan.year)
        if frequent(deadline):
            continue
        done = item.status == ItemStatus.DONE
        for period in deadline.periods:
            if not start <= period.end <= end:
                continue
            entries.append(
                CalendarItem(
                    uid=f"plan-item-{item.pk}-{period.end:%Y%m%d}",
                    title=(_("已完成：") if done else _("时限：")) + item.content[:40],
                    starts_at=period.end,
                    url=reverse("plans:follow", args=[plan.pk]) + f"#follow-item-{item.pk}",
                    category="deadline",
                    description=_("%(unit)s · %(plan)s · 时限：%(deadline)s")
                    % {"unit": plan.org_unit.name, "plan": plan.title, "deadline": item.deadline_text},
                    extra={"status": item.get_status_display(), "owner": item.owner_text},
                )
            )
    return entries
