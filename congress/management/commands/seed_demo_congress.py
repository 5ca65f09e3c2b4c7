"""python manage.py seed_demo_congress: the demo school's 教代会 with delegates and motions.

Runs after members' seed_demo. Builds 第二届第一次教职工代表大会 of 清河县第一中学工会 with the
motion window open around today (so the demo works whatever the date), about 40 delegates from the
demo roster — among them the demo logins chair, committee, women and auditor; `member` stays a
plain member (a member suggests, a delegate proposes) — and a few motions along the workflow, the
handled ones assigned to 总务处, the demo handler's department. Deterministic; a second run changes
nothing.
"""

import datetime
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from congress import services
from congress.models import (
    CongressSession,
    CoSigner,
    Delegate,
    DelegateCategory,
    Motion,
    MotionEvaluation,
    MotionStatus,
    Satisfaction,
    Suggestion,
)
from members.models import Department, Member, OrgUnit

UNIT = "清河县第一中学工会"
SEED = 2026
DELEGATES = 40
# Demo logins that are delegates, and their category.
LOGIN_DELEGATES = {
    "chair": DelegateCategory.LEADER,
    "committee": DelegateCategory.FRONTLINE,
    "women": DelegateCategory.FRONTLINE,
    "auditor": DelegateCategory.FRONTLINE,
}
GROUPS = {
    "高一年级分工会": "高一年级代表团",
    "语文组工会小组": "高一年级代表团",
    "数学组工会小组": "高一年级代表团",
    "高二年级分工会": "高二年级代表团",
    "行政后勤分工会": "行政后勤代表团",
}

# (title, category, 案由, 建议, how far it goes)
MOTIONS = [
    (
        "关于改善教职工食堂就餐条件的提案",
        "life",
        "学校食堂午餐高峰时段排队时间超过二十分钟，菜品品种单一，部分教师因课务无法按时就餐。",
        "1. 高峰时段增开两个售饭窗口；\n2. 每周五公布下周菜谱，增加清淡菜品；\n3. 为有课教师提供留餐服务。",
        "closed",
    ),
    (
        "关于完善青年教师培养机制的提案",
        "training",
        "近三年新入职教师二十余名，师徒结对流于形式，青年教师参加外出培训机会少。",
        "1. 制定青年教师三年成长计划；\n2. 师徒结对纳入绩效考核；\n3. 每年安排青年教师外出培训不少于一次。",
        "assigned",
    ),
    (
        "关于增设教职工子女课后托管的提案",
        "life",
        "双职工教师下班时间晚于子女放学时间，接送困难。",
        "利用学校现有场地开设课后托管班，由工会组织志愿者轮值。",
        "reviewing",
    ),
]
SUGGESTIONS = [
    ("办公室饮水机老化，建议更换", "二楼办公室饮水机使用已超过八年，出水慢且有异味。"),
    ("建议工会组织教职工羽毛球比赛", "不少教职工喜欢羽毛球，希望每学期组织一次比赛。"),
]


class Command(BaseCommand):
    help = "为演示学校工会生成第二届第一次教职工代表大会：代表、提案与意见建议（先运行 seed_demo）"

    def handle(self, *args: Any, **options: Any) -> None:
        unit = OrgUnit.objects.filter(name=UNIT).first()
        users = {
            u.username: u
            for u in get_user_model().objects.filter(username__in=[*LOGIN_DELEGATES, "motions", "handler"])
        }
        if unit is None or len(users) < len(LOGIN_DELEGATES) + 2:
            raise CommandError("没有找到演示单位或演示账号，请先运行 python manage.py seed_demo。")
        if CongressSession.objects.filter(org_unit=unit, term=2, meeting=1).exists():
            self.stdout.write("演示学校已有第二届第一次教职工代表大会，未重复生成。")
            return
        with transaction.atomic():
            session = self._session(unit, users["motions"])
            delegates = self._delegates(session, users)
            self._motions(session, delegates, users)
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成{session.title}：代表 {len(delegates)} 名，提案 {len(MOTIONS)} 件"
                "（演示账号 committee、women 是代表）"
            )
        )

    def _session(self, unit: OrgUnit, motions_user: Any) -> CongressSession:
        today = timezone.localdate()
        return services.session_save(
            actor=motions_user,
            org_unit=unit,
            values={
                "kind": CongressSession.Kind.TEACHERS,
                "term": 2,
                "meeting": 1,
                "year": today.year,
                "meeting_date": today + datetime.timedelta(days=21),
                "motions_open_on": today - datetime.timedelta(days=14),
                "motions_close_on": today + datetime.timedelta(days=14),
                # One co-signer is enough in the demo, so a walk-through needs only two delegates.
                "min_cosigners": 1,
                "reply_due_on": today + datetime.timedelta(days=60),
                "frontline_min_percent": 50,
                "leaders_max_percent": 20,
                "women_margin_percent": 5,
            },
        )

    def _delegates(self, session: CongressSession, users: dict[str, Any]) -> list[Delegate]:
        roster = list(
            Member.objects.filter(org_unit__path__startswith=session.org_unit.path, status=Member.Status.ACTIVE)
            .select_related("org_unit", "user")
            .order_by("member_no", "pk")
        )
        by_user = {m.user.username: m for m in roster if m.user_id and m.user.username in LOGIN_DELEGATES}
        others = [m for m in roster if not m.user_id]
        chosen = list(by_user.values()) + random.Random(SEED).sample(others, DELEGATES - len(by_user))
        rng = random.Random(SEED + 1)
        result = []
        for member in chosen:
            username = member.user.username if member.user_id else None
            if username:
                category = LOGIN_DELEGATES[username]
            elif member.frontline:
                category = DelegateCategory.FRONTLINE if rng.random() < 0.8 else DelegateCategory.TECHNICAL
            else:
                category = DelegateCategory.LEADER if rng.random() < 0.2 else DelegateCategory.MANAGEMENT
            result.append(
                Delegate.objects.create(
                    session=session,
                    member=member,
                    group=GROUPS.get(member.org_unit.name, "行政后勤代表团"),
                    category=category,
                    gender=member.gender,
                )
            )
        return result

    def _motions(self, session: CongressSession, delegates: list[Delegate], users: dict[str, Any]) -> None:
        committee, handler = users["motions"], users["handler"]
        plain = [d for d in delegates if not d.member.user_id]
        general = Department.objects.get(org_unit=session.org_unit, name="总务处")
        teaching = Department.objects.get(org_unit=session.org_unit, name="教务处")
        now = timezone.now()
        for i, (title, category, reason, proposal, goal) in enumerate(MOTIONS):
            proposer, cosigner = plain[2 * i], plain[2 * i + 1]
            motion = Motion.objects.create(
                session=session,
                proposer=proposer,
                title=title,
                category=category,
                reason=reason,
                proposal=proposal,
                status=MotionStatus.REVIEWING,
                submitted_at=now,
            )
            CoSigner.objects.create(motion=motion, delegate=cosigner, confirmed_at=now)
            if goal == "reviewing":
                continue
            services.motion_register(actor=committee, motion_id=motion.pk)
            services.motion_assign(
                actor=committee,
                motion_id=motion.pk,
                lead_department_id=general.pk if goal == "closed" else teaching.pk,
                co_department_ids=[teaching.pk] if goal == "closed" else [general.pk],
                due_on=session.reply_due_on,
            )
            if goal == "closed":
                services.motion_reply(
                    actor=handler,
                    motion_id=motion.pk,
                    department_id=general.pk,
                    text="总务处收到提案后进行了调研：\n一、自本学期起午餐高峰增开两个窗口；\n二、每周五在食堂公示下周菜谱；\n三、为有课教师提供留餐服务。",
                )
                # The proposer has no login in the demo: their rating is written as the service would.
                MotionEvaluation.objects.create(motion=motion, round=1, rating=Satisfaction.SATISFIED)
                Motion.objects.filter(pk=motion.pk).update(
                    status=MotionStatus.EVALUATED, satisfaction=Satisfaction.SATISFIED
                )
                services.motion_close(actor=committee, motion_id=motion.pk)
                services.motion_set_flags(actor=committee, motion_id=motion.pk, is_key=True, is_excellent=True)
        for i, (title, content) in enumerate(SUGGESTIONS):
            Suggestion.objects.create(session=session, author=plain[10 + i].member, title=title, content=content)
