"""python manage.py seed_demo_welfare: a hardship file, an aid application on 公示, a visit, and the
county's 金秋助学 campaign open for applications
(run after seed_demo and seed_demo_finance: payouts need the school's approved budget).

Everything goes through welfare/services.py as the demo chair, so the steps, the audit log, the
reminders and the ledger entry are the real ones. Runs once: a second run finds the file and stops.
"""

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from finance.models import Budget, BudgetStatus
from members.models import Member, OrgUnit
from welfare.models import AidApplication, Campaign, CampaignTier, HardshipFile
from welfare.services import aid, hardship, visits

SCHOOL, BRANCH, CHAIR = "清河县第一中学工会", "高二年级分工会", "chair"
COUNTY, COUNTY_CHAIR = "清河县总工会", "county_chair"


class Command(BaseCommand):
    help = "Demo welfare records for the demo school (after seed_demo and seed_demo_finance)."

    def handle(self, *args: Any, **options: Any) -> None:
        if HardshipFile.objects.exists():
            self.stdout.write("welfare demo already seeded")
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
                :3
            ]
        )
        if len(people) < 3:
            raise CommandError(f"“{BRANCH}”没有足够的演示会员。")
        head, applicant, visited = people
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
            for action, fields in [
                ("screen", {"comment": "材料齐全，情况属实，同意上报。"}),
                (
                    "verify",
                    {
                        "visited_on": today - dt.timedelta(days=2),
                        "visitors": "王建国、李晓梅",
                        "findings": "入户核实，住院发票与诊断证明属实。",
                    },
                ),
                ("decide", {"amount_granted": "5000.00", "comment": "主席办公会审定。"}),
                ("publish", {}),
            ]:
                aid.aid_transition(actor=chair, application_id=application.pk, action=action, **fields)
            visits.visit_record(
                actor=chair,
                member=visited,
                kind="illness",
                cause="腰椎手术住院",
                visited_on=today,
                amount="800.00",
                is_cash=True,
                visitors="王建国、赵丽华",
            )
            self._campaign(today)
        self.stdout.write(
            f"welfare demo: file of {head.name}, application of {applicant.name} on 公示 "
            f"(#{AidApplication.objects.get(pk=application.pk).pk}), visit to {visited.name}"
        )

    def _campaign(self, today) -> None:
        """金秋助学 of the county, open from a week ago, applications for three more weeks."""
        county = OrgUnit.objects.filter(name=COUNTY).first()
        boss = get_user_model().objects.filter(username=COUNTY_CHAIR).first()
        if county is None or boss is None:
            return
        campaign = Campaign.objects.create(
            org_unit=county,
            title=f"{today.year}年金秋助学",
            year=today.year,
            opens_on=today - dt.timedelta(days=7),
            deadline=today + dt.timedelta(days=21),
            closes_on=today + dt.timedelta(days=45),
            eligibility="当年考入二本及以上院校的困难职工子女（在档困难职工或因病、因灾临时困难）。",
            required_documents=["书面申请", "户口簿和身份证", "录取通知书"],
            created_by=boss,
        )
        CampaignTier.objects.create(campaign=campaign, name="一档", quota=5, amount="5000.00", years=4)
        CampaignTier.objects.create(campaign=campaign, name="二档", quota=15, amount="2000.00", years=1)
