"""The editor's views: who may use them, what htmx gets back, conflicts, and the paste flow."""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans import editing
from plans.models import Item, Plan, PlanStatus, ScheduleEntry, Section
from plans.selectors import outline, plan_tree

HX = {"HTTP_HX_REQUEST": "true"}
FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "plans"


@pytest.fixture
def plan(chair, org):
    plan = editing.plan_create(actor=chair, org_unit=org.school, year=2026, title="第一中学工会2026年工作计划")
    section = editing.section_add(actor=chair, plan_id=plan.pk, expected_revision=0, title="加强组织建设")
    editing.item_add(
        actor=chair,
        plan_id=plan.pk,
        expected_revision=1,
        section_id=section.pk,
        content="抓好学习",
        deadline_text="3月",
    )
    editing.section_add(actor=chair, plan_id=plan.pk, expected_revision=2, title="民主管理")
    editing.schedule_entry_add(actor=chair, plan_id=plan.pk, expected_revision=3, month_text="3月", activity="三八节")
    plan.refresh_from_db()
    return plan


def _ids(plan):
    section = Section.objects.get(plan=plan, title="加强组织建设")
    return section, Item.objects.get(section=section), ScheduleEntry.objects.get(plan=plan)


def _write_urls(plan):
    section, item, entry = _ids(plan)
    return [
        reverse("plans:header_edit", args=[plan.pk]),
        reverse("plans:section_add", args=[plan.pk]),
        reverse("plans:item_add", args=[plan.pk]) + f"?section={section.pk}",
        reverse("plans:node_edit", args=[plan.pk, "item", item.pk]),
        reverse("plans:node_edit", args=[plan.pk, "section", section.pk]),
        reverse("plans:node_delete", args=[plan.pk, "item", item.pk]),
        reverse("plans:node_move", args=[plan.pk]),
        reverse("plans:section_indent", args=[plan.pk, section.pk]),
        reverse("plans:section_outdent", args=[plan.pk, section.pk]),
        reverse("plans:schedule_add", args=[plan.pk]),
        reverse("plans:schedule_edit", args=[plan.pk, entry.pk]),
        reverse("plans:schedule_delete", args=[plan.pk, entry.pk]),
        reverse("plans:schedule_move", args=[plan.pk]),
    ]


# --- Access --------------------------------------------------------------------------------


def test_editor_shows_the_numbered_tree_with_deadline_badges(login, chair, plan):
    response = login(chair).get(reverse("plans:editor", args=[plan.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "一、" in body and "加强组织建设" in body and "二、" in body
    assert "1、" in body and "抓好学习" in body
    assert 'data-testid="deadline-ok"' in body
    assert f'id="plan-revision" name="revision" value="{plan.revision}"' in body
    assert "js/plan-editor.js" in body and "sortablejs/Sortable.min.js" in body
    assert "三八节" in body
    assert response["Cache-Control"].count("no-store") == 1


def test_editor_needs_login(client, plan):
    response = client.get(reverse("plans:editor", args=[plan.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    response = client.post(reverse("plans:node_move", args=[plan.pk]), {})
    assert response.status_code == 302


@pytest.mark.parametrize("persona", ["committee", "member", "treasurer"])
def test_readers_of_the_plan_get_403(request, login, plan, persona):
    """They may read the school's plan (plans.view_plan reaches up), not draft it."""
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("plans:editor", args=[plan.pk])).status_code == 403
    for url in _write_urls(plan):
        assert client.post(url, {"revision": plan.revision, "title": "x"}, **HX).status_code == 403, url
    assert Plan.objects.get(pk=plan.pk).revision == plan.revision


@pytest.mark.parametrize("persona", ["outsider", "other_committee"])
def test_other_units_get_404(request, login, plan, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("plans:editor", args=[plan.pk])).status_code == 404
    for url in _write_urls(plan):
        assert client.post(url, {"revision": plan.revision}, **HX).status_code == 404, url


def test_committee_edits_their_own_units_plan(login, committee, org):
    plan = editing.plan_create(actor=committee, org_unit=org.branch_a, year=2026, title="高一分工会计划")
    client = login(committee)
    assert client.get(reverse("plans:editor", args=[plan.pk])).status_code == 200
    response = client.post(reverse("plans:section_add", args=[plan.pk]), {"revision": 0, "title": "组织"}, **HX)
    assert response.status_code == 200
    assert Section.objects.filter(plan=plan, title="组织").exists()


def test_wrong_methods_are_405(login, chair, plan):
    client = login(chair)
    section, item, entry = _ids(plan)
    assert client.post(reverse("plans:editor", args=[plan.pk])).status_code == 405
    for url in [
        reverse("plans:node_delete", args=[plan.pk, "item", item.pk]),
        reverse("plans:node_move", args=[plan.pk]),
        reverse("plans:section_indent", args=[plan.pk, section.pk]),
        reverse("plans:section_outdent", args=[plan.pk, section.pk]),
        reverse("plans:schedule_delete", args=[plan.pk, entry.pk]),
        reverse("plans:schedule_move", args=[plan.pk]),
    ]:
        assert client.get(url).status_code == 405, url
    assert client.put(reverse("plans:node_edit", args=[plan.pk, "item", item.pk])).status_code == 405
    assert client.delete(reverse("plans:create")).status_code == 405
    assert client.put(reverse("plans:paste")).status_code == 405


def test_unknown_kind_and_foreign_nodes_are_404(login, chair, plan, org):
    client = login(chair)
    other = editing.plan_create(actor=chair, org_unit=org.school, year=2027, title="明年")
    foreign = editing.section_add(actor=chair, plan_id=other.pk, expected_revision=0, title="外来")
    assert client.get(reverse("plans:node_edit", args=[plan.pk, "plan", 1]), **HX).status_code == 404
    assert client.get(reverse("plans:node_edit", args=[plan.pk, "section", foreign.pk]), **HX).status_code == 404
    url = reverse("plans:item_add", args=[plan.pk]) + f"?section={foreign.pk}"
    assert client.get(url, **HX).status_code == 404


# --- Editing through htmx ------------------------------------------------------------------


def test_item_edit_form_and_save_swap_the_item_and_the_revision(login, chair, plan):
    client = login(chair)
    section, item, _ = _ids(plan)
    url = reverse("plans:node_edit", args=[plan.pk, "item", item.pk])
    form = client.get(url, **HX).content.decode()
    assert f'id="item-{item.pk}-body"' in form and 'name="deadline_text"' in form and "抓好学习" in form
    data = {
        "revision": plan.revision,
        "content": "抓好政治学习",
        "goal": "全员参加",
        "measures": "每月一次",
        "deadline_text": "每月",
        "owner_text": "工会主席",
    }
    response = client.post(url, data, **HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="item-{item.pk}-body"' in body
    assert "抓好政治学习" in body and "1、" in body
    assert f'value="{plan.revision + 1}" hx-swap-oob="true"' in body
    item.refresh_from_db()
    assert (item.content, item.owner_text) == ("抓好政治学习", "工会主席")


def test_unparsed_deadline_shows_a_red_badge_with_the_reason(login, chair, plan):
    client = login(chair)
    _, item, _ = _ids(plan)
    url = reverse("plans:node_edit", args=[plan.pk, "item", item.pk])
    body = client.post(url, {"revision": plan.revision, "content": "抓好学习", "deadline_text": "尽快"}, **HX)
    body = body.content.decode()
    assert 'data-testid="deadline-bad"' in body and "未识别" in body


def test_deadline_preview_reads_as_the_user_types(login, chair, committee, plan):
    url = reverse("plans:deadline_preview", args=[plan.pk])
    client = login(chair)
    body = client.get(url, {"deadline_text": "3月25日前"}, **HX).content.decode()
    assert 'data-testid="deadline-ok"' in body and "3月25日前" in body
    body = client.get(url, {"deadline_text": "尽快"}, **HX).content.decode()
    assert 'data-testid="deadline-bad"' in body
    assert client.get(url, {"deadline_text": ""}, **HX).content.decode().strip() == ""
    assert client.post(url).status_code == 405
    assert login(committee).get(url, {"deadline_text": "3月"}).status_code == 403


def test_invalid_input_returns_the_form_with_the_message(login, chair, plan):
    client = login(chair)
    _, item, _ = _ids(plan)
    url = reverse("plans:node_edit", args=[plan.pk, "item", item.pk])
    response = client.post(url, {"revision": plan.revision, "content": "", "goal": "我的目标"}, **HX)
    assert response.status_code == 422
    body = response.content.decode()
    assert "请填写工作内容。" in body and "我的目标" in body
    assert Plan.objects.get(pk=plan.pk).revision == plan.revision


def test_stale_revision_answers_409_with_the_users_text(login, chair, plan):
    client = login(chair)
    section, item, _ = _ids(plan)
    stale = plan.revision
    # Someone else saves first.
    editing.section_update(actor=chair, plan_id=plan.pk, expected_revision=stale, section_id=section.pk, title="组织")
    url = reverse("plans:node_edit", args=[plan.pk, "item", item.pk])
    response = client.post(url, {"revision": stale, "content": "我花了很久写的内容", "goal": "我的目标"}, **HX)
    assert response.status_code == 409
    body = response.content.decode()
    assert "该计划已被他人修改" in body and "您的内容没有保存，请刷新后再改" in body
    assert "我花了很久写的内容" in body and "我的目标" in body
    assert "重新加载" in body and reverse("plans:editor", args=[plan.pk]) in body
    assert f'id="item-{item.pk}-body"' in body
    item.refresh_from_db()
    assert item.content == "抓好学习"


def test_stale_move_answers_409_in_the_alert_area(login, chair, plan):
    client = login(chair)
    section, item, _ = _ids(plan)
    data = {"revision": plan.revision - 1, "kind": "section", "node_id": section.pk, "parent_id": "", "index": 1}
    response = client.post(reverse("plans:node_move", args=[plan.pk]), data, **HX)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#plan-alerts"


def test_add_section_and_item_answer_with_the_renumbered_tree(login, chair, plan):
    client = login(chair)
    section, item, _ = _ids(plan)
    form = client.get(reverse("plans:section_add", args=[plan.pk]) + f"?parent={section.pk}", **HX)
    assert f'id="section-{section.pk}-add-section"' in form.content.decode()
    response = client.post(
        reverse("plans:section_add", args=[plan.pk]),
        {"revision": plan.revision, "parent": section.pk, "title": "工会小组"},
        **HX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#plan-tree"
    assert "（一）" in response.content.decode()
    response = client.post(
        reverse("plans:item_add", args=[plan.pk]),
        {"revision": plan.revision + 1, "section": section.pk, "content": "新条目", "deadline_text": "6月"},
        **HX,
    )
    assert response.status_code == 200
    assert outline(plan_tree(plan)) == [
        "一、加强组织建设",
        "1、抓好学习",
        "2、新条目",
        "（一）工会小组",
        "二、民主管理",
    ]


def test_drag_move_indent_outdent_and_delete(login, chair, plan):
    client = login(chair)
    section, item, _ = _ids(plan)
    democracy = Section.objects.get(title="民主管理")

    def post(url, **data):
        revision = Plan.objects.get(pk=plan.pk).revision
        response = client.post(url, {"revision": revision, **data}, **HX)
        assert response.status_code == 200, response.content.decode()
        return response.content.decode()

    body = post(
        reverse("plans:node_move", args=[plan.pk]), kind="item", node_id=item.pk, parent_id=democracy.pk, index=0
    )
    assert outline(plan_tree(plan)) == ["一、加强组织建设", "二、民主管理", "1、抓好学习"]
    assert 'id="plan-tree"' in body
    post(reverse("plans:section_indent", args=[plan.pk, democracy.pk]))
    assert outline(plan_tree(plan)) == ["一、加强组织建设", "（一）民主管理", "1、抓好学习"]
    post(reverse("plans:section_outdent", args=[plan.pk, democracy.pk]))
    assert outline(plan_tree(plan)) == ["一、加强组织建设", "二、民主管理", "1、抓好学习"]
    post(reverse("plans:node_delete", args=[plan.pk, "section", democracy.pk]))
    assert outline(plan_tree(plan)) == ["一、加强组织建设"]


def test_a_refused_move_is_an_alert(login, chair, plan):
    client = login(chair)
    section, _, _ = _ids(plan)
    response = client.post(
        reverse("plans:section_indent", args=[plan.pk, section.pk]), {"revision": plan.revision}, **HX
    )
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#plan-alerts"
    assert "第一个章节不能缩进" in response.content.decode()


def test_header_and_schedule(login, chair, plan):
    client = login(chair)
    _, _, entry = _ids(plan)
    response = client.post(
        reverse("plans:header_edit", args=[plan.pk]),
        {"revision": plan.revision, "title": "新标题", "guiding_ideas": "以职工为中心"},
        **HX,
    )
    assert response.status_code == 200 and "以职工为中心" in response.content.decode()
    response = client.post(
        reverse("plans:schedule_add", args=[plan.pk]),
        {"revision": plan.revision + 1, "month_text": "七、八月份", "activity": "暑期疗养"},
        **HX,
    )
    assert response.status_code == 200 and "暑期疗养" in response.content.decode()
    assert response["HX-Retarget"] == "#plan-schedule"
    summer = ScheduleEntry.objects.get(activity="暑期疗养")
    client.post(
        reverse("plans:schedule_move", args=[plan.pk]),
        {"revision": plan.revision + 2, "entry_id": summer.pk, "index": 0},
        **HX,
    )
    assert list(ScheduleEntry.objects.filter(plan=plan).values_list("activity", flat=True)) == ["暑期疗养", "三八节"]
    client.post(
        reverse("plans:schedule_edit", args=[plan.pk, entry.pk]),
        {"revision": plan.revision + 3, "month_text": "3月", "activity": "三八妇女节"},
        **HX,
    )
    client.post(reverse("plans:schedule_delete", args=[plan.pk, summer.pk]), {"revision": plan.revision + 4}, **HX)
    assert list(ScheduleEntry.objects.filter(plan=plan).values_list("activity", flat=True)) == ["三八妇女节"]


def test_without_htmx_a_change_redirects_to_the_editor(login, chair, plan):
    client = login(chair)
    response = client.post(reverse("plans:section_add", args=[plan.pk]), {"revision": plan.revision, "title": "三"})
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:editor", args=[plan.pk])
    response = client.post(reverse("plans:section_add", args=[plan.pk]), {"revision": 0, "title": "我的章节"})
    assert response.status_code == 409
    assert "我的章节" in response.content.decode()


def test_the_pages_revision_wins_over_the_forms(login, chair, plan):
    """A form drawn after someone else's change must not let a stale page save (see _revision)."""
    client = login(chair)
    section, item, _ = _ids(plan)
    url = reverse("plans:node_edit", args=[plan.pk, "item", item.pk])
    stale, current = plan.revision - 1, plan.revision
    response = client.post(url, {"revision": stale, "form_revision": current, "content": "改"}, **HX)
    assert response.status_code == 409
    response = client.post(url, {"revision": current, "form_revision": stale, "content": "改"}, **HX)
    assert response.status_code == 200
    # Without JavaScript only the form's own revision arrives.
    response = client.post(url, {"form_revision": current + 1, "content": "再改"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.content == "再改"


def test_a_submitted_plan_is_read_only(login, chair, plan):
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.REVIEW)
    client = login(chair)
    body = client.get(reverse("plans:editor", args=[plan.pk])).content.decode()
    assert "只有草稿可以修改；已批准的计划请新建版本" in body
    assert "plans/edit/move" not in body and "js/plan-editor.js" not in body
    section, item, _ = _ids(plan)
    response = client.get(reverse("plans:node_edit", args=[plan.pk, "item", item.pk]), **HX)
    assert response.status_code == 409
    response = client.post(
        reverse("plans:node_edit", args=[plan.pk, "item", item.pk]), {"revision": plan.revision, "content": "改"}, **HX
    )
    assert response.status_code == 409
    assert "只有草稿可以修改" in response.content.decode() and "改" in response.content.decode()


# --- Starting a plan -----------------------------------------------------------------------


def test_create_page_offers_units_and_sources(login, chair, plan):
    response = login(chair).get(reverse("plans:create"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "第一中学工会" in body and "从去年的计划复制" in body and reverse("plans:paste") in body
    assert "第一中学工会2026年工作计划" in body


def test_create_needs_a_drafting_role(login, member, treasurer):
    assert login(member).get(reverse("plans:create")).status_code == 403
    assert login(treasurer).get(reverse("plans:paste")).status_code == 403
    assert login(treasurer).post(reverse("plans:paste"), {"text": "一、x"}).status_code == 403


def test_create_an_empty_plan(login, chair, org):
    client = login(chair)
    data = {"mode": "empty", "new-org_unit": org.school.pk, "new-year": 2027, "new-title": ""}
    response = client.post(reverse("plans:create"), data)
    plan = Plan.objects.get()
    assert response["Location"] == reverse("plans:editor", args=[plan.pk])
    assert plan.title == "第一中学工会2027年工作计划"
    # The same year again: a message, no second plan.
    response = client.post(reverse("plans:create"), data)
    assert response.status_code == 200
    assert "已有 2027 年的计划" in response.content.decode()
    assert Plan.objects.count() == 1


def test_create_refuses_a_unit_outside_the_scope(login, committee, org):
    data = {"mode": "empty", "new-org_unit": org.school.pk, "new-year": 2027, "new-title": "x"}
    response = login(committee).post(reverse("plans:create"), data)
    assert response.status_code == 200
    assert not Plan.objects.exists()


def test_copy_last_years_plan(login, chair, plan, org):
    Item.objects.update(status=Item.Status.DONE, progress_note="完成")
    client = login(chair)
    data = {"mode": "copy", "copy-source": plan.pk, "copy-org_unit": org.school.pk, "copy-year": 2027}
    response = client.post(reverse("plans:create"), data)
    new = Plan.objects.get(year=2027)
    assert response["Location"] == reverse("plans:editor", args=[new.pk])
    assert new.title == "第一中学工会2027年工作计划"
    assert list(Item.objects.filter(section__plan=new).values_list("status", "progress_note")) == [("not_started", "")]


SAMPLE = """工会2026年工作计划

一、指导思想
坚持以职工为中心，团结动员广大教职工。

二、主要工作
1、健全组织
目标：完善体系
措施：建立委员会
时限：3月25日前
责任人：工会主席
2、开展活动
时限：6月;12月
"""

TWO_PLANS = """好文推荐
工会工作计划篇一
一、加强组织建设
1、抓好学习
时限：3月
工会工作计划篇二
一、民主管理
1、开好职代会
时限：4月
"""


def _paste(client, org, text, **extra):
    data = {"org_unit": org.school.pk, "year": 2026, "text": text, **extra}
    return client.post(reverse("plans:paste"), data)


def test_paste_review_then_save(login, chair, org):
    client = login(chair)
    assert client.get(reverse("plans:paste")).status_code == 200
    response = _paste(client, org, SAMPLE)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="paste-review"' in body
    assert "健全组织" in body and "完善体系" in body and 'data-testid="deadline-ok"' in body
    assert "坚持以职工为中心" in body
    # Nothing saved before the confirmation.
    assert not Plan.objects.exists()
    response = _paste(client, org, SAMPLE, step="save", title="审核后的标题")
    plan = Plan.objects.get()
    assert response["Location"] == reverse("plans:editor", args=[plan.pk])
    assert plan.title == "审核后的标题"
    assert plan.status == PlanStatus.DRAFT
    lines = outline(plan_tree(plan))
    assert any("健全组织" in line for line in lines)
    item = Item.objects.get(content__contains="健全组织")
    assert (item.goal, item.measures, item.deadline_text, item.owner_text) == (
        "完善体系",
        "建立委员会",
        "3月25日前",
        "工会主席",
    )


def test_paste_with_several_plans_asks_which_one(login, chair, org):
    client = login(chair)
    body = _paste(client, org, TWO_PLANS).content.decode()
    assert 'data-testid="paste-documents"' in body
    assert body.count('name="choice"') == 2
    assert not Plan.objects.exists()
    body = _paste(client, org, TWO_PLANS, step="pick", choice=1).content.decode()
    assert 'data-testid="paste-review"' in body
    assert "开好职代会" in body and "抓好学习" not in body
    assert not Plan.objects.exists()
    missing = _paste(client, org, TWO_PLANS, step="pick").content.decode()
    assert "请选择要导入的一篇" in missing


def test_paste_with_nothing_recognisable_says_so(login, chair, org):
    client = login(chair)
    body = _paste(client, org, "今天天气很好。\n我们去公园散步。").content.decode()
    assert "没有从粘贴的文字中识别出计划的章节或活动安排" in body
    body = _paste(client, org, "   ").content.decode()
    assert 'data-testid="paste-error"' in body
    assert not Plan.objects.exists()


@pytest.mark.skipif(not FIXTURES.exists(), reason="the seed plans are copied to tests/fixtures/plans by the importer")
def test_paste_a_seed_file(login, chair, org):
    client = login(chair)
    text = sorted(FIXTURES.glob("*.txt"))[-1].read_text(encoding="utf-8")
    body = _paste(client, org, text).content.decode()
    assert 'data-testid="paste-documents"' in body or 'data-testid="paste-review"' in body
    assert not Plan.objects.exists()


def test_editor_query_count_does_not_grow_with_the_plan(login, chair, plan):
    client = login(chair)
    url = reverse("plans:editor", args=[plan.pk])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    revision = Plan.objects.get(pk=plan.pk).revision
    for s in range(6):
        section = editing.section_add(actor=chair, plan_id=plan.pk, expected_revision=revision, title=f"章{s}")
        sub = editing.section_add(
            actor=chair, plan_id=plan.pk, expected_revision=revision + 1, parent_id=section.pk, title=f"节{s}"
        )
        revision += 2
        for i in range(5):
            editing.item_add(
                actor=chair, plan_id=plan.pk, expected_revision=revision, section_id=sub.pk, content=f"条目{i}"
            )
            revision += 1
        editing.schedule_entry_add(
            actor=chair, plan_id=plan.pk, expected_revision=revision, month_text=f"{s + 1}月", activity="活动"
        )
        revision += 1
    assert count() == small


def test_cancelling_the_top_level_add_forms_restores_their_buttons(login, chair, plan):
    """取消 on "添加一级章节" and "添加活动安排" re-renders the slot with its button (it was a 500: the
    button links back to the form of this plan, and the plan was missing from the context)."""
    client = login(chair)
    for name in ["plans:section_add", "plans:schedule_add"]:
        url = reverse(name, args=[plan.pk])
        response = client.get(url, {"cancel": "1"}, headers={"HX-Request": "true"})
        assert response.status_code == 200, name
        assert url in response.content.decode(), name
