"""Plan deadlines on the union calendar (issue 6, item 9): approved/running plans the user may read,
each period's end within the range asked, one query whatever the number of plans."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.calendar import SOURCES, items_for
from plans.calendar import deadline_items
from plans.models import Item, ItemStatus, PlanStatus
from plans.tests.builders import build_plan

YEAR = 2030
TREE = [
    {
        "title": "重点工作",
        "items": [
            {"content": "召开会员代表大会", "deadline_text": "3月25日前"},
            {"content": "完善女职工档案", "deadline_text": "4月;10月"},
            {"content": "每周例会", "deadline_text": "每周"},
            {"content": "每月慰问", "deadline_text": "每月"},
            {"content": "已取消的工作", "deadline_text": "3月10日前", "status": ItemStatus.CANCELLED},
            {"content": "已完成的工作", "deadline_text": "3月12日前", "status": ItemStatus.DONE},
            {"content": "无法识别", "deadline_text": "正月十五"},
        ],
    }
]
MARCH = (dt.date(YEAR, 3, 1), dt.date(YEAR, 3, 31))


def _titles(items):
    return sorted((item.starts_at, item.title) for item in items)


def test_the_source_is_registered():
    assert deadline_items in SOURCES


def test_chair_sees_the_deadlines_of_running_plans_of_their_units(chair, org):
    plan = build_plan(org.school, year=YEAR, status=PlanStatus.ACTIVE, tree=TREE)
    build_plan(org.school, year=YEAR, version=2, status=PlanStatus.DRAFT, tree=TREE)  # a draft: not yet
    build_plan(org.hospital, year=YEAR, status=PlanStatus.APPROVED, tree=TREE)  # another 基层工会
    assert _titles(deadline_items(chair, *MARCH)) == [
        (dt.date(YEAR, 3, 12), "已完成：已完成的工作"),
        (dt.date(YEAR, 3, 25), "时限：召开会员代表大会"),
        (dt.date(YEAR, 3, 31), "时限：每月慰问"),
    ]
    april = deadline_items(chair, dt.date(YEAR, 4, 1), dt.date(YEAR, 4, 30))
    assert _titles(april) == [(dt.date(YEAR, 4, 30), "时限：完善女职工档案"), (dt.date(YEAR, 4, 30), "时限：每月慰问")]
    item = Item.objects.get(section__plan=plan, content="完善女职工档案")
    entry = next(entry for entry in april if entry.title.endswith("女职工档案"))
    assert entry.uid == f"plan-item-{item.pk}-{YEAR}0430" and entry.category == "deadline" and entry.all_day
    assert entry.url == reverse("plans:follow", args=[plan.pk]) + f"#follow-item-{item.pk}"


def test_scoping_follows_plan_access(member, outsider, committee, other_committee, org):
    build_plan(org.school, year=YEAR, status=PlanStatus.APPROVED, tree=TREE[:1])
    build_plan(org.branch_b, year=YEAR, status=PlanStatus.APPROVED, title="高二计划", tree=TREE)
    build_plan(org.hospital, year=YEAR, status=PlanStatus.APPROVED, title="医院计划", tree=TREE)
    # A member of 分工会 B: their own 分工会's plan and the school's above it.
    assert len(deadline_items(member, *MARCH)) == 6
    # A committee member of 分工会 A: the school's plan only (B is a sibling).
    assert len(deadline_items(committee, *MARCH)) == 3
    # The hospital: only its own.
    assert {i.description.split(" · ")[1] for i in deadline_items(outsider, *MARCH)} == {"医院计划"}
    assert len(deadline_items(other_committee, *MARCH)) == 3


def test_one_query_for_one_plan_or_many(chair, org):
    build_plan(org.school, year=YEAR, status=PlanStatus.APPROVED, tree=TREE)
    deadline_items(chair, *MARCH)  # the user's grants are cached on the user object
    with CaptureQueriesContext(connection) as one:
        deadline_items(chair, *MARCH)
    for unit in (org.branch_a, org.branch_b, org.group_a):
        build_plan(unit, year=YEAR, status=PlanStatus.ACTIVE, tree=TREE)
    with CaptureQueriesContext(connection) as four:
        assert len(deadline_items(chair, *MARCH)) == 12
    assert len(one) == len(four) == 1


def test_next_years_dates_of_last_years_plan(chair, org):
    tree = [{"title": "跨年", "items": [{"content": "年终慰问", "deadline_text": "次年1月"}]}]
    build_plan(org.school, year=YEAR - 1, status=PlanStatus.ACTIVE, tree=tree)
    assert _titles(deadline_items(chair, dt.date(YEAR, 1, 1), dt.date(YEAR, 1, 31))) == [
        (dt.date(YEAR, 1, 31), "时限：年终慰问")
    ]


def test_the_month_view_shows_the_deadlines(chair, org, login):
    build_plan(org.school, year=YEAR, status=PlanStatus.ACTIVE, tree=TREE)
    assert any(item.category == "deadline" for item in items_for(chair, *MARCH))
    page = login(chair).get(reverse("activities:calendar"), {"year": YEAR, "month": 3}).content.decode()
    assert "时限：召开会员代表大会" in page
