"""Comparing two versions: alignment of the trees, field-level changes, inline marks, the page."""

import pytest
from django.urls import reverse

from plans import selectors, services
from plans.models import Item, PlanStatus, ScheduleEntry, Section
from plans.selectors import ADDED, CHANGED, REMOVED, SAME, align, inline_diff
from plans.tests.builders import build_plan


def test_inline_diff_marks_characters_and_escapes():
    old, new = inline_diff("组织春季职工运动会", "组织秋季职工运动会<b>")
    assert old == "组织<del>春</del>季职工运动会"
    assert new == "组织<ins>秋</ins>季职工运动会<ins>&lt;b&gt;</ins>"


def test_inline_diff_replaces_wholesale_when_little_is_shared():
    old, new = inline_diff("召开职代会", "组织秋游活动")
    assert (old, new) == ("<del>召开职代会</del>", "<ins>组织秋游活动</ins>")
    assert inline_diff("", "新") == ("", "<ins>新</ins>")
    assert inline_diff("同", "同") == ("同", "同")


def test_align_pairs_equal_then_similar_and_keeps_removed_in_place():
    old = ["加强组织建设", "开展文体活动", "做好困难帮扶", "年终总结"]
    new = ["加强工会组织建设", "开展文体活动", "新增：劳动竞赛", "年终总结"]
    pairs = align(old, new, key=str)
    assert pairs == [
        ("加强组织建设", "加强工会组织建设"),
        ("开展文体活动", "开展文体活动"),
        ("做好困难帮扶", None),
        (None, "新增：劳动竞赛"),
        ("年终总结", "年终总结"),
    ]


def test_align_follows_a_moved_section():
    pairs = align(["甲项工作安排", "乙项工作安排说明", "丙"], ["丙", "甲项工作安排", "乙项工作安排说明"], key=str)
    assert (None, None) not in pairs
    assert ("甲项工作安排", "甲项工作安排") in pairs and ("丙", "丙") in pairs
    assert all(a is not None and b is not None for a, b in pairs)


@pytest.fixture
def versions(org, chair):
    old = build_plan(org.school, status=PlanStatus.APPROVED)
    new = services.plan_new_version(actor=chair, plan_id=old.pk)
    # Edit the new version: rename a section, change an item's 时限 and goal, add an item,
    # remove a sub-section, change the 活动安排.
    Section.objects.filter(plan=new, title="加强组织建设").update(title="加强工会组织建设")
    first = Item.objects.get(section__plan=new, content__startswith="召开会员代表大会")
    first.deadline_text, first.goal = "4月底前", "按期完成换届"
    first.save()
    section = Section.objects.get(plan=new, title="加强工会组织建设")
    Item.objects.create(section=section, position=5, content="建立职工书屋")
    Section.objects.filter(plan=new, title="秋季活动").delete()
    ScheduleEntry.objects.filter(plan=new, month_text="三月").update(activity="三八妇女节趣味运动会")
    ScheduleEntry.objects.create(plan=new, position=9, month_text="五月", activity="五一表彰")
    return old, new


def test_plan_diff_marks_added_removed_changed(versions):
    old, new = versions
    diff = selectors.plan_diff(old, new)
    rows = {(row.kind, row.state, row.new_number or row.old_number): row for row in diff.tree}
    states = [(row.kind, row.state) for row in diff.tree]
    assert states == [
        ("section", CHANGED),  # 一、 renamed
        ("item", CHANGED),  # 1、 时限 and 目标
        ("item", SAME),  # 2、
        ("item", ADDED),  # 3、建立职工书屋
        ("section", SAME),  # 二、
        ("section", SAME),  # （一）春季活动
        ("item", SAME),
        ("section", REMOVED),  # （二）秋季活动
        ("item", REMOVED),  # its item goes with it
    ]
    renamed = rows[("section", CHANGED, "一、")]
    assert renamed.fields[0].old == "加强组织建设"
    assert renamed.fields[0].new == "加强<ins>工会</ins>组织建设"
    changed_item = next(row for row in diff.tree if row.kind == "item" and row.state == CHANGED)
    by_label = {str(f.label): f for f in changed_item.fields}
    assert by_label["时限"].state == CHANGED and "<ins>" in by_label["时限"].new
    assert by_label["目标"].new == "按期<ins>完成</ins>换届"
    assert by_label["工作内容"].state == SAME
    assert diff.counts == {ADDED: 2, REMOVED: 2, CHANGED: 3}  # + the 活动安排 row below
    schedule = [(row.state, row.fields[0].old or row.fields[0].new) for row in diff.schedule]
    assert schedule == [(SAME, "元月"), (CHANGED, "三月"), (SAME, "十二月"), (ADDED, "<ins>五月</ins>")]
    assert diff.header[0].state == SAME


def test_only_changes_keeps_the_headings_above_a_change(versions):
    old, new = versions
    # Change an item under the unchanged （一）春季活动 of the unchanged 二、.
    Item.objects.filter(section__plan=new, content="组织春季职工运动会").update(content="组织春季职工趣味运动会")
    diff = selectors.plan_diff(old, new)
    rows = [(row.kind, row.state, row.new_number or row.old_number) for row in selectors.changes_in_context(diff.tree)]
    assert rows == [
        ("section", CHANGED, "一、"),
        ("item", CHANGED, "1、"),
        ("item", ADDED, "3、"),
        ("section", SAME, "二、"),
        ("section", SAME, "（一）"),
        ("item", CHANGED, "1、"),
        ("section", REMOVED, "（二）"),
        ("item", REMOVED, "1、"),
    ]


def test_identical_versions_have_no_changes(org, chair):
    old = build_plan(org.school, status=PlanStatus.APPROVED)
    new = services.plan_new_version(actor=chair, plan_id=old.pk)
    diff = selectors.plan_diff(old, new)
    assert not diff.has_changes
    assert {row.state for row in diff.tree} == {SAME}


# --- The page -----------------------------------------------------------------------------------


def test_compare_page_shows_both_sides_with_marks(login, member, versions):
    old, new = versions
    client = login(member)  # every member reads the plan of their 基层工会, and so compares it
    response = client.get(reverse("plans:compare"), {"a": new.pk, "b": old.pk})  # order does not matter
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("第 1 版") < body.index("第 2 版")  # the older on the left
    assert "<ins>工会</ins>" in body and "<del>" in body
    assert 'data-state="added"' in body and 'data-state="removed"' in body and 'data-state="changed"' in body
    only = client.get(reverse("plans:compare"), {"a": old.pk, "b": new.pk, "changes": "1"}).content.decode()
    assert 'data-state="same" data-kind="item"' not in only  # unchanged items hidden, headings kept
    assert 'data-state="same" data-kind="schedule"' not in only


def test_compare_needs_both_plans_visible(login, committee, org, versions):
    old, new = versions
    hospital_plan = build_plan(org.hospital)
    client = login(committee)  # 分工会 A committee: reads the school plan (above), not the hospital's
    assert client.get(reverse("plans:compare"), {"a": old.pk, "b": new.pk}).status_code == 200
    assert client.get(reverse("plans:compare"), {"a": old.pk, "b": hospital_plan.pk}).status_code == 404
    assert client.get(reverse("plans:compare"), {"a": old.pk}).status_code == 404
    assert client.get(reverse("plans:compare"), {"a": "x", "b": new.pk}).status_code == 404
    assert client.post(reverse("plans:compare") + f"?a={old.pk}&b={new.pk}").status_code == 405


def test_compare_escapes_user_text(login, chair, org):
    old = build_plan(org.school, tree=[{"title": "<script>alert(1)</script>", "items": []}])
    new = build_plan(org.school, year=2027, tree=[{"title": "<script>alert(2)</script>", "items": []}])
    body = login(chair).get(reverse("plans:compare"), {"a": old.pk, "b": new.pk}).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(" in body
