"""The drafting services: every change checks the draft state and the revision, renumbers, audits."""

import datetime
import time
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans import editing
from plans.editing import PlanConflict, PlanEditError, PlanNotDraft
from plans.models import Item, ItemStatus, Plan, PlanStatus, ScheduleEntry, Section
from plans.selectors import find_node, outline, plan_tree
from union_office.models import AuditEntry
from union_office.testing import run_at_once


@pytest.fixture
def plan(chair, org):
    return editing.plan_create(actor=chair, org_unit=org.school, year=2026, title="第一中学工会2026年工作计划")


class Editor:
    """Drives the services as one editor would: always from the plan's current revision."""

    def __init__(self, actor, plan):
        self.actor, self.plan_id = actor, plan.pk

    @property
    def revision(self):
        return Plan.objects.get(pk=self.plan_id).revision

    def __getattr__(self, name):
        service = getattr(editing, name)

        def call(**kwargs):
            return service(actor=self.actor, plan_id=self.plan_id, expected_revision=self.revision, **kwargs)

        return call


@pytest.fixture
def ed(chair, plan):
    return Editor(chair, plan)


def labels(plan):
    return outline(plan_tree(plan))


def build(ed):
    """一、组织 (1、学习 2、制度) （一）女工 (1、档案) 二、民主 三、活动"""
    org_ = ed.section_add(title="组织")
    ed.item_add(section_id=org_.pk, content="学习", deadline_text="3月")
    ed.item_add(section_id=org_.pk, content="制度")
    women = ed.section_add(parent_id=org_.pk, title="女工")
    ed.item_add(section_id=women.pk, content="档案", deadline_text="4月;10月")
    democracy = ed.section_add(title="民主")
    events = ed.section_add(title="活动")
    return SimpleNamespace(org=org_, women=women, democracy=democracy, events=events)


def test_plan_create_makes_an_audited_draft(plan, chair):
    assert plan.status == PlanStatus.DRAFT
    assert plan.version == 1
    assert plan.revision == 0
    assert plan.created_by == chair
    assert AuditEntry.objects.filter(action="plan.create", object_id=str(plan.pk)).exists()


def test_plan_create_refuses_a_second_plan_for_the_same_year(plan, chair, org):
    with pytest.raises(PlanEditError, match="已有 2026 年的计划"):
        editing.plan_create(actor=chair, org_unit=org.school, year=2026, title="又一个")


def test_plan_create_checks_title_year_and_permission(chair, committee, org):
    with pytest.raises(PlanEditError) as error:
        editing.plan_create(actor=chair, org_unit=org.school, year=2026, title="  ")
    assert error.value.message_dict == {"title": ["请填写标题。"]}
    with pytest.raises(PlanEditError, match="2000 至 2100"):
        editing.plan_create(actor=chair, org_unit=org.school, year=1999, title="计划")
    with pytest.raises(PermissionDenied):
        editing.plan_create(actor=committee, org_unit=org.school, year=2026, title="计划")
    assert not Plan.objects.exists()


def test_header_update_bumps_revision_and_audits(ed, plan):
    editing.plan_update_header(
        actor=ed.actor, plan_id=plan.pk, expected_revision=0, title="新标题", guiding_ideas="以职工为中心"
    )
    plan.refresh_from_db()
    assert (plan.title, plan.guiding_ideas, plan.revision) == ("新标题", "以职工为中心", 1)
    entry = AuditEntry.objects.get(action="plan.update")
    assert entry.changes["title"] == ["第一中学工会2026年工作计划", "新标题"]
    assert entry.changes["revision"] == 1


def test_tree_numbering(ed, plan):
    build(ed)
    assert labels(plan) == [
        "一、组织",
        "1、学习",
        "2、制度",
        "（一）女工",
        "1、档案",
        "二、民主",
        "三、活动",
    ]


def test_items_and_subsections_at_one_style_continue_the_count(ed, plan):
    top = ed.section_add(title="工作")
    middle = ed.section_add(parent_id=top.pk, title="组织")
    ed.item_add(section_id=middle.pk, content="甲")
    ed.section_add(parent_id=middle.pk, title="乙节")
    deeper = ed.section_add(parent_id=middle.pk, title="丙节")
    ed.item_add(section_id=deeper.pk, content="丁")
    assert labels(plan) == ["一、工作", "（一）组织", "1、甲", "2、乙节", "3、丙节", "（1）丁"]


def test_section_and_item_add_after_a_sibling(ed, plan):
    nodes = build(ed)
    ed.section_add(title="插入", after_id=nodes.org.pk)
    first = Item.objects.get(content="学习")
    ed.item_add(section_id=nodes.org.pk, content="中间", after_id=first.pk)
    assert labels(plan)[:4] == ["一、组织", "1、学习", "2、中间", "3、制度"]
    assert "二、插入" in labels(plan)
    assert list(
        Section.objects.filter(plan=plan, parent=None).values_list("position", flat=True).order_by("position")
    ) == [
        0,
        1,
        2,
        3,
    ]


def test_item_update_parses_the_deadline_for_the_plan_year(ed, plan):
    nodes = build(ed)
    item = Item.objects.get(content="学习")
    assert item.deadline_due == datetime.date(2026, 3, 31)
    ed.item_update(
        item_id=item.pk,
        content="学习",
        goal="全员",
        measures="每月一次",
        deadline_text="3月25日前",
        owner_text="工会主席",
    )
    item.refresh_from_db()
    assert (item.goal, item.measures, item.owner_text) == ("全员", "每月一次", "工会主席")
    assert item.deadline_due == datetime.date(2026, 3, 25)
    assert item.deadline_ok
    ed.item_update(item_id=item.pk, content="学习", deadline_text="尽快")
    item.refresh_from_db()
    assert item.deadline_due is None
    assert not item.deadline_ok
    ed.item_update(item_id=item.pk, content="学习", deadline_text="")
    item.refresh_from_db()
    assert (item.deadline_text, item.deadline_due, item.deadline_ok) == ("", None, True)
    assert nodes.org.items.count() == 2
    entry = AuditEntry.objects.filter(action="plan.item_update").first()
    assert entry.changes["item"] == item.pk


def test_item_update_needs_content(ed):
    nodes = build(ed)
    item = nodes.org.items.first()
    with pytest.raises(PlanEditError) as error:
        ed.item_update(item_id=item.pk, content=" ")
    assert error.value.message_dict == {"content": ["请填写工作内容。"]}


def test_section_update(ed, plan):
    nodes = build(ed)
    ed.section_update(section_id=nodes.democracy.pk, title="民主管理", text="说明")
    nodes.democracy.refresh_from_db()
    assert (nodes.democracy.title, nodes.democracy.text) == ("民主管理", "说明")


def test_delete_section_takes_its_subtree_and_closes_ranks(ed, plan):
    nodes = build(ed)
    ed.node_delete(kind="section", node_id=nodes.org.pk)
    assert labels(plan) == ["一、民主", "二、活动"]
    assert not Item.objects.filter(section__plan=plan).exists()
    assert AuditEntry.objects.get(action="plan.section_delete").changes["items"] == 3


def test_delete_item(ed, plan):
    build(ed)
    ed.node_delete(kind="item", node_id=Item.objects.get(content="学习").pk)
    assert labels(plan)[:2] == ["一、组织", "1、制度"]
    with pytest.raises(PlanEditError, match="未知的节点类型"):
        ed.node_delete(kind="plan", node_id=1)


def test_move_item_to_another_section(ed, plan):
    nodes = build(ed)
    item = Item.objects.get(content="学习")
    ed.node_move(kind="item", node_id=item.pk, new_parent_id=nodes.events.pk, new_index=0)
    assert labels(plan) == ["一、组织", "1、制度", "（一）女工", "1、档案", "二、民主", "三、活动", "1、学习"]
    positions = list(Item.objects.filter(section=nodes.org).values_list("position", flat=True))
    assert positions == [0]


def test_move_item_within_its_section(ed, plan):
    nodes = build(ed)
    item = Item.objects.get(content="制度")
    ed.node_move(kind="item", node_id=item.pk, new_parent_id=nodes.org.pk, new_index=0)
    assert labels(plan)[:3] == ["一、组织", "1、制度", "2、学习"]


def test_move_section_under_another_and_back_to_the_top(ed, plan):
    nodes = build(ed)
    ed.node_move(kind="section", node_id=nodes.events.pk, new_parent_id=nodes.democracy.pk, new_index=0)
    assert labels(plan)[-2:] == ["二、民主", "（一）活动"]
    ed.node_move(kind="section", node_id=nodes.women.pk, new_parent_id=None, new_index=0)
    assert labels(plan) == ["一、女工", "1、档案", "二、组织", "1、学习", "2、制度", "三、民主", "（一）活动"]
    positions = sorted(Section.objects.filter(plan=plan, parent=None).values_list("position", flat=True))
    assert positions == [0, 1, 2]


def test_move_refuses_a_section_into_its_own_subtree(ed, plan):
    nodes = build(ed)
    before = labels(plan)
    with pytest.raises(PlanEditError, match="不能把章节移到它自己或它的下级章节里"):
        ed.node_move(kind="section", node_id=nodes.org.pk, new_parent_id=nodes.women.pk, new_index=0)
    with pytest.raises(PlanEditError, match="不能把章节移到它自己"):
        ed.node_move(kind="section", node_id=nodes.org.pk, new_parent_id=nodes.org.pk, new_index=0)
    with pytest.raises(PlanEditError, match="条目必须放在某个章节下"):
        ed.node_move(kind="item", node_id=Item.objects.first().pk, new_parent_id=None, new_index=0)
    assert labels(plan) == before


def test_move_refuses_nodes_of_another_plan(ed, plan, chair, org):
    build(ed)
    other = editing.plan_create(actor=chair, org_unit=org.school, year=2027, title="明年")
    foreign = editing.section_add(actor=chair, plan_id=other.pk, expected_revision=0, title="外来")
    with pytest.raises(PlanEditError, match="该章节已不存在"):
        ed.node_move(kind="section", node_id=foreign.pk, new_parent_id=None, new_index=0)
    with pytest.raises(PlanEditError, match="该章节已不存在"):
        ed.item_add(section_id=foreign.pk, content="x")


def test_indent_and_outdent(ed, plan):
    nodes = build(ed)
    ed.section_indent(section_id=nodes.events.pk)
    assert labels(plan)[-2:] == ["二、民主", "（一）活动"]
    ed.section_outdent(section_id=nodes.women.pk)
    assert labels(plan) == ["一、组织", "1、学习", "2、制度", "二、女工", "1、档案", "三、民主", "（一）活动"]
    ed.section_outdent(section_id=nodes.events.pk)
    assert labels(plan)[-2:] == ["三、民主", "四、活动"]


def test_indent_and_outdent_refuse_at_the_edges(ed, plan):
    nodes = build(ed)
    with pytest.raises(PlanEditError, match="第一个章节不能缩进"):
        ed.section_indent(section_id=nodes.org.pk)
    with pytest.raises(PlanEditError, match="一级章节不能再取消缩进"):
        ed.section_outdent(section_id=nodes.org.pk)


def test_depth_is_limited(ed, plan):
    parent = None
    for level in range(editing.MAX_DEPTH):
        parent = ed.section_add(parent_id=parent.pk if parent else None, title=f"第{level + 1}级")
    with pytest.raises(PlanEditError, match="最多 5 级"):
        ed.section_add(parent_id=parent.pk, title="太深")
    assert labels(plan)[-1] == "①第5级"


def test_stale_revision_is_a_conflict_and_changes_nothing(ed, plan, chair, committee, org):
    nodes = build(ed)
    item = Item.objects.get(content="学习")
    start = ed.revision
    # Two editors open the plan at the same revision; the first saves.
    editing.item_update(actor=chair, plan_id=plan.pk, expected_revision=start, item_id=item.pk, content="第一个人")
    audits = AuditEntry.objects.count()
    with pytest.raises(
        PlanConflict, match=r"该计划已被他人修改（chair 于 \d\d-\d\d \d\d:\d\d 保存了新的修改），您的内容没有保存"
    ):
        editing.item_update(actor=chair, plan_id=plan.pk, expected_revision=start, item_id=item.pk, content="第二个人")
    with pytest.raises(PlanConflict):
        editing.node_move(
            actor=chair,
            plan_id=plan.pk,
            expected_revision=start,
            kind="section",
            node_id=nodes.events.pk,
            new_parent_id=None,
            new_index=0,
        )
    with pytest.raises(PlanConflict):
        editing.plan_update_header(actor=chair, plan_id=plan.pk, expected_revision=None, title="x", guiding_ideas="")
    item.refresh_from_db()
    assert item.content == "第一个人"
    assert ed.revision == start + 1
    assert AuditEntry.objects.count() == audits


def test_a_plan_that_left_draft_is_frozen(ed, plan):
    nodes = build(ed)
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.APPROVED)
    with pytest.raises(PlanNotDraft, match="只有草稿可以修改；已批准的计划请新建版本"):
        ed.section_update(section_id=nodes.org.pk, title="改")
    with pytest.raises(PlanNotDraft):
        ed.schedule_entry_add(month_text="3月", activity="植树")


def test_only_the_units_drafters_may_edit(plan, committee, member):
    for user in (committee, member):
        with pytest.raises(PermissionDenied):
            editing.section_add(actor=user, plan_id=plan.pk, expected_revision=0, title="x")
    assert not Section.objects.exists()


def test_schedule_entries(ed, plan):
    march = ed.schedule_entry_add(month_text="3月", activity="三八节活动")
    ed.schedule_entry_add(month_text="元月", activity="迎新年", after_id=None)
    summer = ed.schedule_entry_add(month_text="七、八月份", activity="暑期疗养")
    summer.refresh_from_db()
    assert (summer.month_start, summer.month_end) == (7, 8)
    ed.schedule_entry_move(entry_id=summer.pk, new_index=0)
    assert list(plan.schedule.values_list("month_text", flat=True)) == ["七、八月份", "3月", "元月"]
    ed.schedule_entry_update(entry_id=march.pk, month_text="十一月份", activity="运动会")
    march.refresh_from_db()
    assert (march.month_start, march.month_end, march.activity) == (11, 11, "运动会")
    ed.schedule_entry_delete(entry_id=summer.pk)
    assert list(plan.schedule.values_list("position", flat=True)) == [0, 1]
    with pytest.raises(PlanEditError) as error:
        ed.schedule_entry_add(month_text="", activity="")
    assert set(error.value.message_dict) == {"month_text"}


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("元月", (1, 1)),
        ("3月", (3, 3)),
        ("十二月", (12, 12)),
        ("十一月份", (11, 11)),
        ("七、八月份", (7, 8)),
        ("3-5月", (3, 5)),
        ("全年", (None, None)),
        ("春季", (None, None)),
    ],
)
def test_months_of(text, months):
    assert editing.months_of(text) == months


def test_copy_from_last_year_resets_progress(ed, plan, chair, org):
    nodes = build(ed)
    ed.schedule_entry_add(month_text="3月", activity="三八节")
    Item.objects.filter(content="学习").update(status=ItemStatus.DONE, progress_note="已完成三次")
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.ARCHIVED)
    new = editing.plan_copy_from(actor=chair, source_plan_id=plan.pk, org_unit=org.school, year=2027)
    assert (new.status, new.year, new.version, new.revision) == (PlanStatus.DRAFT, 2027, 1, 0)
    assert new.title == "第一中学工会2027年工作计划"
    assert labels(new) == labels(plan)
    items = Item.objects.filter(section__plan=new)
    assert {i.status for i in items} == {ItemStatus.NOT_STARTED}
    assert {i.progress_note for i in items} == {""}
    assert items.get(content="学习").deadline_due == datetime.date(2027, 3, 31)
    assert list(new.schedule.values_list("month_text", "activity")) == [("3月", "三八节")]
    # The source is untouched.
    assert Item.objects.get(section__plan=plan, content="学习").status == ItemStatus.DONE
    assert nodes.org.plan_id == plan.pk
    assert AuditEntry.objects.get(action="plan.copy").changes["items"] == 3


def test_copy_needs_a_visible_source(ed, plan, other_committee, org):
    with pytest.raises(PlanEditError, match="没有找到要复制的计划"):
        editing.plan_copy_from(actor=other_committee, source_plan_id=plan.pk, org_unit=org.ward, year=2027)


def _parsed():
    item = SimpleNamespace
    return SimpleNamespace(
        title="工会2026年工作计划",
        year=2026,
        guiding_ideas="坚持以职工为中心",
        sections=[
            SimpleNamespace(
                title="健全女工组织",
                level=1,
                items=[
                    item(
                        content="组织健全",
                        goal="完善体系",
                        measures="建立委员会",
                        deadline_text="3月25日前",
                        owner_text="女工委员",
                    ),
                    item(content="定期开会", goal="", measures="", deadline_text="6月;12月", owner_text=""),
                ],
                children=[
                    SimpleNamespace(
                        title="档案",
                        level=2,
                        items=[item(content="更新档案", goal="", measures="", deadline_text="尽快", owner_text="")],
                        children=[],
                    )
                ],
            ),
            SimpleNamespace(title="民主管理", level=1, items=[], children=[]),
        ],
        schedule=[
            SimpleNamespace(month_text="元月", activities=["迎新年", "送温暖"]),
            SimpleNamespace(month_text="七、八月份", activities=["暑期疗养"]),
        ],
        warnings=[],
    )


def test_create_from_parsed_builds_the_tree(chair, org):
    plan = editing.plan_create_from_parsed(actor=chair, org_unit=org.school, year=2026, parsed=_parsed())
    assert plan.title == "工会2026年工作计划"
    assert plan.guiding_ideas == "坚持以职工为中心"
    assert labels(plan) == [
        "一、健全女工组织",
        "1、组织健全",
        "2、定期开会",
        "（一）档案",
        "1、更新档案",
        "二、民主管理",
    ]
    first = Item.objects.get(content="组织健全")
    assert (first.goal, first.measures, first.owner_text) == ("完善体系", "建立委员会", "女工委员")
    assert first.deadline_due == datetime.date(2026, 3, 25)
    assert not Item.objects.get(content="更新档案").deadline_ok
    assert list(plan.schedule.values_list("month_text", "month_start", "month_end", "activity")) == [
        ("元月", 1, 1, "迎新年\n送温暖"),
        ("七、八月份", 7, 8, "暑期疗养"),
    ]
    assert AuditEntry.objects.get(action="plan.import").changes["items"] == 3


def test_create_from_parsed_takes_the_reviewed_title_and_fits_long_text(chair, org):
    parsed = _parsed()
    parsed.sections[1].items = [
        SimpleNamespace(content="x", goal="", measures="", deadline_text="", owner_text="y" * 500)
    ]
    plan = editing.plan_create_from_parsed(
        actor=chair, org_unit=org.school, year=2026, parsed=parsed, title="改过的标题"
    )
    assert plan.title == "改过的标题"
    assert len(Item.objects.get(content="x").owner_text) == 100
    with pytest.raises(PlanEditError, match="已有 2026 年的计划"):
        editing.plan_create_from_parsed(actor=chair, org_unit=org.school, year=2026, parsed=_parsed())
    assert Plan.objects.count() == 1


def test_create_from_parsed_is_all_or_nothing(chair, org, monkeypatch):
    def broken(month_text):
        raise RuntimeError("boom")

    monkeypatch.setattr(editing.plan, "months_of", broken)
    with pytest.raises(RuntimeError):
        editing.plan_create_from_parsed(actor=chair, org_unit=org.school, year=2026, parsed=_parsed())
    assert not Plan.objects.exists()
    assert not Section.objects.exists()
    assert not ScheduleEntry.objects.exists()


def _big_plan(ed, sections, items_per_section):
    for s in range(sections):
        section = ed.section_add(title=f"章{s}")
        sub = ed.section_add(parent_id=section.pk, title=f"节{s}")
        for i in range(items_per_section):
            ed.item_add(section_id=sub.pk, content=f"条目{s}-{i}", deadline_text="3月")


@pytest.mark.parametrize(("sections", "items"), [(1, 1), (8, 6)])
def test_plan_tree_costs_two_queries_whatever_the_size(ed, plan, sections, items):
    _big_plan(ed, sections, items)
    last = Item.objects.order_by("pk").last().pk
    with CaptureQueriesContext(connection) as queries:
        tree = plan_tree(plan)
        found = find_node(tree, "item", last)
        assert found is not None
        assert found.deadline.ok
    assert len(queries) == 2
    assert len(outline(tree)) == sections * (2 + items)


# --- Two editors at once (PostgreSQL) ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite has no row locks (select_for_update is a no-op) and its in-memory test database "
    "cannot be shared between threads; run with DATABASE_URL=postgres://…",
)
def test_two_editors_saving_at_once_one_gets_a_conflict(chair, org, monkeypatch):
    plan = editing.plan_create(actor=chair, org_unit=org.school, year=2026, title="计划")
    section = editing.section_add(actor=chair, plan_id=plan.pk, expected_revision=0, title="组织")
    item = editing.item_add(actor=chair, plan_id=plan.pk, expected_revision=1, section_id=section.pk, content="原文")
    real_audit = editing.base.audit_record

    def slow_audit(**kwargs):
        # Hold the plan lock a while, so the other editor really arrives while this one is inside.
        time.sleep(0.3)
        return real_audit(**kwargs)

    monkeypatch.setattr(editing.base, "audit_record", slow_audit)
    texts = ("甲的修改", "乙的修改")
    outcomes = run_at_once(
        lambda n: editing.item_update(
            actor=chair, plan_id=plan.pk, expected_revision=2, item_id=item.pk, content=texts[n]
        ),
        2,
        refusals=(PlanConflict,),
    )
    assert sum(o.ok for o in outcomes) == 1, outcomes
    winner = next(text for text, o in zip(texts, outcomes, strict=True) if o.ok)
    item.refresh_from_db()
    assert item.content == winner
    plan.refresh_from_db()
    assert plan.revision == 3
