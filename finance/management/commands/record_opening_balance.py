"""Record a unit's 上年结余 for a year through the ledger service (once; audited as the given user).

manage.py record_opening_balance --unit 第一中学工会 --year 2026 --amount 12345.67 --user treasurer
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from finance import services
from members.models import OrgUnit


class Command(BaseCommand):
    help = "录入某单位某年度的上年结余（每年一次，记入审计日志）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--unit", required=True, help="单位名称或编号")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--amount", required=True)
        parser.add_argument("--user", required=True, help="录入人的用户名（须有记账权限）")

    def handle(self, *args: Any, unit: str, year: int, amount: str, user: str, **options: Any) -> None:
        units = OrgUnit.objects.filter(pk=int(unit)) if unit.isdigit() else OrgUnit.objects.filter(name=unit)
        if units.count() != 1:
            raise CommandError(f"找不到唯一的单位：{unit}")
        actor = get_user_model().objects.filter(username=user).first()
        if actor is None:
            raise CommandError(f"找不到用户：{user}")
        try:
            balance = services.opening_balance_record(actor=actor, org_unit=units.get(), year=year, amount=amount)
        except (ValidationError, PermissionDenied) as error:
            raise CommandError("；".join(getattr(error, "messages", [str(error)]))) from error
        self.stdout.write(f"{balance.org_unit} {balance.year}年上年结余：{balance.amount}")
