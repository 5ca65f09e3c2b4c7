"""Plan reminders through the kernel (issue 6, item 7): 时限 approaching and overdue to the 责任人 (or
the chair), the monthly digest on the 25th, idempotent, withdrawn for done items and old versions,
muted kinds skipped at dispatch."""

import datetime as dt

import pytest
from django.utils import timezone

from members.models import Member
from members.tests.factories import MemberFactory, UserFactory
from plans import reminders, services
from plans.models import Item, ItemStatus, Plan, PlanStatus, ScheduleEntry
from plans.reminders import KIND_DIGEST, KIND_DUE, plan_reminders_sync, plan_reminders_topup
from plans.tests.builders import build_plan
from union_office.models import Delivery, Notification, Reminder
from union_office.notifications.dispatch import reminders_dispatch_due
from union_office.notifications.kinds import check_kind
from union_office.notifications.services import notification_mute_set

YEAR = 2030
TREE = [
    {
        "title": "重点工作",
        "items": [
            {"content": "召开会员代表大会", "deadline_text": "3月25日前"},
            {"content": "完善女职工档案", "deadline_text": "4月;10月"},
            {"content": "每周例会", "deadline_text": "每周"},
            {"content": "已完成的工作", "deadline_text": "3月20日前", "status": ItemStatus.DONE},
            {"content": "无时限的工作"},
        ],
    }
]
SCHEDULE = [("三月", "三八妇女节活动"), ("四月", "职工运动会"), ("四至五月", "读书月")]


def at(month, day, hour=9, year=YEAR):
    return timezone.make_aware(dt.datetime(year, month, day, hour, 0))


@pytest.fixture
def owner_user(org):
    user = UserFactory(username="owner", email="owner@example.org")
    MemberFactory(name="王五", org_unit=org.branch_b, user=user)
    return user


@pytest.fixture
def plan(org, chair, owner_user):
    plan = build_plan(org.school, year=YEAR, status=PlanStatus.ACTIVE, tree=TREE, schedule=SCHEDULE)
    months = {"三月": (3, 3), "四月": (4, 4), "四至五月": (4, 5)}
    for entry in plan.schedule.all():
        entry.month_start, entry.month_end = months[entry.month_text]
        entry.save()
    Item.objects.filter(section__plan=plan, content="召开会员代表大会").update(
        owner=Member.objects.get(user=owner_user)
    )
    return plan


def _rows(kind=KIND_DUE):
    return sorted(
        (r.recipient.username, r.key, timezone.localtime(r.due_at))
        for r in Reminder.objects.filter(kind=kind).select_related("recipient")
    )


def _pending(**filters):
    return Delivery.objects.filter(state=Delivery.State.PENDING, **filters).count()


def test_kinds_are_registered_and_mutable():
    assert check_kind(KIND_DUE).mutable and check_kind(KIND_DIGEST).mutable


def test_approaching_and_overdue_to_the_owner_or_else_the_chair(plan):
    plan_reminders_sync(plan, today=dt.date(YEAR, 3, 1))
    assert _rows() == [
        ("chair", "approaching:20300430", at(4, 23)),  # "4月;10月" is next due 4/30; no 责任人 linked
        ("chair", "overdue:20301031", at(11, 1)),  # overdue after the last period only
        ("owner", "approaching:20300325", at(3, 18)),
        ("owner", "overdue:20300325", at(3, 26)),
    ]
    # Weekly, done and undated items get none; each reminder goes in-app and by email.
    assert _pending(reminder__kind=KIND_DUE) == 8
    reminder = Reminder.objects.get(key="approaching:20300325")
    assert reminder.subject == "工作时限临近（3月25日）：召开会员代表大会"
    assert reminder.url == f"/plans/{plan.pk}/follow/#follow-item-{reminder.source_id}"


def test_sync_is_idempotent_and_tops_up_the_next_period(plan):
    assert plan_reminders_sync(plan, today=dt.date(YEAR, 3, 1)) == 6  # 4 item reminders, 2 digests
    rows, deliveries = Reminder.objects.count(), Delivery.objects.count()
    assert plan_reminders_sync(plan, today=dt.date(YEAR, 3, 1)) == 0
    assert plan_reminders_topup(today=dt.date(YEAR, 3, 1)) == 0
    assert (Reminder.objects.count(), Delivery.objects.count()) == (rows, deliveries)
    # After 4/30 has passed (its reminder sent), the daily run adds the October one.
    reminders_dispatch_due(now=at(4, 23, 10))
    plan_reminders_topup(today=dt.date(YEAR, 5, 2))
    chair_keys = [key for user, key, _ in _rows() if user == "chair"]
    assert chair_keys == ["approaching:20300430", "approaching:20301031", "overdue:20301031"]
    assert Reminder.objects.get(key="approaching:20301031").deliveries.filter(state="pending").count() == 2
    sent = Reminder.objects.get(key="approaching:20300430").deliveries.values_list("state", flat=True)
    assert set(sent) <= {"sent", "skipped"}  # sent once, not cancelled, not sent again


def test_done_item_is_not_reminded_and_reopened_is_again(plan, chair):
    plan_reminders_sync(plan, today=dt.date(YEAR, 3, 1))
    item = Item.objects.get(section__plan=plan, content="召开会员代表大会")
    services.item_progress_update(actor=chair, item_id=item.pk, status=ItemStatus.DONE, progress_note="已召开")
    reminder_ids = Reminder.objects.filter(kind=KIND_DUE, source_id=str(item.pk)).values("pk")
    assert _pending(reminder__in=reminder_ids) == 0
    services.item_progress_update(actor=chair, item_id=item.pk, status=ItemStatus.IN_PROGRESS, progress_note="")
    # Reopened on the real today; the plan is in 2030, so both reminders are ahead again.
    assert _pending(reminder__in=reminder_ids) == 4


def test_approval_schedules_and_a_new_version_with_a_changed_deadline_reschedules(org, chair, owner_user):
    year = timezone.localdate().year + 1
    tree = [{"title": "工作", "items": [{"content": "换届选举", "deadline_text": "3月25日前"}]}]
    plan = build_plan(org.school, year=year, status=PlanStatus.REVIEW, tree=tree, schedule=[])
    services.plan_transition(actor=chair, plan_id=plan.pk, action="approve")
    assert [key for _, key, _ in _rows()] == [f"approaching:{year}0325", f"overdue:{year}0325"]

    new = services.plan_new_version(actor=chair, plan_id=plan.pk)
    assert Reminder.objects.count() == 2  # a draft reminds nobody
    Item.objects.filter(section__plan=new).update(deadline_text="5月20日前")
    Plan.objects.filter(pk=new.pk).update(status=PlanStatus.REVIEW)
    services.plan_transition(actor=chair, plan_id=new.pk, action="approve")
    old_item = Item.objects.get(section__plan=plan)
    new_item = Item.objects.get(section__plan=new)
    assert _pending(reminder__source_id=str(old_item.pk), reminder__kind=KIND_DUE) == 0  # old version archived
    new_keys = Reminder.objects.filter(kind=KIND_DUE, source_id=str(new_item.pk)).values_list("key", flat=True)
    assert sorted(new_keys) == [f"approaching:{year}0520", f"overdue:{year}0520"]
    assert _pending(reminder__source_id=str(new_item.pk), reminder__kind=KIND_DUE) == 4

    # Archiving the running plan withdraws what is still pending.
    # (A plan for next year starts in its year: the test moves it to 执行中 directly.)
    Plan.objects.filter(pk=new.pk).update(status=PlanStatus.ACTIVE)
    services.plan_transition(actor=chair, plan_id=new.pk, action="archive")
    assert _pending(reminder__kind=KIND_DUE) == 0


def test_monthly_digest_of_next_months_activities(plan):
    plan_reminders_sync(plan, today=dt.date(YEAR, 3, 10))
    # On 3/25, April's lines to the chair and to the 责任人 of an open item.
    assert _rows(KIND_DIGEST) == [("chair", "digest:2030-04", at(3, 25)), ("owner", "digest:2030-04", at(3, 25))]
    digest = Reminder.objects.filter(kind=KIND_DIGEST).first()
    assert digest.body == "四月　职工运动会\n四至五月　读书月"
    assert digest.subject == f"下月活动安排（2030年4月）：{plan.title}"
    # After the 25th the next digest is May's (only 读书月 runs into May).
    plan_reminders_sync(plan, today=dt.date(YEAR, 3, 26))
    may = Reminder.objects.filter(kind=KIND_DIGEST, key="digest:2030-05")
    assert may.count() == 2 and may.first().body == "四至五月　读书月"
    assert timezone.localtime(may.first().due_at) == at(4, 25)
    # Nothing planned in June: no digest on 5/25.
    plan_reminders_sync(plan, today=dt.date(YEAR, 4, 26))
    assert not Reminder.objects.filter(key="digest:2030-06").exists()


def test_digest_month_turns_the_year():
    assert reminders.digest_month(dt.date(2030, 12, 26)) == (dt.date(2031, 2, 1), dt.date(2031, 1, 25))
    assert reminders.digest_month(dt.date(2030, 11, 25)) == (dt.date(2030, 12, 1), dt.date(2030, 11, 25))


def test_chair_of_the_nearest_unit_above_when_the_plan_unit_has_none(org, chair):
    tree = [{"title": "工作", "items": [{"content": "分工会换届", "deadline_text": "6月30日前"}]}]
    plan = build_plan(org.branch_a, year=YEAR, status=PlanStatus.APPROVED, tree=tree, schedule=[])
    plan_reminders_sync(plan, today=dt.date(YEAR, 6, 1))
    assert {user for user, _, _ in _rows()} == {"chair"}


def test_dispatched_once_and_a_muted_kind_is_skipped(plan, owner_user, chair):
    plan_reminders_sync(plan, today=dt.date(YEAR, 3, 1))
    notification_mute_set(user=chair, kind=KIND_DUE, muted=True)
    for _ in range(2):
        reminders_dispatch_due(now=at(3, 18, 10))
    own = Notification.objects.filter(recipient=owner_user, kind=KIND_DUE)
    assert list(own.values_list("subject", flat=True)) == ["工作时限临近（3月25日）：召开会员代表大会"]
    # The chair muted 工作时限提醒: their April reminder is skipped, the digest still comes.
    reminders_dispatch_due(now=at(4, 23, 10))
    assert not Notification.objects.filter(recipient=chair, kind=KIND_DUE).exists()
    assert Delivery.objects.filter(reminder__recipient=chair, reminder__kind=KIND_DUE, state="skipped").exists()
    assert Notification.objects.filter(recipient=chair, kind=KIND_DIGEST).count() == 1
    # Re-running the sync after sending writes nothing and sends nothing again.
    assert plan_reminders_sync(plan, today=dt.date(YEAR, 3, 19)) == 0
    reminders_dispatch_due(now=at(4, 24, 10))
    assert sorted(own.values_list("subject", flat=True)) == [
        "工作已逾期（时限 3月25日）：召开会员代表大会",
        "工作时限临近（3月25日）：召开会员代表大会",
    ]


def test_draft_plans_get_no_reminders(org, chair):
    plan = build_plan(org.school, year=YEAR, status=PlanStatus.DRAFT, tree=TREE)
    plan_reminders_sync(plan, today=dt.date(YEAR, 3, 1))
    assert not Reminder.objects.exists()


def test_the_topup_task_runs_the_sync(plan, monkeypatch):
    from plans import tasks

    monkeypatch.setattr(timezone, "localdate", lambda *a: dt.date(YEAR, 3, 1))
    assert tasks.plan_reminders_topup_task() == 6
    assert tasks.plan_reminders_topup_task() == 0
    assert ScheduleEntry.objects.filter(plan=plan).count() == 3
