"""python manage.py seed_demo_activities: events, a weekly schedule and an interest group for the demo school.

Runs after members' seed_demo. Dates are relative to today so that the events are open for
sign-up whenever the demo is started; everything is looked up by unit and title first, so running
the command again adds nothing.
"""

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from activities import services
from activities.models import Eligibility, Event, EventStatus, InterestGroup, PolicyRule, Recurrence, Schedule
from members.models import Member, OrgUnit

COUNTY, SCHOOL = "清河县总工会", "清河县第一中学工会"
SPORTS_ITEMS = [("拔河", 40), ("乒乓球", 16), ("羽毛球", 16), ("定点投篮", None)]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _next_weekday(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def womens_event(today: dt.date) -> tuple[str, str, str]:
    """(title, kind, description) of next week's women-only event: the 三八 event around March,
    a 女职工 health lecture the rest of the year (a 三八 event in December would look wrong)."""
    if today.month in (2, 3):
        return (
            "三八妇女节插花茶艺活动",
            Event.Kind.WOMENS_DAY,
            "庆祝“三八”国际劳动妇女节，邀请花艺老师现场教学，茶艺体验。名额有限，报满后可候补。",
        )
    return (
        "女职工健康知识讲座",
        Event.Kind.TRAINING,
        "邀请县人民医院妇产科专家讲解女职工常见病预防与“两癌”筛查。名额有限，报满后可候补。",
    )


class Command(BaseCommand):
    help = "为演示学校工会生成活动、比赛项目、周期性活动和兴趣小组（先运行 seed_demo）"

    def handle(self, *args: Any, **options: Any) -> None:
        users = {
            u.username: u for u in get_user_model().objects.filter(username__in=["chair", "women", "county_chair"])
        }
        school = OrgUnit.objects.filter(name=SCHOOL).first()
        county = OrgUnit.objects.filter(name=COUNTY).first()
        if school is None or county is None or len(users) < 3:
            raise CommandError("没有找到演示单位或账号，请先运行 python manage.py seed_demo。")
        if Event.objects.filter(org_unit=school).exists():
            self.stdout.write("演示学校已有活动，未重复生成。")
            return
        today = timezone.localdate()
        with transaction.atomic():
            self._rules(users["county_chair"], county)
            self._events(users, school, today)
            self._schedules(users["chair"], school, today)
            self._group(users["chair"], school, today)
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成演示活动：{womens_event(today)[0]}、趣味运动会（含比赛项目）、每周五全员健身、书法兴趣小组。"
            )
        )

    def _rules(self, actor: Any, county: OrgUnit) -> None:
        rules = [
            (Event.Kind.RETREAT, PolicyRule.Kind.MAX_DAYS, Decimal("2"), PolicyRule.Severity.WARN),
            (Event.Kind.RETREAT, PolicyRule.Kind.MAX_PER_PERSON_DAY, Decimal("400"), PolicyRule.Severity.WARN),
            (Event.Kind.CHECKUP, PolicyRule.Kind.NO_UNION_FUNDS, None, PolicyRule.Severity.BLOCK),
        ]
        for kind, rule, limit, severity in rules:
            services.policy_rule_create(
                actor=actor,
                org_unit=county,
                event_kind=kind,
                rule=rule,
                limit=limit,
                severity=severity,
                note="县总工会职工疗休养和体检经费使用规定",
                reason="县总工会职工疗休养和体检经费使用规定",
            )

    def _events(self, users: dict[str, Any], school: OrgUnit, today: dt.date) -> None:
        chair, women = users["chair"], users["women"]
        responsible = Member.objects.filter(user=women).first()
        day = _next_weekday(today + dt.timedelta(days=5), 5)  # a Saturday next week
        title, kind, description = womens_event(today)
        services.event_create(
            actor=women,
            org_unit=school,
            title=title,
            kind=kind,
            starts_at=_at(day, 14),
            ends_at=_at(day, 16, 30),
            place="学校图书馆二楼",
            description=description,
            eligibility=Eligibility.WOMEN,
            capacity=30,
            budget=Decimal("3000.00"),
            responsible=responsible,
            status=EventStatus.OPEN,
        )
        sports_day = _next_weekday(today + dt.timedelta(days=9), 4)  # the Friday after next
        sports = services.event_create(
            actor=chair,
            org_unit=school,
            title="教职工趣味运动会",
            kind=Event.Kind.SPORTS_DAY,
            starts_at=_at(sports_day, 14),
            ends_at=_at(sports_day, 17, 30),
            place="学校田径场",
            description="以年级分工会为单位组队参赛；每人最多报两个比赛项目。",
            capacity=120,
            items_per_person=2,
            signup_closes_at=_at(sports_day - dt.timedelta(days=2), 17),
            budget=Decimal("8000.00"),
            responsible=Member.objects.filter(user=chair).first(),
            status=EventStatus.OPEN,
        )
        items = [services.sub_event_add(actor=chair, event_id=sports.pk, name=n, capacity=c) for n, c in SPORTS_ITEMS]
        rng = random.Random(2026)
        people = list(
            Member.objects.filter(
                org_unit__path__startswith=school.path, status=Member.Status.ACTIVE, user__isnull=True
            ).order_by("pk")[:60]
        )
        for member in rng.sample(people, min(18, len(people))):
            signup = services.signup_create(actor=chair, event_id=sports.pk, member=member)
            for item in rng.sample(items, rng.randint(1, 2)):
                services.item_enter(actor=chair, signup_id=signup.pk, sub_event_id=item.pk)
        retreat_day = today + dt.timedelta(days=40)
        services.event_create(
            actor=chair,
            org_unit=school,
            title="优秀教师疗休养",
            kind=Event.Kind.RETREAT,
            starts_at=_at(retreat_day, 8),
            ends_at=_at(retreat_day + dt.timedelta(days=1), 18),
            place="县职工疗休养基地",
            eligibility=Eligibility.ALL,
            capacity=20,
            budget=Decimal("16000.00"),
        )

    def _schedules(self, chair: Any, school: OrgUnit, today: dt.date) -> None:
        fitness = services.schedule_create(
            actor=chair,
            org_unit=school,
            title="全员健身",
            kind=Event.Kind.CONTEST,
            recurrence=Recurrence.WEEKLY,
            weekday=4,
            start_time=dt.time(14),
            end_time=dt.time(17),
            starts_on=today.replace(month=1, day=1),
            place="学校体育馆",
            description="羽毛球、乒乓球、瑜伽，教职工自愿参加。",
        )
        national_day_friday = _next_weekday(dt.date(today.year, 10, 1), 4)
        services.schedule_skip(actor=chair, schedule_id=fitness.pk, date=national_day_friday, reason="国庆放假")
        services.schedule_create(
            actor=chair,
            org_unit=school,
            title="工会小组长例会",
            kind=Event.Kind.MEETING,
            recurrence=Recurrence.QUARTERLY,
            month_of_quarter=1,
            day=9,
            start_time=dt.time(16),
            end_time=dt.time(17),
            starts_on=today.replace(month=1, day=1),
            place="工会办公室",
        )
        assert Schedule.objects.filter(org_unit=school).count() == 2

    def _group(self, chair: Any, school: OrgUnit, today: dt.date) -> None:
        members = list(
            Member.objects.filter(
                org_unit__path__startswith=school.path, status=Member.Status.ACTIVE, user__isnull=False
            ).order_by("pk")
        )
        leader = next((m for m in members if m.user.username == "women"), members[0])
        group = services.group_create(
            actor=chair,
            org_unit=school,
            name="书法兴趣小组",
            leader=leader,
            description="每周三下午临帖交流，欢迎零基础的老师加入。",
        )
        plan = services.group_plan_save(
            actor=leader.user,
            group_id=group.pk,
            year=today.year,
            content="1. 每月一次集体临帖与点评；\n2. 5月举办教职工书法作品展；\n3. 春节前为教职工书写春联。",
            budget_requested=Decimal("3000.00"),
        )
        services.group_plan_transition(actor=leader.user, plan_id=plan.pk, action="submit")
        assert InterestGroup.objects.filter(org_unit=school).exists()
