"""The year's figures of a unit, read from the records of every app: what the 年度工作总结 shows.

Each function takes a unit and a year and returns plain, JSON-ready data (money as "1234.50"), so
the summary can keep it in `SummarySection.figures` and a re-draft replaces it whole. Every figure
counts the unit's whole subtree (a 基层工会 counts its 分工会), except the books, which each
bookkeeping unit keeps for itself. A fixed number of queries per function, whatever the year holds.
"""

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from activities.models import (
    HOLDS_PLACE,
    AttendanceStatus,
    Event,
    EventExpense,
    EventStatus,
    Occurrence,
    OccurrenceStatus,
    SignUpStatus,
)
from congress.models import Motion, MotionStatus, Satisfaction
from congress.selectors import RECEIVED_EXCLUDES
from finance.models import Account, Budget
from finance.selectors import budget_rows, totals_by_code, year_bounds
from members.models import Member, MembershipChange, MembershipChangeKind, MembershipChangeState, MemberStatus, OrgUnit
from plans.models import Plan, PlanStatus
from plans.selectors import plan_tree
from welfare.models import AidApplication, AidKind, AidState, StudentApplication, Visit
from welfare.models.campaign import GRANTED_STATES

ZERO = Decimal("0.00")


def money(value: Decimal | None) -> str:
    return str((value or ZERO).quantize(Decimal("0.01")))


def percent(part: int | Decimal, whole: int | Decimal) -> str:
    """A rate as text with one decimal ("87.5"), or "" when there is nothing to divide by."""
    if not whole:
        return ""
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1")))


def _in_subtree(unit: OrgUnit, field: str = "org_unit") -> Q:
    return Q(**{f"{field}__path__startswith": unit.path})


def year_plan(unit: OrgUnit, year: int) -> Plan | None:
    """The plan the year was run by: the newest approved-or-later version, else the newest draft."""
    plans = Plan.objects.filter(org_unit=unit, year=year)
    running = plans.exclude(status__in=[PlanStatus.DRAFT, PlanStatus.REVIEW]).order_by("-version").first()
    return running or plans.order_by("-version").first()


def _section_items(node: Any) -> list[dict[str, Any]]:
    """The items of a section and of its sub-sections, in reading order."""
    items = []
    for item_node in node.items:
        item = item_node.item
        items.append(
            {
                "number": item_node.number,
                "content": item.content.strip(),
                "status": item.get_status_display(),
                "done": item.status == item.Status.DONE,
                "cancelled": item.status == item.Status.CANCELLED,
                "progress": item.progress_note.strip(),
            }
        )
    for child in node.children:
        items.extend(_section_items(child))
    return items


def plan_sections(plan: Plan) -> list[dict[str, Any]]:
    """Per top-level section of the plan: its items with status and progress note (2 queries)."""
    result = []
    for node in plan_tree(plan):
        items = _section_items(node)
        counted = [i for i in items if not i["cancelled"]]
        done = sum(1 for i in counted if i["done"])
        result.append(
            {
                "key": f"plan:{node.section.pk}",
                "title": node.section.title,
                "figures": {
                    "items": items,
                    "item_count": len(counted),
                    "done_count": done,
                    "completion": percent(done, len(counted)),
                },
            }
        )
    return result


def activities_figures(unit: OrgUnit, year: int) -> dict[str, Any]:
    """Events of the year (not cancelled): held, sign-ups, check-ins, attendance rate, spending;
    and beside them the recurring activities (每周五 全员健身): per activity its occurrences of the
    year (not cancelled) and their attendance, which the events' figures do not include."""
    start, end = year_bounds(year)
    events = (
        Event.objects.filter(_in_subtree(unit), starts_at__date__gte=start, starts_at__date__lte=end)
        .exclude(status=EventStatus.CANCELLED)
        .annotate(
            signed=Count("signups", filter=Q(signups__status__in=HOLDS_PLACE), distinct=True),
            attended=Count("signups", filter=Q(signups__status=SignUpStatus.CHECKED_IN), distinct=True),
        )
        .order_by("starts_at", "pk")
    )
    rows = list(events.values("pk", "title", "starts_at", "status", "signed", "attended", "source_key"))
    spent = dict(
        EventExpense.objects.filter(event_id__in=[row["pk"] for row in rows])
        .values("event_id")
        .annotate(total=Coalesce(Sum("amount"), ZERO))
        .values_list("event_id", "total")
    )
    status_labels = dict(EventStatus.choices)
    items = [
        {
            "pk": row["pk"],
            "title": row["title"],
            "date": row["starts_at"].date().isoformat(),
            "status": str(status_labels.get(row["status"], row["status"])),
            "held": row["status"] == EventStatus.FINISHED,
            "planned": row["source_key"].startswith("plans."),
            "signed": row["signed"],
            "attended": row["attended"],
            "attendance": percent(row["attended"], row["signed"]),
            "spent": money(spent.get(row["pk"])),
        }
        for row in rows
    ]
    signed = sum(i["signed"] for i in items)
    attended = sum(i["attended"] for i in items)
    recurring = recurring_figures(unit, year)
    return {
        **recurring,
        "events": items,
        "event_count": len(items),
        "held_count": sum(1 for i in items if i["held"]),
        "signed": signed,
        "attended": attended,
        "attendance": percent(attended, signed),
        "spent": money(sum((Decimal(i["spent"]) for i in items), ZERO)),
    }


ATTENDANCE_HOLDS_PLACE = (AttendanceStatus.SIGNED_UP, AttendanceStatus.CHECKED_IN)


def recurring_figures(unit: OrgUnit, year: int) -> dict[str, Any]:
    """Per recurring activity of the subtree: its occurrences dated in the year (not cancelled),
    sign-ups and check-ins at them (one query)."""
    start, end = year_bounds(year)
    rows = (
        Occurrence.objects.filter(_in_subtree(unit, "schedule__org_unit"), date__gte=start, date__lte=end)
        .exclude(status=OccurrenceStatus.CANCELLED)
        .values("schedule_id", "schedule__title")
        .annotate(
            occurrences=Count("pk", distinct=True),
            signed=Count("attendances", filter=Q(attendances__status__in=ATTENDANCE_HOLDS_PLACE), distinct=True),
            attended=Count("attendances", filter=Q(attendances__status=AttendanceStatus.CHECKED_IN), distinct=True),
        )
        .order_by("schedule__title", "schedule_id")
    )
    items = [
        {
            "pk": row["schedule_id"],
            "title": row["schedule__title"],
            "occurrences": row["occurrences"],
            "signed": row["signed"],
            "attended": row["attended"],
            "attendance": percent(row["attended"], row["signed"]),
        }
        for row in rows
    ]
    signed = sum(i["signed"] for i in items)
    attended = sum(i["attended"] for i in items)
    return {
        "recurring": items,
        "occurrence_count": sum(i["occurrences"] for i in items),
        "occurrence_signed": signed,
        "occurrence_attended": attended,
        "occurrence_attendance": percent(attended, signed),
    }


def welfare_figures(unit: OrgUnit, year: int) -> dict[str, Any]:
    """帮扶 paid in the year by kind, 金秋助学 students granted in the year's campaigns by tier, 慰问."""
    aid = (
        AidApplication.objects.filter(_in_subtree(unit), state=AidState.PAID, paid_at__year=year)
        .values("kind")
        .annotate(count=Count("pk"), amount=Coalesce(Sum("amount_granted"), ZERO))
        .order_by("kind")
    )
    kind_labels = dict(AidKind.choices)
    aid_rows = [
        {"kind": str(kind_labels.get(row["kind"], row["kind"])), "count": row["count"], "amount": money(row["amount"])}
        for row in aid
    ]
    students = (
        StudentApplication.objects.filter(_in_subtree(unit), state__in=GRANTED_STATES, campaign__year=year)
        .values("tier__name", "tier__amount")
        .annotate(count=Count("pk"))
        .order_by("-tier__amount", "tier__name")
    )
    student_rows = [
        {"tier": row["tier__name"], "count": row["count"], "amount": money(row["tier__amount"] * row["count"])}
        for row in students
    ]
    visits = Visit.objects.filter(_in_subtree(unit), visited_on__year=year).aggregate(
        count=Count("pk"), amount=Coalesce(Sum("amount"), ZERO)
    )
    return {
        "aid": aid_rows,
        "aid_count": sum(r["count"] for r in aid_rows),
        "aid_amount": money(sum((Decimal(r["amount"]) for r in aid_rows), ZERO)),
        "students": student_rows,
        "student_count": sum(r["count"] for r in student_rows),
        "student_amount": money(sum((Decimal(r["amount"]) for r in student_rows), ZERO)),
        "visit_count": visits["count"],
        "visit_amount": money(visits["amount"]),
    }


def congress_figures(unit: OrgUnit, year: int) -> dict[str, Any]:
    """Motions of the year's sessions: received, 立案, 办结, and the proposers' satisfaction."""
    counts = (
        Motion.objects.filter(_in_subtree(unit, "session__org_unit"), session__year=year)
        .exclude(status__in=RECEIVED_EXCLUDES)
        .aggregate(
            received=Count("pk"),
            registered=Count("pk", filter=Q(registered_at__isnull=False)),
            closed=Count("pk", filter=Q(status=MotionStatus.CLOSED)),
            satisfied=Count("pk", filter=Q(satisfaction=Satisfaction.SATISFIED)),
            basic=Count("pk", filter=Q(satisfaction=Satisfaction.BASIC)),
            unsatisfied=Count("pk", filter=Q(satisfaction=Satisfaction.UNSATISFIED)),
        )
    )
    rated = counts["satisfied"] + counts["basic"] + counts["unsatisfied"]
    return {**counts, "satisfaction": percent(counts["satisfied"] + counts["basic"], rated)}


def finance_figures(unit: OrgUnit, year: int) -> dict[str, Any]:
    """Income and expense by top-level account against the approved budget, with 完成率."""
    budget = Budget.objects.filter(org_unit=unit, year=year).select_related("org_unit").first()
    rows = []
    if budget is not None:
        for row in budget_rows(budget):
            if row.account.parent_id is None:
                rows.append((row.account, row.available, row.actual))
    else:
        totals = totals_by_code(unit, *year_bounds(year))
        for account in Account.objects.filter(parent__isnull=True).order_by("code"):
            rows.append((account, None, totals.get(account.code, ZERO)))
    lines = [
        {
            "code": account.code,
            "name": account.name,
            "kind": account.kind,
            "budget": money(available) if available is not None else "",
            "actual": money(actual),
            "rate": percent(actual, available) if available else "",
        }
        for account, available, actual in rows
        if available or actual
    ]
    income = sum((Decimal(line["actual"]) for line in lines if line["kind"] == "income"), ZERO)
    expense = sum((Decimal(line["actual"]) for line in lines if line["kind"] == "expense"), ZERO)
    return {
        "has_budget": budget is not None,
        "lines": lines,
        "income": money(income),
        "expense": money(expense),
    }


def membership_figures(unit: OrgUnit, year: int) -> dict[str, Any]:
    """在册 today, and the year's 新入会, 转出 and 退休."""
    start, end = year_bounds(year)
    members = Member.objects.filter(_in_subtree(unit)).aggregate(
        active=Count("pk", filter=Q(status=MemberStatus.ACTIVE)),
        joined=Count("pk", filter=Q(joined_on__gte=start, joined_on__lte=end)),
    )
    changes = MembershipChange.objects.filter(
        _in_subtree(unit, "from_unit"),
        state=MembershipChangeState.APPROVED,
        effective_on__gte=start,
        effective_on__lte=end,
    ).aggregate(
        # A transfer to another unit of the same subtree is no 转出 of this unit.
        transferred_out=Count(
            "pk",
            filter=Q(kind=MembershipChangeKind.TRANSFER_OUT)
            | (Q(kind=MembershipChangeKind.TRANSFER) & ~Q(to_unit__path__startswith=unit.path)),
        ),
        retired=Count("pk", filter=Q(kind=MembershipChangeKind.RETIRE)),
    )
    return {**members, **changes}


def standard_sections(unit: OrgUnit, year: int) -> list[dict[str, Any]]:
    """The summary's sections after the plan's: what every union reports on."""
    return [
        {"key": "activities", "title": _("职工活动"), "figures": activities_figures(unit, year)},
        {"key": "welfare", "title": _("困难帮扶与送温暖"), "figures": welfare_figures(unit, year)},
        {"key": "congress", "title": _("职代会与提案工作"), "figures": congress_figures(unit, year)},
        {"key": "finance", "title": _("工会经费收支"), "figures": finance_figures(unit, year)},
        {"key": "membership", "title": _("会员发展"), "figures": membership_figures(unit, year)},
    ]
