"""python manage.py seed_demo_welfare: a hardship file, an aid application on 公示, one whose 公示 has
ended (ready to pay), one waiting for the 高一年级分工会 committee's 初审, a visit, and the county's
金秋助学 campaign open for applications
(run after seed_demo and seed_demo_finance: payouts need the school's approved budget).

Everything goes through welfare/services.py as the demo chair, so the steps, the audit log, the
reminders and the ledger entry are the real ones; only the ended 公示 is moved back in time, so that
a payment can be walked on the day the demo is loaded. Dates are counted from today. Runs once: a
second run finds the file and stops.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from finance.models import Budget, BudgetStatus
from members.models import Member, OrgUnit
from welfare.models import AidApplication, Campaign, CampaignTier, HardshipFile
from welfare.services import aid, hardship, visits

SCHOOL, BRANCH, CHAIR = "清河县第一中学工会", "高二年级分工会", "chair"
# The demo `committee` account's 分工会: its 初审 queue gets one application.
COMMITTEE_BRANCH = "高一年级分工会"
COUNTY, COUNTY_CHAIR = "清河县总工会", "county_chair"


class Command(BaseCommand):
    help = "Demo welfare records for the demo school (after seed_demo and seed_demo_finance)."

    def handle(self, *args: Any, **options: Any) -> None:
        if HardshipFile.objects.exists():
            self.stdout.write("演示帮扶数据已存在，未重复生成。")
            return
        chair = get_user_model().objects.filter(username=CHAIR).first()
        school = OrgUnit.objects.filter(name=SCHOOL).first()
        if chair is None or school is None:
            raise CommandError("先运行 seed_demo（需要演示学校和主席账号）。")
        year = timezone.localdate().year
        if not Budget.objects.filter(org_unit=school, year=year, status=BudgetStatus.APPROVED).exists():
            raise CommandError(f"先运行 seed_demo_finance（发放需要 {year} 年已批复的预算）。")
        people = list(
            Member.objects.filter(org_unit__name=BRANCH, user__isnull=True, status=Member.Status.ACTIVE).order_by("pk")[
                :4
            ]
        )
        newcomer = (
            Member.objects.filter(org_unit__name=COMMITTEE_BRANCH, user__isnull=True, status=Member.Status.ACTIVE)
            .order_by("pk")
            .first()
        )
        if len(people) < 4 or newcomer is None:
            raise CommandError(f"“{BRANCH}”或“{COMMITTEE_BRANCH}”没有足够的演示会员。")
        head, applicant, visited, paid = people
        today = timezone.localdate()
        with transaction.atomic():
            hardship.file_open(
                actor=chair,
                member=head,
                level="deep",
                causes=["illness", "schooling"],
                situation="妻子患尿毒症长期透析，儿子在读高中，家庭主要靠本人工资维持。",
                monthly_income="4200.00",
                family=[
                    {"name": "王芳", "relation": "妻子", "birth_year": 1980, "occupation": "无业", "health": "尿毒症"},
                    {"name": head.name[0] + "子涵", "relation": "儿子", "birth_year": 2010, "occupation": "高中在读"},
                ],
                opened_on=today - dt.timedelta(days=340),  # re-check due within the month
            )
            application = aid.aid_create(
                actor=chair,
                member=applicant,
                kind="illness",
                amount_requested="6000.00",
                reason="本人今年 9 月确诊甲状腺癌，手术及术后治疗自付费用约 3.2 万元，家庭收入难以承担，申请大病救助。",
                submit=True,
            )
            self._to_notice(
                chair,
                application.pk,
                visited_on=today - dt.timedelta(days=2),
                visitors="王建国、李晓梅",
                findings="入户核实，住院发票与诊断证明属实。",
                granted="5000.00",
            )
            payable = self._payable(chair, paid, today)
            aid.aid_create(
                actor=chair,
                member=newcomer,
                kind="accident",
                amount_requested="3000.00",
                reason="上月暴雨致老家房屋受损，修缮费用约 1.5 万元，申请临时救助。",
                submit=True,
            )
            visits.visit_record(
                actor=chair,
                member=visited,
                kind="illness",
                cause="腰椎手术住院",
                cause_category="illness_surgery",
                visited_on=today,
                amount="800.00",
                is_cash=True,
                visitors="王建国、赵丽华",
            )
            self._campaign(today)
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成演示帮扶数据：{head.name}的困难档案；{applicant.name}的申请公示中，"
                f"{payable.member.name}的申请公示期满待发放；{newcomer.name}的申请待{COMMITTEE_BRANCH}初审；"
                f"{visited.name}的慰问；县总工会的金秋助学。"
            )
        )

    def _to_notice(self, chair, application_id: int, *, visited_on, visitors: str, findings: str, granted: str):
        """初审, 入户核实, 审定 and 公示, each through the real service as the chair."""
        steps = [
            ("screen", {"comment": "材料齐全，情况属实，同意上报。"}),
            ("verify", {"visited_on": visited_on, "visitors": visitors, "findings": findings}),
            ("decide", {"amount_granted": granted, "comment": "主席办公会审定。"}),
            ("publish", {}),
        ]
        for action, fields in steps:
            aid.aid_transition(actor=chair, application_id=application_id, action=action, **fields)

    def _payable(self, chair, member: Member, today: dt.date) -> AidApplication:
        """An application whose 公示 ended yesterday, with no objection: the 发放 step can be walked."""
        application = aid.aid_create(
            actor=chair,
            member=member,
            kind="schooling",
            amount_requested="3000.00",
            reason="两个孩子同时在读大学，学费和生活费压力大，申请子女就学救助。",
            submit=True,
        )
        self._to_notice(
            chair,
            application.pk,
            visited_on=today - dt.timedelta(days=1),
            visitors="王建国",
            findings="情况属实。",
            granted="2000.00",
        )
        days = settings.WELFARE_NOTICE_DAYS
        AidApplication.objects.filter(pk=application.pk).update(
            notice_starts_on=today - dt.timedelta(days=days), notice_ends_on=today - dt.timedelta(days=1)
        )
        return AidApplication.objects.select_related("member").get(pk=application.pk)

    def _campaign(self, today) -> None:
        """金秋助学 of the county, open from a week ago, applications for three more weeks.

        A real 金秋 round runs in July–September; out of that season the demo's round is a 补报
        (late applications) round, so that applying and reviewing can be walked on any day.
        """
        county = OrgUnit.objects.filter(name=COUNTY).first()
        boss = get_user_model().objects.filter(username=COUNTY_CHAIR).first()
        if county is None or boss is None:
            return
        campaign = Campaign.objects.create(
            org_unit=county,
            title=f"{today.year}年金秋助学" + ("" if 7 <= today.month <= 9 else "（补报）"),
            year=today.year,
            opens_on=today - dt.timedelta(days=7),
            deadline=today + dt.timedelta(days=21),
            closes_on=today + dt.timedelta(days=45),
            eligibility="当年考入二本及以上院校的困难职工子女（在档困难职工或因病、因灾临时困难）。",
            required_documents=[
                "书面申请",
                "户口簿和身份证",
                "录取通知书",
                {"label": "扶贫手册", "applicant_types": ["migrant"]},
            ],
            created_by=boss,
        )
        CampaignTier.objects.create(campaign=campaign, name="一档", quota=5, amount="5000.00", years=4)
        CampaignTier.objects.create(campaign=campaign, name="二档", quota=15, amount="2000.00", years=1)
