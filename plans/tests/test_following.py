"""Following a plan: items grouped by 时限 on a fixed day, completion rolled up through the tree."""

import datetime

import pytest
from django.urls import reverse

from plans import selectors
from plans.models import Item, ItemStatus, PlanStatus
from plans.selectors import iter_sections, plan_tree
from plans.tests.builders import build_plan
from union_office.models import AuditEntry

TODAY = datetime.date(2026, 5, 14)


def _item(content, deadline_text="", status=ItemStatus.NOT_STARTED, **fields):
    return {"content": content, "deadline_text": deadline_text, "status": status, **fields}


@pytest.fixture
def plan(org):
    return build_plan(
        org.school,
        status=PlanStatus.ACTIVE,
        tree=[
            {
                "title": "组织建设",
                "items": [
                    _item("换届选举", "3月25日前"),  # past, open → overdue
                    _item("春季体检", "4月", ItemStatus.DONE),  # past, done → 此前已结束
                    _item("五一表彰", "5月"),  # this month
                    _item("会员培训", "5月10日前", ItemStatus.IN_PROGRESS),  # passed 4 days ago → overdue
                ],
            },
            {
                "title": "文体活动",
                "items": [
                    _item("端午活动", "6月"),  # next month
                    _item("秋游", "10月"),  # later
                    _item("档案调整", "4月;10月"),  # April passed, next due October → later
                    _item("全员健身", "每月"),  # recurring: due at the end of this month
                    _item("慰问", ""),  # no deadline
                    _item("看情况", "适当时候", deadline_ok=False),  # not understood
                    _item("取消的活动", "2月", ItemStatus.CANCELLED),
                ],
            },
        ],
    )


def _groups(plan):
    return {g.key: [row.node.item.content for row in g.rows] for g in selectors.plan_following(plan, TODAY)}


def test_items_are_grouped_by_deadline_on_a_fixed_day(plan):
    groups = _groups(plan)
    assert groups == {
        "overdue": ["换届选举", "会员培训"],
        "this_month": ["五一表彰", "全员健身"],
        "next_month": ["端午活动"],
        "later": ["秋游", "档案调整"],
        "unparsed": ["看情况"],
        "no_deadline": ["慰问"],
        "past": ["取消的活动", "春季体检"],
    }
    assert [key for key, _label in selectors.FOLLOW_GROUPS] == list(groups)


def test_overdue_rows_say_how_late_and_where(plan):
    overdue = next(g for g in selectors.plan_following(plan, TODAY) if g.key == "overdue")
    first = overdue.rows[0]
    assert first.due == datetime.date(2026, 3, 25)
    assert first.overdue_days == (TODAY - datetime.date(2026, 3, 25)).days
    assert first.path == "一、1、"
    assert overdue.rows[1].overdue_days == 4


def test_done_items_are_never_overdue(plan):
    Item.objects.filter(content="换届选举").update(status=ItemStatus.DONE)
    groups = _groups(plan)
    assert "换届选举" not in groups["overdue"] and "换届选举" in groups["past"]


def test_month_boundaries_in_december(org):
    plan = build_plan(
        org.school,
        year=2026,
        tree=[{"title": "年终", "items": [_item("总结", "12月"), _item("次年计划", "次年1月")]}],
    )
    groups = {
        g.key: [r.node.item.content for r in g.rows] for g in selectors.plan_following(plan, datetime.date(2026, 12, 3))
    }
    assert groups == {"this_month": ["总结"], "next_month": ["次年计划"]}


def test_completion_rolls_up_from_items_through_sections(org):
    plan = build_plan(
        org.school,
        tree=[
            {
                "title": "一",
                "items": [_item("a", status=ItemStatus.DONE), _item("b"), _item("c", status=ItemStatus.CANCELLED)],
                "children": [
                    {
                        "title": "一.1",
                        "items": [_item("d", status=ItemStatus.DONE), _item("e", status=ItemStatus.DONE)],
                    },
                    {"title": "一.2", "items": [_item("f", status=ItemStatus.IN_PROGRESS)]},
                ],
            },
            {"title": "二", "items": [_item("g", status=ItemStatus.CANCELLED)]},
            {"title": "三", "items": []},
        ],
    )
    tree = plan_tree(plan)
    completion = selectors.plan_completion(plan, tree)
    by_title = {node.section.title: node.pk for node in iter_sections(tree)}
    percent = {title: completion.sections[pk] for title, pk in by_title.items()}
    assert (percent["一.1"].done, percent["一.1"].total, percent["一.1"].percent) == (2, 2, 100)
    assert (percent["一.2"].done, percent["一.2"].total, percent["一.2"].percent) == (0, 1, 0)
    # 一: its own a, b (c cancelled, not counted) and the subtree's d, e, f → 3 of 5.
    assert (percent["一"].done, percent["一"].total, percent["一"].percent) == (3, 5, 60)
    assert percent["二"].total == 0 and percent["二"].percent is None  # only a cancelled item
    assert percent["三"].percent is None
    assert (completion.overall.done, completion.overall.total, completion.overall.percent) == (3, 5, 60)
    # Without the loaded tree it reads the same numbers from the database.
    assert selectors.plan_completion(plan) == completion


def test_completion_rounds_down(org):
    items = [_item("a", status=ItemStatus.DONE), _item("b", status=ItemStatus.DONE), _item("c")]
    plan = build_plan(org.school, tree=[{"title": "x", "items": items}])
    assert selectors.plan_completion(plan).overall.percent == 66


def test_plan_list_carries_the_same_completion(org, chair):
    items = [_item("a", status=ItemStatus.DONE), _item("b"), _item("c", status=ItemStatus.CANCELLED)]
    plan = build_plan(org.school, tree=[{"title": "x", "items": items}, {"title": "y", "items": [_item("d")]}])
    listed = selectors.plan_list(chair).get(pk=plan.pk)
    assert (listed.items_done, listed.items_total) == (1, 3)


# --- The page -----------------------------------------------------------------------------------


@pytest.fixture
def owner_user(org):
    from members.tests.factories import MemberFactory, UserFactory

    user = UserFactory(username="owner")
    MemberFactory(name="王五", org_unit=org.branch_b, user=user)
    return user


def test_follow_page_shows_groups_and_forms_only_where_allowed(login, plan, owner_user, member, chair):
    Item.objects.filter(content="秋游").update(owner=owner_user.member)
    url = reverse("plans:follow", args=[plan.pk])
    body = login(owner_user).get(url).content.decode()
    assert 'data-group="overdue"' in body and "已逾期" in body
    assert body.count('name="progress_note"') == 1  # only their own item
    body = login(member).get(url).content.decode()
    assert 'name="progress_note"' not in body  # reads, cannot update
    body = login(chair).get(url).content.decode()
    assert body.count('name="progress_note"') == Item.objects.filter(section__plan=plan).count()


def test_owner_saves_progress_through_htmx(login, plan, owner_user):
    item = Item.objects.get(content="秋游")
    item.owner = owner_user.member
    item.save()
    client = login(owner_user)
    response = client.post(
        reverse("plans:item_progress", args=[item.pk]),
        {"status": ItemStatus.IN_PROGRESS, "progress_note": "已联系旅行社"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="follow-item-{item.pk}"')
    assert "已保存" in body and "已联系旅行社" in body
    item.refresh_from_db()
    assert (item.status, item.progress_note) == (ItemStatus.IN_PROGRESS, "已联系旅行社")
    assert AuditEntry.objects.filter(action="plan.item_progress").count() == 1


def test_progress_errors_come_back_in_the_row(login, plan, chair):
    item = Item.objects.get(content="秋游")
    response = login(chair).post(
        reverse("plans:item_progress", args=[item.pk]),
        {"status": "finished", "progress_note": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.NOT_STARTED


def test_progress_without_htmx_redirects_with_a_message(login, plan, chair):
    item = Item.objects.get(content="秋游")
    client = login(chair)
    response = client.post(reverse("plans:item_progress", args=[item.pk]), {"status": ItemStatus.DONE})
    assert response.status_code == 302 and response["Location"] == reverse("plans:follow", args=[plan.pk])
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE


def test_progress_permissions(login, plan, member, outsider, treasurer, org):
    item = Item.objects.get(content="秋游")
    url = reverse("plans:item_progress", args=[item.pk])
    data = {"status": ItemStatus.DONE, "progress_note": ""}
    assert login(member).post(url, data).status_code == 403
    assert login(treasurer).post(url, data).status_code == 403
    assert login(outsider).post(url, data).status_code == 404
    assert login(member).get(url).status_code == 405
    assert login(member).post(reverse("plans:item_progress", args=[999999]), data).status_code == 404
    assert login(outsider).get(reverse("plans:follow", args=[plan.pk])).status_code == 404
    item.refresh_from_db()
    assert item.status == ItemStatus.NOT_STARTED


def test_progress_on_a_draft_is_refused_with_a_message(login, chair, org):
    plan = build_plan(org.school)
    item = Item.objects.filter(section__plan=plan).first()
    client = login(chair)
    response = client.post(reverse("plans:item_progress", args=[item.pk]), {"status": ItemStatus.DONE}, follow=True)
    assert "不能更新进展" in response.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.NOT_STARTED
