"""Query budget everywhere: every list and detail page costs as many queries for 30 rows as for 1.

The pages come from the URL resolver, so a new GET view that is neither in PAGES (how to give it
1 and then 30 rows, and who opens it) nor in NOT_LIST_PAGES (why it lists nothing) fails
test_every_url_is_in_the_table with its name. Each page is opened twice per size: once to warm the
process-wide caches (content types, the session's first touch), then with Django's cache cleared
and the queries counted, so the two counts compare the same cold-cache work. The counts at 1 and
30 rows must be equal unless the entry allows `slack` extra queries and says why.

QUERY_BUDGET_TABLE=path writes the counts as a Markdown table (docs/reliability.md).
"""

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from activities.models import (
    Attendance,
    CalendarFeed,
    Event,
    EventExpense,
    GroupMembership,
    GroupPlan,
    GroupPlanStatus,
    InterestGroup,
    Occurrence,
    PolicyRule,
    Schedule,
    ScheduleException,
    SignUp,
    SubEvent,
    SubEventEntry,
)
from activities.tests.factories import EventFactory
from congress.models import (
    Ballot,
    BallotItem,
    BallotStatus,
    CoSigner,
    Delegate,
    Motion,
    MotionEvaluation,
    MotionReply,
    MotionStatus,
    OpenVote,
    Suggestion,
    VoterRecord,
)
from congress.tests.builders import make_session, world  # noqa: F401  (world: the congress fixture)
from finance import services as finance_services
from finance.models import (
    Account,
    Budget,
    BudgetAdjustment,
    BudgetLine,
    BudgetStatus,
    DuesBatch,
    DuesLine,
    LedgerEntry,
    OpeningBalance,
    OpeningBalanceStatus,
)
from finance.reports import REPORTS
from finance.tests.builders import approved_budget
from members.models import ContactCorrection, Member, MembershipChange, RosterExport, RosterImport
from members.tests.factories import DepartmentFactory, MemberFactory, OrgUnitFactory, RoleGrantFactory, UserFactory
from plans.events import source_key as event_source_key
from plans.models import Item, Plan, PlanStatus, ScheduleEntry, Section
from plans.tests.builders import build_plan
from union_office import pdf
from union_office.models import AuditEntry
from union_office.notifications import Notification
from union_office.notifications import reminder_schedule as schedule
from welfare.models import (
    AidApplication,
    AidKind,
    AidState,
    AidStep,
    Attachment,
    FamilyMember,
    FileEvent,
    HardshipFile,
    HardshipLevel,
    Objection,
    StudentApplication,
    StudentObjection,
    StudentPayment,
    StudentState,
    Visit,
    VisitKind,
)
from welfare.models.campaign import GRANTED_STATES
from welfare.services import visits as visit_services
from welfare.tests.campaign_builders import campaign, ready_for_approval
from welfare.tests.campaign_builders import county_chair as _county_chair

TODAY = timezone.localdate()


@dataclass(frozen=True)
class Page:
    """How to open one page with a growing number of rows.

    persona: the conftest fixture of the user who opens it (the most privileged one that sees it).
    target: builds what the URL points at on `w` and returns the URL's kwargs.
    rows: adds `count` more of what the page lists (several lists at once where the page has them).
    """

    persona: str
    rows: Callable[[SimpleNamespace, int], None]
    target: Callable[[SimpleNamespace], dict[str, Any]] | None = None
    query: str | Callable[[SimpleNamespace], str] = ""
    slack: int = 0
    why: str = ""
    lists: bool = True  # False: the page shows figures computed from the rows, not the rows


_seq = iter(range(10**6))


def seq() -> int:
    return next(_seq)


# --- members -------------------------------------------------------------------------------------


def _units_of(w) -> list:
    """The school's units: rows are spread over them, so that anything done per unit shows."""
    return [w.org.branch_b, w.org.group_a, w.org.branch_a, w.org.school]


def _unit(w):
    units = _units_of(w)
    return units[seq() % len(units)]


def _members(w, count):
    for _ in range(count):
        MemberFactory(org_unit=_unit(w), department=w.org.school_office if seq() % 2 else None)


def _member_target(w):
    w.member = MemberFactory(org_unit=w.org.branch_b)
    return {"pk": w.member.pk}


def _member_history(w, count):
    member_type = ContentType.objects.get_for_model(Member)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=w.user,
            actor_repr="chair",
            action="members.member_update",
            content_type=member_type,
            object_id=str(w.member.pk),
            changes={"phone": ["1", "2"]},
        )
        for _ in range(count)
    )
    MembershipChange.objects.bulk_create(
        MembershipChange(
            member=w.member,
            kind=MembershipChange.Kind.TRANSFER,
            state=MembershipChange.State.REJECTED,
            from_unit=w.org.branch_b,
            to_unit=w.org.branch_a,
            effective_on=TODAY,
            requested_by=w.user,
            decided_by=w.user,
            decided_at=timezone.now(),
            decision_note="再议",
        )
        for _ in range(count)
    )


def _units(w, count):
    for _ in range(count):
        OrgUnitFactory(kind="group", parent=w.org.branch_b)


def _unit_target(w):
    w.unit = w.org.branch_b
    return {"pk": w.unit.pk}


def _unit_contents(w, count):
    for _ in range(count):
        unit = OrgUnitFactory(kind="group", parent=w.unit)
        RoleGrantFactory(user=UserFactory(), org_unit=w.unit, role="committee")
        MemberFactory(org_unit=unit if seq() % 2 else w.unit)


def _contact_corrections(w, count):
    for _ in range(count):
        ContactCorrection.objects.create(member=MemberFactory(org_unit=w.org.branch_b), phone="13912345678")


def _departments(w, count):
    for _ in range(count):
        DepartmentFactory(org_unit=w.org.school)


def _department_target(w):
    w.department = DepartmentFactory(org_unit=w.org.school)
    return {"pk": w.department.pk}


def _handlers(w, count):
    for _ in range(count):
        RoleGrantFactory(user=UserFactory(), org_unit=w.org.school, role="handler", department=w.department)


def _grants(w, count):
    for _ in range(count):
        RoleGrantFactory(user=UserFactory(), org_unit=_unit(w), role="women")


def _audit_entries(w, count):
    """Entries of the chair's units, of several kinds and units: the 审计日志 page and its export."""
    member_type = ContentType.objects.get_for_model(Member)
    units = [w.org.school, w.org.branch_a, w.org.group_a]
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=w.user,
            actor_repr="chair",
            action="member.read",
            kind="read",
            content_type=member_type,
            object_id=str(n),
            org_unit_pk=units[n % 3].pk,
            changes={"phone": ["1", "2"]},
        )
        for n in range(count)
    )


def _roster_exports(w, count):
    RosterExport.objects.bulk_create(
        RosterExport(created_by=w.user, query=f"q=张&unit={w.org.branch_a.pk}", total_rows=3) for _ in range(count)
    )


def _roster_imports(w, count):
    RosterImport.objects.bulk_create(
        RosterImport(org_unit=w.org.branch_a, created_by=w.user, original_name=f"{seq()}.csv") for _ in range(count)
    )


def _import_target(w):
    w.roster_import = RosterImport.objects.create(
        org_unit=w.org.branch_a, created_by=w.user, original_name="名单.csv", status="done"
    )
    return {"pk": w.roster_import.pk}


def _import_errors(w, count):
    errors = w.roster_import.errors + [{"row": seq(), "column": "身份证号", "message": "校验位不对"}] * count
    RosterImport.objects.filter(pk=w.roster_import.pk).update(errors=errors, invalid_count=len(errors))
    w.roster_import.errors = errors


def _membership_changes(w, count):
    for member in MemberFactory.create_batch(count, org_unit=w.org.branch_b):
        MembershipChange.objects.create(
            member=member,
            kind=MembershipChange.Kind.TRANSFER,
            from_unit=w.org.branch_b,
            to_unit=w.org.group_a,
            effective_on=TODAY,
            requested_by=w.user,
        )


# --- activities ----------------------------------------------------------------------------------


def _events(w, count):
    for _ in range(count):
        EventFactory(org_unit=_unit(w), title=f"活动{seq()}")


def _month_events(w, count):
    """Events this month and weekly schedules: both fill the month's grid."""
    middle = timezone.make_aware(dt.datetime(TODAY.year, TODAY.month, 15, 10))
    for _ in range(count):
        EventFactory(org_unit=w.org.school, title=f"活动{seq()}", starts_at=middle)
        Schedule.objects.create(
            title=f"羽毛球{seq()}",
            org_unit=w.org.school,
            recurrence=Schedule.Recurrence.WEEKLY,
            weekday=2,
            start_time=dt.time(16),
            end_time=dt.time(18),
            starts_on=TODAY.replace(day=1),
        )


def _feed_target(w):
    return {"token": CalendarFeed.objects.create(user=w.user).token}


def _event_target(w):
    w.event = EventFactory(org_unit=w.org.school, kind=Event.Kind.SPORTS_DAY, title="教职工运动会")
    w.item = SubEvent.objects.create(event=w.event, name="拔河")
    return {"pk": w.event.pk}


def _event_contents(w, count):
    """Sign-ups (with an entry in a 比赛项目 each), more 比赛项目 and eligible units."""
    now = timezone.now()
    members = MemberFactory.create_batch(count, org_unit=w.org.branch_a, department=w.org.school_office)
    signups = SignUp.objects.bulk_create(
        SignUp(
            event=w.event,
            member=member,
            status=SignUp.Status.WAITLISTED if i % 3 == 2 else SignUp.Status.SIGNED_UP,
            queued_at=now,
        )
        for i, member in enumerate(members)
    )
    SubEventEntry.objects.bulk_create(
        SubEventEntry(sub_event=w.item, signup=signup, result="1分", rank=i + 1) for i, signup in enumerate(signups)
    )
    SubEvent.objects.bulk_create(SubEvent(event=w.event, name=f"项目{seq()}") for _ in range(count))
    for _ in range(count):
        w.event.eligible_units.add(OrgUnitFactory(kind="group", parent=w.org.branch_a))


def _event_page_contents(w, count):
    """The event page's lists: sign-ups, 比赛项目, eligible units, and the bills paid (each one
    a voucher on the event's line, with a rule's warning)."""
    _event_contents(w, count)
    entries = vouchers(w, [("50101", "10.00", TODAY)] * count, summary=f"{w.event.title}：矿泉水")
    EventExpense.objects.bulk_create(
        EventExpense(
            event=w.event,
            entry=entry,
            amount=entry.amount,
            date=entry.date,
            summary="矿泉水",
            warnings=["超出活动预算"],
            booked_by=w.user,
        )
        for entry in entries
    )


def _schedule_target(w):
    w.schedule = Schedule.objects.create(
        title="羽毛球",
        org_unit=w.org.school,
        recurrence=Schedule.Recurrence.WEEKLY,
        weekday=2,
        start_time=dt.time(16),
        end_time=dt.time(18),
        starts_on=TODAY,
    )
    return {"pk": w.schedule.pk}


def _occurrence_target(w):
    _schedule_target(w)
    start = timezone.now() - dt.timedelta(days=400)
    w.occurrence = Occurrence.objects.create(
        schedule=w.schedule, date=start.date(), starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    return {"pk": w.occurrence.pk}


def _occurrence_schedule_target(w):
    _occurrence_target(w)
    return {"pk": w.schedule.pk}


def _attendances(w, count):
    """Audience members of the school, each checked in at the occurrence (the list and the export)."""
    members = MemberFactory.create_batch(count, org_unit=w.org.branch_a)
    now = timezone.now()
    Attendance.objects.bulk_create(
        Attendance(occurrence=w.occurrence, member=m, status="checked_in", queued_at=now, checked_in_at=now)
        for m in members
    )


def _member_activity_query(w):
    start = (timezone.now() - dt.timedelta(days=500)).date()
    return f"unit={w.org.school.pk}&start={start:%Y-%m-%d}&end={timezone.localdate():%Y-%m-%d}"


def _member_activity_xlsx_query(w):
    return _member_activity_query(w) + "&format=xlsx"


def _skipped_dates(w, count):
    done = w.schedule.exceptions.count()
    ScheduleException.objects.bulk_create(
        ScheduleException(schedule=w.schedule, date=TODAY + dt.timedelta(days=done + i), reason="放假")
        for i in range(count)
    )


def _groups(w, count):
    leader = Member.objects.get(user=w.user)
    for _ in range(count):
        group = InterestGroup.objects.create(name=f"摄影{seq()}", org_unit=w.org.school, leader=leader)
        GroupMembership.objects.create(group=group, member=leader, joined_on=TODAY)


def _group_target(w):
    w.group = InterestGroup.objects.create(name="摄影", org_unit=w.org.school, leader=Member.objects.get(user=w.user))
    return {"pk": w.group.pk}


def _group_contents(w, count):
    for member in MemberFactory.create_batch(count, org_unit=w.org.branch_a):
        GroupMembership.objects.create(group=w.group, member=member, joined_on=TODAY)
    GroupPlan.objects.bulk_create(
        GroupPlan(
            group=w.group,
            year=TODAY.year - seq() % 100,
            content="每月外拍一次",
            budget_requested="3000.00",
            status=GroupPlanStatus.APPROVED,
            decided_by=w.user,
            decided_at=timezone.now(),
            budget_approved="2000.00",
        )
        for _ in range(count)
    )


def _policies(w, count):
    """Rules and their history rows (each with its author), as the page lists both."""
    bulk_create_with_history(
        [
            PolicyRule(
                org_unit=w.org.school, event_kind=Event.Kind.RETREAT, rule=PolicyRule.Kind.MAX_DAYS, limit=seq() + 1
            )
            for _ in range(count)
        ],
        PolicyRule,
        default_user=UserFactory(),
        default_change_reason="主席办公会",
    )


def _visit_rule_history(w, count):
    """The 慰问标准 page lists the standards (a fixed eight) and every change of them, by its author."""
    for _ in range(count):
        visit_services.visit_rule_set(
            actor=UserFactory(is_superuser=True),
            org_unit=w.org.school,
            kind=VisitKind.ILLNESS,
            max_per_visit=Decimal(seq() + 1),
            max_per_year=None,
            once_per_cause_per_year=True,
            cash_allowed=True,
            reason="主席办公会",
        )


# --- congress ------------------------------------------------------------------------------------


def _motion(w, status=MotionStatus.REGISTERED, **values) -> Motion:
    number = None if status in (MotionStatus.DRAFT, MotionStatus.COLLECTING, MotionStatus.SUBMITTED) else seq() + 1
    return Motion.objects.create(
        session=w.world.session,
        proposer=w.world.d1,
        title=f"提案{seq()}",
        category="life",
        reason="食堂排队",
        proposal="增加窗口",
        status=status,
        number=number,
        **values,
    )


def _congress(w):
    w.world = w.request.getfixturevalue("world")
    return {"pk": w.world.session.pk}


def _congress_world(w):
    """The congress world, for a page with no arguments (the motions across sessions)."""
    w.world = w.request.getfixturevalue("world")
    return {}


def _sessions(w, count):
    for _ in range(count):
        make_session(w.org.school, term=3, meeting=seq() + 1)
        Suggestion.objects.create(session=w.world.session, author=w.world.d2.member, title="建议", content="c")


def _assigned_motions(w, count):
    """Motions in a department's inbox, each with a 会办 department and a reply."""
    for _ in range(count):
        motion = _motion(w, MotionStatus.ASSIGNED, lead_department=w.world.general, due_on=TODAY)
        motion.co_departments.add(w.world.teaching)
        MotionReply.objects.create(motion=motion, department=w.world.general, author=w.world.handler, text="已办")


def _motions_of_every_kind(w, count):
    statuses = [MotionStatus.REPLIED, MotionStatus.ASSIGNED, MotionStatus.REGISTERED, MotionStatus.SUBMITTED]
    for i in range(count):
        status = statuses[i % len(statuses)]
        assigned = status in (MotionStatus.ASSIGNED, MotionStatus.REPLIED)
        motion = _motion(
            w, status, lead_department=w.world.general if assigned else None, due_on=TODAY if assigned else None
        )
        if assigned:
            motion.co_departments.add(w.world.teaching)
            MotionReply.objects.create(motion=motion, department=w.world.general, author=w.world.handler, text="已办")


def _delegates(w, count):
    members = MemberFactory.create_batch(count, org_unit=w.org.branch_a, department=w.org.school_office)
    Delegate.objects.bulk_create(
        Delegate(session=w.world.session, member=m, group="第二代表团", category="frontline", gender=m.gender)
        for m in members
    )


def _suggestions(w, count):
    Suggestion.objects.bulk_create(
        Suggestion(session=w.world.session, author=w.world.d2.member, title=f"建议{seq()}", content="c")
        for _ in range(count)
    )


def _ballots(w, count):
    for _ in range(count):
        ballot = Ballot.objects.create(session=w.world.session, title=f"表决{seq()}", motion=_motion(w))
        BallotItem.objects.create(ballot=ballot, label="同意")


def _ballot_target(w):
    _congress(w)
    w.ballot = Ballot.objects.create(
        session=w.world.session,
        title="工资集体协议",
        status=BallotStatus.CLOSED,
        secret=False,
        closed_at=timezone.now(),
    )
    return {"pk": w.ballot.pk}


def _ballot_contents(w, count):
    """Items, and delegates who voted on each of them."""
    items = [BallotItem.objects.create(ballot=w.ballot, label=f"事项{seq()}") for _ in range(count)]
    _delegates(w, count)
    voted = VoterRecord.objects.filter(ballot=w.ballot).values("delegate")
    voters = VoterRecord.objects.bulk_create(
        VoterRecord(ballot=w.ballot, delegate=d)
        for d in Delegate.objects.filter(session=w.world.session).exclude(pk__in=voted)
    )
    OpenVote.objects.bulk_create(
        OpenVote(voter=voter, item=item, choice="for")
        for voter in voters
        for item in BallotItem.objects.filter(ballot=w.ballot)
    )
    OpenVote.objects.bulk_create(
        OpenVote(voter=voter, item=item, choice="against")
        for voter in VoterRecord.objects.filter(ballot=w.ballot).exclude(pk__in=[v.pk for v in voters])
        for item in items
    )


def _motion_target(status):
    def target(w):
        _congress(w)
        w.motion = _motion(w, status, lead_department=w.world.general, due_on=TODAY)
        return {"pk": w.motion.pk}

    return target


def _motion_contents(w, count):
    """Co-signers, joint proposers, 会办 departments, replies, evaluations, merged motions, and
    other motions of the session (the committee's merge candidates)."""
    members = MemberFactory.create_batch(count, org_unit=w.org.branch_a)
    delegates = Delegate.objects.bulk_create(
        Delegate(session=w.world.session, member=m, group="第一代表团", category="frontline", gender=m.gender)
        for m in members
    )
    CoSigner.objects.bulk_create(CoSigner(motion=w.motion, delegate=d, confirmed_at=timezone.now()) for d in delegates)
    w.motion.joint_proposers.add(*delegates)
    for _ in range(count):
        department = DepartmentFactory(org_unit=w.org.school)
        w.motion.co_departments.add(department)
        MotionReply.objects.create(motion=w.motion, department=department, author=w.world.handler, text="已办")
        MotionEvaluation.objects.create(motion=w.motion, round=seq() + 1, rating="satisfied")
        _motion(w, MotionStatus.MERGED, merged_into=w.motion)
        _motion(w, MotionStatus.REVIEWING)


# --- finance -------------------------------------------------------------------------------------

REPORT_QUERY = "unit={unit}&year={year}&account=502&date_from={year}-01-01&date_to={year}-03-31"


def _report_query(w) -> str:
    return REPORT_QUERY.format(unit=w.org.school.pk, year=TODAY.year)


def vouchers(w, specs: list[tuple[str, Any, dt.date]], summary: str = "测试", reverses=()) -> list[LedgerEntry]:
    """Vouchers of the school, (account code, amount, date) each, written straight to the ledger
    with the next voucher numbers: the booking service costs ~20 queries a voucher (budget check,
    month close, counter, audit) and has its own tests in finance. `reverses`: the entries these
    vouchers cancel (红字冲销), one each."""
    reverses = list(reverses) or [None] * len(specs)
    accounts = {a.code: a for a in Account.objects.filter(code__in={code for code, _, _ in specs})}
    last: dict[int, int] = {}
    entries = []
    for (code, amount, day), reversed_entry in zip(specs, reverses, strict=True):
        if day.year not in last:
            numbers = LedgerEntry.objects.filter(org_unit=w.org.school, year=day.year)
            last[day.year] = numbers.aggregate(n=Max("voucher_number"))["n"] or 0
        last[day.year] += 1
        entries.append(
            LedgerEntry(
                org_unit=w.org.school,
                year=day.year,
                voucher_number=last[day.year],
                date=day,
                account=accounts[code],
                amount=amount,
                summary=summary,
                counterparty=f"张{last[day.year]}",
                booked_by=w.user,
                is_reversal=reversed_entry is not None,
                reverses=reversed_entry,
            )
        )
    created = LedgerEntry.objects.bulk_create(entries)
    # Past the service, so its day totals (what the reports and the month list read) are recounted.
    finance_services.ledger_day_totals_rebuild(org_unit=w.org.school)
    return created


def _entries(w, count):
    """Vouchers of the school on income, expense and 帮扶 lines in the first quarter; every fifth
    one cancelled by a red-ink voucher (红字冲销), which the lists mark on both."""
    codes = ("50201", "401", "50202", "50101")
    entries = vouchers(
        w, [(codes[i % 4], "10.00", dt.date(TODAY.year, 1 + seq() % 3, 1 + i % 28)) for i in range(count)]
    )
    vouchers(w, [(e.account.code, e.amount, e.date) for e in entries[4::5]], summary="冲销", reverses=entries[4::5])


def _budgets(w, count):
    earlier = Budget.objects.filter(org_unit=w.org.school).count()
    for i in range(count):
        approved_budget(w.org.school, 2001 + earlier + i, {"50101": "100.00"})


def _budget_target(w):
    w.budget = Budget.objects.create(org_unit=w.org.school, year=TODAY.year, status=BudgetStatus.APPROVED)
    return {"pk": w.budget.pk}


def _budget_contents(w, count):
    """A line per account (the chart has 22, so 22 at most) and adjustments."""
    taken = w.budget.lines.values("account")
    for account in Account.objects.exclude(pk__in=taken)[:count]:
        BudgetLine.objects.create(budget=w.budget, account=account, planned="1000.00", approved="1000.00")
    line = w.budget.lines.first()
    BudgetAdjustment.objects.bulk_create(
        BudgetAdjustment(line=line, amount="10.00", reason="追加", recorded_by=w.user) for _ in range(count)
    )


def _opening_balances(w, count):
    """上年结余 of the school's units, some waiting for confirmation (their buttons), some confirmed."""
    earlier = OpeningBalance.objects.count()
    units = _units_of(w)
    OpeningBalance.objects.bulk_create(
        OpeningBalance(
            org_unit=units[i % len(units)],
            year=1900 + earlier + i,
            amount="100.00",
            recorded_by=w.user,
            status=OpeningBalanceStatus.RECORDED if i % 2 else OpeningBalanceStatus.CONFIRMED,
            confirmed_by=None if i % 2 else w.user,
        )
        for i in range(count)
    )


def _dues_query(w) -> str:
    return f"unit={w.org.school.pk}&year={TODAY.year}&month={TODAY.month}"


def _dues(w, count):
    """Members with and without a wage base (the month's preview) and earlier months' batches."""
    MemberFactory.create_batch(count, org_unit=w.org.branch_a, wage_base="5000.00")
    MemberFactory.create_batch(count, org_unit=w.org.branch_b)
    earlier = DuesBatch.objects.filter(org_unit=w.org.school).count()
    for n in range(earlier, earlier + count):
        _dues_batch(w, TODAY.year - 1 - n // 12, 1 + n % 12)


def _dues_batch(w, year: int, month: int) -> DuesBatch:
    [entry] = vouchers(w, [("401", "25.00", dt.date(year, month, 1))], summary="会费")
    return DuesBatch.objects.create(
        org_unit=w.org.school, year=year, month=month, member_count=1, total="25.00", created_by=w.user, entry=entry
    )


def _dues_target(w):
    w.batch = _dues_batch(w, TODAY.year, 1)
    return {"pk": w.batch.pk}


def _dues_lines(w, count):
    members = MemberFactory.create_batch(count, org_unit=w.org.branch_a, wage_base="5000.00")
    DuesLine.objects.bulk_create(
        DuesLine(batch=w.batch, member=m, wage_base="5000.00", amount="25.00") for m in members
    )


def _report_pages() -> dict[str, Page]:
    pages = {}
    for key in REPORTS:
        for view in ("report", "report_xlsx", "report_pdf"):
            pages[f"finance:{view}[{key}]"] = Page(
                "treasurer", _entries, lambda w, key=key: {"key": key}, _report_query
            )
    return pages


# --- welfare -------------------------------------------------------------------------------------


def _aid(w, member=None, state=AidState.SUBMITTED, **values) -> AidApplication:
    member = member or MemberFactory(org_unit=_unit(w))
    return AidApplication.objects.create(
        member=member,
        org_unit=member.org_unit,
        kind=AidKind.ILLNESS,
        amount_requested="3000.00",
        reason="住院",
        state=state,
        created_by=w.user,
        submitted_at=timezone.now(),
        **values,
    )


def _aid_applications(w, count):
    """Applications of members of the school, and the chair's own (the index's "mine")."""
    own = Member.objects.get(user=w.user)
    for i in range(count):
        _aid(w, own if i % 2 else None, AidState.SUBMITTED if i % 3 else AidState.SCREENED)
        HardshipFile.objects.create(
            member=MemberFactory(org_unit=w.org.branch_a),
            org_unit=w.org.school,
            level=HardshipLevel.DEEP,
            opened_on=TODAY,
            review_due_on=TODAY + dt.timedelta(days=10),
            created_by=w.user,
        )


def _paid_aid(w, member) -> AidApplication:
    [entry] = vouchers(w, [("50201", "3000.00", TODAY)], summary="帮扶")
    return _aid(
        w,
        member,
        AidState.PAID,
        amount_granted="3000.00",
        paid_at=timezone.now(),
        ledger_entry=entry,
        decided_at=timezone.now(),
    )


def _attachment(w, owner) -> Attachment:
    return Attachment(
        owner_type=ContentType.objects.get_for_model(owner),
        owner_id=owner.pk,
        label="病历",
        file=f"attachments/{seq()}.pdf",
        original_name="病历.pdf",
        content_type="application/pdf",
        size=1024,
        sha256="0" * 64,
        uploaded_by=w.user,
    )


def _aid_target(w):
    w.application = _aid(
        w, state=AidState.NOTICE, notice_unit=w.org.school, notice_starts_on=TODAY, notice_ends_on=TODAY
    )
    return {"pk": w.application.pk}


def _aid_contents(w, count):
    """Workflow steps, attachments and objections of one application."""
    AidStep.objects.bulk_create(
        AidStep(application=w.application, action="screen", from_state="submitted", to_state="screened", actor=w.user)
        for _ in range(count)
    )
    Attachment.objects.bulk_create(_attachment(w, w.application) for _ in range(count))
    Objection.objects.bulk_create(
        Objection(
            application=w.application,
            raised_by=UserFactory(),
            text="情况不实",
            resolved_by=w.user,
            resolved_at=timezone.now(),
            resolution="经核实情况属实",
        )
        for _ in range(count)
    )


def _file_target(w):
    w.file = HardshipFile.objects.create(
        member=MemberFactory(org_unit=w.org.branch_a),
        org_unit=w.org.school,
        level=HardshipLevel.DEEP,
        opened_on=TODAY,
        review_due_on=TODAY + dt.timedelta(days=10),
        created_by=w.user,
    )
    return {"pk": w.file.pk}


def _file_contents(w, count):
    """Family, attachments and the household's timeline: file events, aid and visits."""
    FamilyMember.objects.bulk_create(
        FamilyMember(file=w.file, name=f"家属{seq()}", relation="子女") for _ in range(count)
    )
    Attachment.objects.bulk_create(_attachment(w, w.file) for _ in range(count))
    FileEvent.objects.bulk_create(
        FileEvent(file=w.file, kind="reviewed", actor=w.user, note="复核") for _ in range(count)
    )
    for _ in range(count):
        _aid(w, w.file.member)
    _visits(w, count, w.file.member)


def _notice(w, count):
    for _ in range(count):
        _aid(
            w,
            state=AidState.NOTICE,
            amount_granted="3000.00",
            notice_unit=_unit(w),
            notice_starts_on=TODAY,
            notice_ends_on=TODAY + dt.timedelta(days=5),
        )


def _notice_of_school(w, count):
    """One unit's 公示 (the PDF prints one unit's), at least one line so the page exists."""
    for _ in range(count):
        _aid(
            w,
            state=AidState.NOTICE,
            amount_granted="3000.00",
            notice_unit=w.org.school,
            notice_starts_on=TODAY,
            notice_ends_on=TODAY + dt.timedelta(days=5),
        )


def _visits(w, count, member=None):
    Visit.objects.bulk_create(
        Visit(
            member=member or MemberFactory(org_unit=w.org.branch_b),
            org_unit=w.org.school,
            kind=VisitKind.ILLNESS,
            cause="住院",
            visited_on=TODAY,
            amount="500.00",
            visitors="工会主席",
            created_by=w.user,
        )
        for _ in range(count)
    )


def _aid_given(w, count):
    for _ in range(count):
        _paid_aid(w, MemberFactory(org_unit=w.org.branch_b))
    _visits(w, count)


def _campaign_world(w):
    w.campaign = campaign(w.org, w.user)
    return {"pk": w.campaign.pk}


def _campaign_world_no_args(w):
    """A campaign to apply to, for the applications across campaigns (no URL arguments)."""
    _campaign_world(w)
    return {}


def _campaigns(w, count):
    for _ in range(count):
        campaign(w.org, w.user, title=f"金秋助学{seq()}")


def _students(w, count):
    """Applications of the campaign, in every state from submitted to paid."""
    tier = w.campaign.tiers.first()
    states = [StudentState.NOTICE, StudentState.SUBMITTED, StudentState.PAID, StudentState.BASE_REVIEWED]
    for i in range(count):
        n = seq()
        member = MemberFactory(org_unit=w.org.branch_b)
        application = ready_for_approval(w.campaign, member, w.user, n)
        state = states[i % len(states)]
        StudentApplication.objects.filter(pk=application.pk).update(
            state=state, tier=tier if state in GRANTED_STATES else None
        )
        StudentPayment.objects.create(
            application=application, year_index=1, due_year=TODAY.year, amount="2000.00", status="waiting"
        )


def _student_target(w):
    _campaign_world(w)
    w.student = ready_for_approval(w.campaign, MemberFactory(org_unit=w.org.branch_b), w.user, seq())
    return {"pk": w.student.pk}


def _student_contents(w, count):
    """Payments (one per year), attachments and objections of one student."""
    done = w.student.payments.count()
    StudentPayment.objects.bulk_create(
        StudentPayment(
            application=w.student,
            year_index=done + i + 1,
            due_year=TODAY.year + done + i,
            amount="2000.00",
            status="waiting",
        )
        for i in range(count)
    )
    Attachment.objects.bulk_create(_attachment(w, w.student) for _ in range(count))
    StudentObjection.objects.bulk_create(
        StudentObjection(application=w.student, raised_by=UserFactory(), text="情况不实") for _ in range(count)
    )


# --- plans ---------------------------------------------------------------------------------------


def _plans(w, count):
    for _ in range(count):
        unit = OrgUnitFactory(kind="branch", parent=w.org.school)
        build_plan(
            unit, tree=[{"title": "组织", "items": [{"content": "换届"}, {"content": "建档", "status": "done"}]}]
        )


def _plan_target(status):
    def target(w):
        w.plan = build_plan(w.org.school, year=TODAY.year, status=status, tree=[], schedule=[])
        return {"pk": w.plan.pk}

    return target


def _plan_contents(w, count, plan=None):
    """Sections (every other one nested), items with a member as 责任人 and a deadline, 活动安排
    entries each with an event made from it, and (for w.plan) other versions of the plan."""
    if plan is None:
        plan = w.plan
        latest = Plan.objects.filter(org_unit=plan.org_unit, year=plan.year).order_by("-version").first()
        for _ in range(count):
            latest = build_plan(
                plan.org_unit,
                year=plan.year,
                version=latest.version + 1,
                previous=latest,
                status=PlanStatus.ARCHIVED,
                tree=[],
                schedule=[],
            )
    owner = MemberFactory(org_unit=w.org.branch_a)
    parent = None
    for i in range(count):
        n = seq()
        section = Section.objects.create(plan=plan, parent=parent, position=n, title=f"章节{n}")
        parent = section if i % 2 == 0 and parent is None else None
        Item.objects.create(
            section=section,
            position=0,
            content=f"工作{n}",
            deadline_text="3月",
            deadline_due=dt.date(plan.year, 3, 31),
            owner=owner,
            owner_text=owner.name,
            status="done" if i % 2 else "not_started",
        )
        entry = ScheduleEntry.objects.create(plan=plan, position=n, month_text="三月", activity=f"活动{n}")
        EventFactory(org_unit=w.org.school, title=f"活动{n}", source_key=event_source_key(entry.pk))


def _compare_query(w) -> str:
    w.old = build_plan(w.org.school, year=TODAY.year - 1, status=PlanStatus.ARCHIVED, tree=[], schedule=[])
    w.new = build_plan(w.org.school, year=TODAY.year, status=PlanStatus.DRAFT, tree=[], schedule=[])
    return f"a={w.old.pk}&b={w.new.pk}"


def _compare_contents(w, count):
    _plan_contents(w, count, w.old)
    _plan_contents(w, count, w.new)


# --- the dashboard -------------------------------------------------------------------------------


def _dashboard(w, count):
    """What the chair's cards list: events open for sign-up, membership changes to approve, plans
    to approve with items the chair is 责任人 of, the roster's units, unread messages."""
    _events(w, count)
    _membership_changes(w, count)
    _members(w, count)
    _notifications(w, count)
    own = Member.objects.get(user=w.user)
    for _ in range(count):
        unit = OrgUnitFactory(kind="branch", parent=w.org.school)
        plan = build_plan(unit, year=TODAY.year, status=PlanStatus.REVIEW, tree=[{"title": "组织", "items": []}])
        Item.objects.create(
            section=plan.sections.get(), content="换届", deadline_due=TODAY + dt.timedelta(days=3), owner=own
        )


# --- notifications -------------------------------------------------------------------------------


def _notifications(w, count):
    """Unread in-app messages (written directly: notify() also queues the email deliveries)."""
    Notification.objects.bulk_create(
        Notification(recipient=w.user, kind="activities.event_upcoming", subject="运动会明天开始", url="/activities/")
        for _ in range(count)
    )


def _reminders(w, count):
    later = timezone.now() + dt.timedelta(days=1)
    for _ in range(count):
        schedule(kind="activities.event_upcoming", recipient=w.user, due_at=later, subject="提醒", key=str(seq()))


PAGES: dict[str, Page] = {
    # kernel
    "dashboard": Page("chair", _dashboard),
    "notifications:inbox": Page("member", _notifications),
    "notifications:badge": Page("member", _notifications),
    "notifications:upcoming": Page("member", _reminders),
    # members
    "members:member_list": Page("chair", _members),
    "members:member_detail": Page("chair", _member_history, _member_target),
    "members:unit_list": Page("chair", _units),
    "members:unit_detail": Page("chair", _unit_contents, _unit_target),
    "members:login_create": Page("chair", _members),
    "members:organisation": Page("chair", _units),
    "members:role_overview": Page("chair", _grants),
    "members:organisation_unit": Page("chair", _unit_contents, _unit_target),
    "members:department_list": Page("chair", _departments),
    "members:contact_corrections": Page("chair", _contact_corrections),
    "members:department_manage": Page("chair", _handlers, _department_target),
    "members:export_xlsx": Page("chair", _members),
    "members:export_list": Page("chair", _roster_exports),
    "members:audit_log": Page("chair", _audit_entries),
    "members:audit_log_export": Page("chair", _audit_entries),
    "members:unit_roster_pdf": Page("chair", _members, lambda w: {"pk": w.org.school.pk}),
    "members:change_inbox": Page("chair", _membership_changes),
    "members:import_list": Page("committee", _roster_imports),
    "members:import_detail": Page("committee", _import_errors, _import_target),
    # activities
    "activities:index": Page("chair", _events),
    "activities:event_detail": Page("chair", _event_page_contents, _event_target),
    "activities:results": Page("chair", _event_contents, _event_target),
    "activities:check_in_page": Page("chair", _event_contents, _event_target),
    "activities:roster_print": Page("chair", _event_contents, _event_target),
    "activities:roster_export": Page("chair", _event_contents, _event_target),
    "activities:calendar": Page("chair", _month_events),
    "activities:ics_feed": Page("chair", _month_events, _feed_target),
    "activities:schedules": Page("chair", _month_events),
    "activities:schedule_detail": Page("chair", _skipped_dates, _schedule_target),
    "activities:occurrence_detail": Page("chair", _attendances, _occurrence_target),
    "activities:attendance_export": Page("chair", _attendances, _occurrence_schedule_target),
    "activities:member_attendance": Page(
        "chair", _attendances, lambda w: _occurrence_target(w) and {}, query=_member_activity_query
    ),
    "activities:member_attendance[xlsx]": Page(
        "chair", _attendances, lambda w: _occurrence_target(w) and {}, query=_member_activity_xlsx_query
    ),
    "activities:groups": Page("chair", _groups),
    "activities:group_detail": Page("chair", _group_contents, _group_target),
    "activities:policies": Page("chair", _policies),
    # congress
    "congress:index": Page("chair", _sessions, lambda w: _congress(w) and {}),
    "congress:inbox": Page("world.handler", _assigned_motions, lambda w: _congress(w) and {}),
    "congress:session_detail": Page("chair", _motions_of_every_kind, _congress),
    "congress:delegates": Page("chair", _delegates, _congress),
    "congress:composition": Page("chair", _delegates, _congress, lists=False),
    "congress:suggestions": Page("chair", _suggestions, _congress),
    "congress:motion_list": Page("chair", _motions_of_every_kind, _congress),
    "congress:motions": Page("chair", _motions_of_every_kind, _congress_world),
    "congress:ballots": Page("chair", _ballots, _congress),
    "congress:ballot_detail": Page("chair", _ballot_contents, _ballot_target),
    "congress:statistics": Page("chair", _motions_of_every_kind, _congress),
    "congress:handling_xlsx": Page("chair", _motions_of_every_kind, _congress),
    "congress:motion_detail[reviewing]": Page("chair", _motion_contents, _motion_target(MotionStatus.REVIEWING)),
    "congress:motion_detail[assigned]": Page("world.handler", _motion_contents, _motion_target(MotionStatus.ASSIGNED)),
    # finance
    "finance:index": Page("treasurer", _entries),
    "finance:months": Page("treasurer", _entries, query=lambda w: f"unit={w.org.school.pk}&year={TODAY.year}"),
    "finance:budget_list": Page("chair", _budgets),
    "finance:budget_detail": Page("chair", _budget_contents, _budget_target),
    "finance:dues": Page("treasurer", _dues, query=_dues_query),
    "finance:opening_balances": Page("chair", _opening_balances),
    "finance:dues_detail": Page("treasurer", _dues_lines, _dues_target),
    **_report_pages(),
    # plans
    "plans:index": Page("chair", _plans),
    "plans:detail[draft]": Page("chair", _plan_contents, _plan_target(PlanStatus.DRAFT)),
    "plans:detail[active]": Page("chair", _plan_contents, _plan_target(PlanStatus.ACTIVE)),
    "plans:follow": Page("chair", _plan_contents, _plan_target(PlanStatus.ACTIVE)),
    "plans:compare": Page("chair", _compare_contents, query=_compare_query),
    "plans:export_pdf": Page("chair", _plan_contents, _plan_target(PlanStatus.ACTIVE)),
    "plans:export_docx": Page("chair", _plan_contents, _plan_target(PlanStatus.ACTIVE)),
    "plans:editor": Page("chair", _plan_contents, _plan_target(PlanStatus.DRAFT)),
    # welfare
    "welfare:index": Page("chair", _aid_applications),
    "welfare:aid_list": Page("chair", _aid_applications),
    "welfare:aid_detail": Page("chair", _aid_contents, _aid_target),
    "welfare:aid_pdf": Page("chair", _aid_contents, _aid_target),
    "welfare:file_list": Page("chair", _aid_applications),
    "welfare:file_detail": Page("chair", _file_contents, _file_target),
    "welfare:notice": Page("chair", _notice),
    "welfare:notice_pdf": Page("chair", _notice_of_school, lambda w: {"unit_pk": w.org.school.pk}),
    "welfare:visits": Page("chair", _visits),
    "welfare:visit_rules": Page("chair", _visit_rule_history),
    "welfare:report": Page("chair", _aid_given),
    "welfare:report[xlsx]": Page("chair", _aid_given, query="format=xlsx"),
    "welfare:campaign_list": Page("chair", _campaigns),
    "welfare:campaign_detail": Page("county_chair", _students, _campaign_world),
    "welfare:student_list": Page("county_chair", _students, _campaign_world_no_args),
    "welfare:campaign_detail[applicants]": Page("county_chair", _students, _campaign_world, query="format=applicants"),
    "welfare:campaign_detail[payments]": Page("county_chair", _students, _campaign_world, query="format=payments"),
    "welfare:campaign_notice": Page("county_chair", _students, _campaign_world),
    "welfare:student_detail": Page("county_chair", _student_contents, _student_target),
    "welfare:student_pdf": Page("county_chair", _student_contents, _student_target),
    "finance:ledger_export": Page("treasurer", _entries, query=lambda w: f"unit={w.org.school.pk}&year={TODAY.year}"),
}


@pytest.fixture
def county_chair(org):
    return _county_chair(org)


POST_ONLY = "write-only POST endpoint (require_POST): nothing to list"
FORM = "a form page (GET shows an empty or bound form of one object): no rows to repeat"
FRAGMENT = "htmx fragment"
DOWNLOAD = "file download of one stored file: no rows rendered"
EDITOR_FRAGMENT = "htmx fragment of plans:editor (which is measured here)"
AUTH = "Django's authentication page: a form, no rows"

NOT_LIST_PAGES: dict[str, str] = {
    # kernel
    "login": AUTH,
    "logout": AUTH,
    "password_change": AUTH,
    "password_change_done": AUTH,
    "password_reset": AUTH,
    "password_reset_done": AUTH,
    "password_reset_confirm": AUTH,
    "members:login_activate": AUTH,
    "password_reset_complete": AUTH,
    "set_language": "POST to switch the language, redirects",
    "health": "the health checks: a fixed set of round trips, no rows",
    "accounts:two_factor": "the user's own two-factor status: one device, no rows",
    "accounts:two_factor_enrol": FORM,
    "accounts:two_factor_verify": FORM,
    "accounts:two_factor_backup_codes": "shows the ten fresh backup codes of one user: a fixed number",
    "accounts:two_factor_backup_codes_renew": POST_ONLY,
    "accounts:two_factor_disable": POST_ONLY,
    "notifications:mark_all_read": POST_ONLY,
    "notifications:open": POST_ONLY,
    "notifications:read": POST_ONLY,
    "notifications:mute": POST_ONLY,
    # members
    "members:member_edit": FORM,
    "members:member_reveal_id_number": POST_ONLY,
    "members:member_two_factor_code": POST_ONLY,
    "members:export_detail": "status page of one export job: one row, no list",
    "members:export_progress": f"{FRAGMENT}: the status part of export_detail, polled",
    "members:export_download": DOWNLOAD,
    "members:member_create": FORM,
    "members:join_apply": FORM,
    "members:transfer_in": FORM,
    "members:change_new": FORM,
    "members:change_approve": POST_ONLY,
    "members:change_reject": POST_ONLY,
    "members:change_withdraw": POST_ONLY,
    "members:change_cancel": POST_ONLY,
    "members:import_new": FORM,
    "members:import_template": "the fixed import template (.xlsx with headers and one example row)",
    "members:import_progress": f"{FRAGMENT}: the status part of import_detail, polled",
    "members:import_commit": POST_ONLY,
    "members:organisation_unit_add": POST_ONLY,
    "members:organisation_unit_rename": POST_ONLY,
    "members:organisation_unit_move": POST_ONLY,
    "members:organisation_unit_merge": POST_ONLY,
    "members:organisation_grant_add": POST_ONLY,
    "members:organisation_grant_revoke": POST_ONLY,
    "members:department_rename": POST_ONLY,
    "members:contact_correction_act": POST_ONLY,
    "members:my_contact": "one's own contact details and the last five corrections: a bounded list",
    "members:department_retire": POST_ONLY,
    "members:department_restore": POST_ONLY,
    "members:department_handler_add": POST_ONLY,
    # activities
    "activities:event_create": FORM,
    "activities:event_edit": FORM,
    "activities:event_transition": POST_ONLY,
    "activities:item_add": POST_ONLY,
    "activities:expense_create": POST_ONLY,
    "activities:signup": POST_ONLY,
    "activities:cancel": POST_ONLY,
    "activities:signup_for": POST_ONLY,
    "activities:item_toggle": POST_ONLY,
    "activities:check_in": POST_ONLY,
    "activities:feed_settings": "the user's own subscription URL: one row",
    "activities:feed_renew": POST_ONLY,
    "activities:feed_revoke": POST_ONLY,
    "activities:schedule_create": FORM,
    "activities:schedule_skip": POST_ONLY,
    "activities:occurrence_signup": POST_ONLY,
    "activities:occurrence_tick": POST_ONLY,
    "activities:occurrence_check_in": "one occurrence and the member's own check-in: no rows to repeat",
    "activities:group_create": FORM,
    "activities:group_membership": POST_ONLY,
    "activities:group_plan_save": POST_ONLY,
    "activities:group_plan_transition": POST_ONLY,
    "activities:policy_delete": POST_ONLY,
    "welfare:visit_rule_clear": POST_ONLY,
    "activities:policy_edit": FORM,
    # congress
    "congress:session_create": FORM,
    "congress:session_edit": FORM,
    "congress:motion_create": FORM,
    "congress:motion_edit": FORM,
    "congress:compilation_request": POST_ONLY,
    "congress:compilation_detail": "status page of one 提案汇编 job (and its htmx progress part): one row",
    "congress:compilation_download": DOWNLOAD,
    "congress:motion_act": POST_ONLY,
    "congress:cosigners_invite": POST_ONLY,
    "congress:cosign": POST_ONLY,
    "congress:motion_flags": POST_ONLY,
    "congress:motion_attachment": DOWNLOAD,
    "congress:reply_attachment": DOWNLOAD,
    "congress:ballot_status": POST_ONLY,
    "congress:suggestion_detail": "one suggestion: its text and the committee's answer and adopt forms, no rows",
    # finance
    "finance:entry_create": FORM,
    "finance:entry_detail": "one voucher: its fields and the reversal form, no rows",
    "finance:entry_reverse": POST_ONLY,
    "finance:month_close": POST_ONLY,
    "finance:budget_create": POST_ONLY,
    "finance:budget_lines": POST_ONLY,
    "finance:budget_transition": POST_ONLY,
    "todo_badge": "the 待办 count: one query per registered workflow, flat in rows (welfare/tests/test_todo.py)",
    "finance:budget_adjust": POST_ONLY,
    "finance:dues_create": POST_ONLY,
    "finance:opening_balance_record": POST_ONLY,
    "finance:opening_balance_confirm": POST_ONLY,
    "finance:reports": "the fixed list of report kinds (finance.reports.REPORTS) and an export form",
    "finance:ledger_import": FORM,
    # welfare
    "welfare:aid_create": FORM,
    "welfare:aid_act": POST_ONLY,
    "welfare:aid_upload": POST_ONLY,
    "welfare:file_create": FORM,
    "welfare:file_act": POST_ONLY,
    "welfare:attachment": DOWNLOAD,
    "welfare:objection_raise": POST_ONLY,
    "welfare:objection_resolve": POST_ONLY,
    "welfare:student_apply": FORM,
    "welfare:campaign_create": FORM,
    "welfare:student_act": POST_ONLY,
    "welfare:student_objection_raise": POST_ONLY,
    "welfare:student_objection_resolve": POST_ONLY,
    "welfare:payment_act": POST_ONLY,
    # plans
    "plans:transition": POST_ONLY,
    "plans:new_version": POST_ONLY,
    "plans:schedule_event": POST_ONLY,
    "plans:recurring_activity": POST_ONLY,
    "plans:item_progress": POST_ONLY,
    "plans:create": FORM,
    "plans:paste": "a form that previews pasted text: rows come from the text, not the database",
    "plans:header_edit": f"{EDITOR_FRAGMENT}: the plan's header form",
    "plans:section_add": f"{EDITOR_FRAGMENT}: an empty section form",
    "plans:item_add": f"{EDITOR_FRAGMENT}: an empty item form",
    "plans:node_move": POST_ONLY,
    "plans:deadline_preview": f"{EDITOR_FRAGMENT}: how one 时限 text parses",
    "plans:owner_suggest": f"{EDITOR_FRAGMENT}: at most a few names; its query count is pinned in "
    "plans/tests/test_owner_picker.py",
    "plans:section_indent": POST_ONLY,
    "plans:section_outdent": POST_ONLY,
    "plans:schedule_add": f"{EDITOR_FRAGMENT}: an empty 活动安排 form",
    "plans:schedule_move": POST_ONLY,
    "plans:schedule_edit": f"{EDITOR_FRAGMENT}: one 活动安排 row's form",
    "plans:schedule_delete": POST_ONLY,
    "plans:node_edit": f"{EDITOR_FRAGMENT}: one section's or item's form",
    "plans:node_delete": POST_ONLY,
    # yearend
    "yearend:index": "the user's summaries: one query with its unit joined, at most 100 (one per unit and year)",
    "yearend:draft": POST_ONLY,
    "yearend:summary": "one summary's sections (one query); their figures are stored with them, not read per row",
    "yearend:redraft": POST_ONLY,
    "yearend:transition": POST_ONLY,
    "yearend:export_pdf": "a document, not a list: the sections in one query",
    "yearend:export_docx": "a document, not a list: the sections in one query",
    "yearend:section_edit": POST_ONLY,
    "yearend:statistics": "a report: one GROUP BY per kind of record, pinned in yearend/tests/test_statistics.py",
    "yearend:statistics_xlsx": "the statistics page as .xlsx (its count pinned in yearend/tests/test_statistics.py)",
    "yearend:county": "one row per 基层工会 from three queries (units, plans, summaries) whatever their number",
    "yearend:remind": POST_ONLY,
    "yearend:search": "at most 10 hits per kind, one query per kind: pinned in yearend/tests/test_search.py",
}


# --- the table is complete -----------------------------------------------------------------------


def _url_names(resolver: URLResolver, namespace: str = "") -> list[str]:
    names = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            if inner == "admin":
                continue  # Django's admin: staff-only, its change lists are Django's, not ours
            names += _url_names(pattern, inner or namespace)
        elif isinstance(pattern, URLPattern):
            names.append(f"{namespace}:{pattern.name}" if namespace else str(pattern.name))
    return names


def _base(key: str) -> str:
    return key.split("[")[0]


def test_every_url_is_in_the_table():
    names = set(_url_names(get_resolver()))
    tabled = {_base(key) for key in PAGES} | set(NOT_LIST_PAGES)
    missing = sorted(names - tabled)
    assert not missing, (
        "These URLs are in neither PAGES nor NOT_LIST_PAGES of tests/whole_app/test_query_budget.py: "
        f"{', '.join(missing)}. Add a Page (how to make 1 and 30 rows) or say why it lists nothing."
    )
    assert not sorted(tabled - names), "entries for URLs that no longer exist"
    assert not {_base(key) for key in PAGES} & set(NOT_LIST_PAGES)


# --- the budget ----------------------------------------------------------------------------------

COUNTS: dict[str, tuple[int, int]] = {}


@pytest.fixture(scope="module", autouse=True)
def _write_table():
    yield
    path = os.environ.get("QUERY_BUDGET_TABLE")
    if path and COUNTS:
        lines = ["| Page | Persona | 1 row | 30 rows | Allowed extra |", "|---|---|---|---|---|"]
        for key, (one, thirty) in sorted(COUNTS.items()):
            page = PAGES[key]
            extra = f"{page.slack} ({page.why})" if page.slack else ""
            lines.append(f"| `{key}` | {page.persona} | {one} | {thirty} | {extra} |")
        with open(path, "w") as out:
            out.write("\n".join(lines) + "\n")


def _get(client, url: str) -> int:
    """The page's size in bytes."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    # A FileResponse may read the database as it streams; reading it to the end also closes it.
    return len(b"".join(response.streaming_content) if response.streaming else response.content)


def _count(client, url: str, *, warm: bool) -> tuple[int, Any, int]:
    if warm:
        _get(client, url)  # warm the process-wide caches (content types, the session's first touch)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        size = _get(client, url)
    return len(captured), captured, size


@pytest.fixture(autouse=True)
def _no_pdf_layout(monkeypatch):
    """PDF pages render their HTML (every query is made there) but skip WeasyPrint's layout: it
    reads no data and costs seconds per page. The "PDF" is the HTML, which shows the rows."""
    monkeypatch.setattr(pdf, "render_pdf_from_html", lambda html: html.encode())


@pytest.mark.parametrize("key", sorted(PAGES))
def test_query_count_does_not_grow_with_rows(key, request, org, client):
    page = PAGES[key]
    w = SimpleNamespace(org=org, request=request)
    fixture, _, attribute = page.persona.partition(".")
    w.user = request.getfixturevalue(fixture)
    if attribute:
        w.user = getattr(w.user, attribute)
    kwargs = page.target(w) if page.target else {}
    query = page.query(w) if callable(page.query) else page.query
    url = reverse(_base(key), kwargs=kwargs) + (f"?{query}" if query else "")
    client.force_login(w.user)
    page.rows(w, 1)
    one, _, small = _count(client, url, warm=True)
    page.rows(w, 29)
    thirty, captured, big = _count(client, url, warm=False)
    COUNTS[key] = (one, thirty)
    # The rows were made where the page looks: it shows more of them (else the counts prove nothing).
    assert big > small or not page.lists, (
        f"{key}: the page is no bigger with 30 rows ({big} bytes) than with 1 ({small})"
    )
    repeated = Counter(q["sql"][:160] for q in captured.captured_queries)
    assert one <= thirty <= one + page.slack, f"{key}: {one} queries for 1 row, {thirty} for 30 (allowed extra: " + (
        f"{page.slack}). The queries at 30 rows, how many times each:\n"
        + "\n".join(f"{n} × {sql}" for sql, n in repeated.most_common())
    )
