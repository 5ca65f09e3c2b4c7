"""Plans for tests and the bench, written straight to the database (no services, no audit).

`build_plan(unit, tree=[...])` takes the tree as nested dicts, which reads like the plan it makes:

    build_plan(org.school, tree=[{"title": "组织建设", "items": [{"content": "换届", "deadline_text": "3月"}],
                                  "children": [{"title": "制度", "items": [...]}]}])
"""

from typing import Any

from members.models import OrgUnit
from plans.deadlines import parse_deadline
from plans.models import Item, Plan, PlanStatus, ScheduleEntry, Section

DEFAULT_TREE: list[dict[str, Any]] = [
    {
        "title": "加强组织建设",
        "text": "",
        "items": [
            {
                "content": "召开会员代表大会，完成换届选举",
                "goal": "按期换届",
                "measures": "制定选举办法",
                "deadline_text": "3月25日前",
                "owner_text": "工会主席",
            },
            {"content": "完善女职工档案", "deadline_text": "4月;10月", "owner_text": "女工委员"},
        ],
        "children": [],
    },
    {
        "title": "开展文体活动",
        "items": [],
        "children": [
            {"title": "春季活动", "items": [{"content": "组织春季职工运动会", "deadline_text": "4月"}]},
            {"title": "秋季活动", "items": [{"content": "组织秋游", "deadline_text": "10月"}]},
        ],
    },
]

DEFAULT_SCHEDULE: list[tuple[str, str]] = [
    ("元月", "召开工会委员会全体会议"),
    ("三月", "三八妇女节活动"),
    ("十二月", "年终总结"),
]


def _item(section: Section, position: int, spec: dict[str, Any], year: int) -> Item:
    text = spec.get("deadline_text", "")
    deadline = parse_deadline(text, year) if text else None
    fields = {
        "deadline_due": deadline.due if deadline else None,
        "deadline_ok": deadline.ok if deadline else True,
        **spec,
    }
    return Item(section=section, position=position, **fields)


def _sections(plan: Plan, specs: list[dict[str, Any]], parent: Section | None) -> None:
    for position, spec in enumerate(specs):
        section = Section.objects.create(
            plan=plan, parent=parent, position=position, title=spec["title"], text=spec.get("text", "")
        )
        Item.objects.bulk_create(
            _item(section, index, item, plan.year) for index, item in enumerate(spec.get("items", []))
        )
        _sections(plan, spec.get("children", []), section)


def build_plan(
    unit: OrgUnit,
    *,
    year: int = 2026,
    status: str = PlanStatus.DRAFT,
    title: str = "",
    guiding_ideas: str = "以习近平新时代中国特色社会主义思想为指导，全心全意为职工服务。",
    tree: list[dict[str, Any]] | None = None,
    schedule: list[tuple[str, str]] | None = None,
    version: int = 1,
    previous: Plan | None = None,
    **fields: Any,
) -> Plan:
    plan = Plan.objects.create(
        org_unit=unit,
        year=year,
        status=status,
        title=title or f"{unit.name}{year}年工作计划",
        guiding_ideas=guiding_ideas,
        version=version,
        previous=previous,
        **fields,
    )
    _sections(plan, DEFAULT_TREE if tree is None else tree, None)
    ScheduleEntry.objects.bulk_create(
        ScheduleEntry(plan=plan, position=i, month_text=month, activity=activity)
        for i, (month, activity) in enumerate(DEFAULT_SCHEDULE if schedule is None else schedule)
    )
    return plan
