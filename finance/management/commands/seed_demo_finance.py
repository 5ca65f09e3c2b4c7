"""python manage.py seed_demo_finance: the demo school's books of the current year (run after seed_demo).

An approved budget with one adjustment, dues for January to April from the members' wage
bases (filled in where the roster has none), four months of typical income and spending, one
mistake corrected by a red-ink reversal, and January and February closed. The entries below are
written for 2026 and booked in the current year (welfare pays from this year's budget); in the
first months of a year only what has already happened is booked (the ledger refuses future dates). Everything is booked
through finance/services/ as the demo treasurer and chair, so the vouchers, the audit log and
the budget checks are the real ones. Runs once: a second run finds the budget and stops.
"""

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from finance import services
from finance.chart import load_chart
from finance.models import Account, Budget, LedgerEntry
from finance.services import dues
from members.models import Member, OrgUnit

# YEAR: the year ENTRIES are written in (bench/load_mixed.py books them as they are).
UNIT, TREASURER, CHAIR, YEAR = "清河县第一中学工会", "treasurer", "chair", 2026

# (code, 上年决算, 本年预算)
BUDGET = [
    ("401", "28500.00", "30000.00"),
    ("402", "236000.00", "240000.00"),
    ("403", "18000.00", "20000.00"),
    ("408", "1500.00", "2000.00"),
    ("50101", "56000.00", "60000.00"),
    ("50102", "88000.00", "90000.00"),
    ("50103", "9000.00", "10000.00"),
    ("50201", "26000.00", "30000.00"),
    ("50202", "38000.00", "40000.00"),
    ("503", "14000.00", "15000.00"),
    ("504", "7600.00", "8000.00"),
    ("505", "0.00", "12000.00"),
]

# (date, code, amount, 摘要, 往来单位/个人)
ENTRIES = [
    ("2026-01-05", "50101", "6800.00", "元旦文艺汇演服装道具", "清河县星光演出服务部"),
    ("2026-01-12", "403", "5000.00", "县总工会拨付送温暖补助资金", "清河县总工会"),
    ("2026-01-20", "50202", "12600.00", "春节慰问在职教职工（米、油）", "清河县惠民超市"),
    ("2026-01-26", "50201", "3000.00", "困难职工帮扶：张老师家庭重病", "张丽"),
    ("2026-02-06", "50202", "4800.00", "春节走访慰问退休教职工", "离退休教职工"),
    ("2026-02-10", "504", "860.00", "工会办公用品", "清河县文汇文具店"),
    ("2026-02-24", "50102", "2300.00", "教职工生日蛋糕券（2月）", "清河县麦香坊"),
    ("2026-03-06", "50101", "4200.00", "三八妇女节女教职工健步走活动", "学校工会"),
    ("2026-03-16", "402", "60000.00", "学校拨缴一季度工会经费", "清河县第一中学"),
    ("2026-03-20", "50103", "1800.00", "教职工心理健康讲座讲课费", "县心理咨询中心"),
    ("2026-04-10", "50101", "7500.00", "春季教职工趣味运动会", "清河县体育用品商店"),
    ("2026-04-18", "50201", "2000.00", "困难职工帮扶：李老师子女助学", "李强"),
    ("2026-04-22", "503", "1200.00", "工会干部业务培训资料费", "县总工会培训中心"),
]
# Booked twice by mistake in February, reversed in March.
MISTAKE = ("2026-02-24", "50102", "2300.00", "教职工生日蛋糕券（2月）重复录入", "清河县麦香坊")
DUES_MONTHS = [1, 2, 3, 4]
CLOSED_MONTHS = [1, 2]


class Command(BaseCommand):
    help = "为演示学校工会生成本年度经费账：预算、会费、四个月的收支、红字冲销、已结账月份（先运行 seed_demo）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="在生产环境中也运行（请勿在真实账套上使用）")

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False) and not force:
            raise CommandError("拒绝在生产环境生成演示账目；确需如此请加 --force。")
        load_chart(Account)
        unit = OrgUnit.objects.filter(name=UNIT).first()
        users = get_user_model().objects.in_bulk([TREASURER, CHAIR], field_name="username")
        if unit is None or len(users) < 2:
            raise CommandError("没有找到演示单位或财务、主席账号，请先运行 python manage.py seed_demo。")
        today = timezone.localdate()
        year = today.year
        if Budget.objects.filter(org_unit=unit, year=year).exists():
            self.stdout.write(f"{UNIT}已有{year}年预算，未重复生成演示账目。")
            return
        treasurer, chair = users[TREASURER], users[CHAIR]

        def this_year(day: str) -> str:
            return f"{year}{day[4:]}"

        with transaction.atomic():
            filled = self._fill_wage_bases(unit)
            self._budget(unit, treasurer, chair, year=year)
            # In date order, as a treasurer books them: voucher numbers follow the calendar.
            events: list[tuple[dt.date, Any]] = [
                (dues.default_booking_date(year, month), lambda month=month: self._dues(treasurer, unit, month, year))
                for month in DUES_MONTHS
            ]
            events += [
                (
                    dt.date.fromisoformat(this_year(row[0])),
                    lambda row=row: self._book(treasurer, unit, this_year(row[0]), *row[1:]),
                )
                for row in [*ENTRIES, MISTAKE]
            ]
            events.append((dt.date(year, 3, 2), lambda: self._reverse_mistake(treasurer, unit, year)))
            events = sorted((event for event in events if event[0] <= today), key=lambda event: event[0])
            for _day, event in events:
                event()
            closed = [month for month in CLOSED_MONTHS if dt.date(year, month + 1, 1) <= today]
            for month in closed:
                services.close_month(actor=treasurer, org_unit=unit, year=year, month=month)
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成{UNIT}{year}年经费账：预算已批复，{len(events)}笔会费和收支（含红字冲销），"
                f"已结账月份：{'、'.join(f'{m}月' for m in closed) or '无'}"
                + (f"；为{filled}名会员补填了会费工资基数" if filled else "")
                + "。"
            )
        )

    def _fill_wage_bases(self, unit: OrgUnit) -> int:
        """Demo wage bases (3,800–9,800 元, whole 10 元) for the dues-paying members who have none."""
        rng = random.Random(YEAR)
        missing = list(dues.dues_members(unit).filter(wage_base__isnull=True).order_by("pk"))
        for member in missing:
            member.wage_base = Decimal(rng.randrange(380, 981) * 10)
        Member.objects.bulk_update(missing, ["wage_base"])
        return len(missing)

    def _dues(self, treasurer: Any, unit: OrgUnit, month: int, year: int) -> None:
        dues.dues_batch_create(actor=treasurer, org_unit=unit, year=year, month=month)

    def _reverse_mistake(self, treasurer: Any, unit: OrgUnit, year: int) -> None:
        mistake = LedgerEntry.objects.get(org_unit=unit, summary=MISTAKE[3])
        services.reverse_entry(actor=treasurer, entry_id=mistake.pk, reason="重复录入", date=dt.date(year, 3, 2))

    def _budget(self, unit: OrgUnit, treasurer: Any, chair: Any, year: int = YEAR) -> None:
        budget = services.budget_create(actor=treasurer, org_unit=unit, year=year)
        accounts = dict(Account.objects.values_list("code", "pk"))
        values = {
            accounts[code]: services.LineValues(Decimal(previous), Decimal(planned))
            for code, previous, planned in BUDGET
        }
        services.budget_save_lines(actor=treasurer, budget_id=budget.pk, values=values)
        services.budget_transition(actor=treasurer, budget_id=budget.pk, action="submit")
        services.budget_transition(actor=chair, budget_id=budget.pk, action="approve")
        services.budget_adjust(
            actor=chair, budget_id=budget.pk, account="50201", amount="5000.00", reason="年中追加困难职工帮扶资金"
        )

    def _book(self, treasurer: Any, unit: OrgUnit, day: str, code: str, amount: str, summary: str, counterparty: str):
        return services.book_entry(
            actor=treasurer,
            org_unit=unit,
            date=dt.date.fromisoformat(day),
            account=code,
            amount=amount,
            summary=summary,
            counterparty=counterparty,
        )
