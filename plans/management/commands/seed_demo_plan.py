"""python manage.py seed_demo_plan: a draft work plan of the current year for the demo school, read from a real plan.

Runs after members' seed_demo (the plans app may use members, not the other way round). The text
in plans/demo/school_plan.txt is one of the published school union plans our importer is tested
on, so the demo shows what a pasted Word plan becomes.
"""

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from members.models import OrgUnit
from plans.editing import plan_create_from_parsed
from plans.importer import parse_plan
from plans.models import Plan

DEMO_TEXT = Path(__file__).resolve().parents[2] / "demo" / "school_plan.txt"
UNIT, CHAIR = "清河县第一中学工会", "chair"


class Command(BaseCommand):
    help = "为演示学校工会生成一份本年度工作计划草稿（先运行 seed_demo）"

    def handle(self, *args: Any, **options: Any) -> None:
        unit = OrgUnit.objects.filter(name=UNIT).first()
        chair = get_user_model().objects.filter(username=CHAIR).first()
        if unit is None or chair is None:
            raise CommandError("没有找到演示单位或主席账号，请先运行 python manage.py seed_demo。")
        year = timezone.localdate().year
        if Plan.objects.filter(org_unit=unit, year=year).exists():
            self.stdout.write(f"{UNIT}已有{year}年工作计划，未重复生成。")
            return
        parsed = parse_plan(DEMO_TEXT.read_text(encoding="utf-8"), year=year)
        plan = plan_create_from_parsed(
            actor=chair, org_unit=unit, year=year, parsed=parsed, title=f"{UNIT}{year}年工作计划"
        )
        self.stdout.write(self.style.SUCCESS(f"已生成工作计划草稿：{plan.title}"))
