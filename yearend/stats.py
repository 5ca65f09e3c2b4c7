"""工会统计年报: the standard 基层工会 figures of a year, per base union and summed for a county.

One GROUP BY query per kind of record over the whole subtree, each row then put into the bucket
of its 基层工会 in Python: the cost does not grow with the number of units (bench/yearend.py).
A county's own rows (its 本级: members or books kept at the county itself) form one more bucket,
so the county total is exactly the sum of the buckets.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from congress.models import CongressSession, Motion
from congress.selectors import RECEIVED_EXCLUDES
from finance.models import Account, AccountKind, LedgerEntry
from finance.selectors import year_bounds
from members.models import EmploymentType, Gender, Member, MemberStatus, OrgUnit, Role, RoleGrant
from welfare.models import AidApplication, AidState, StudentApplication
from welfare.models.campaign import GRANTED_STATES

from .figures import ZERO

# 农民工 is not a field of the roster: the report counts the employment types a migrant worker is
# hired on (劳务派遣, 临时聘用), as docs/yearend.md explains.
MIGRANT_TYPES = (EmploymentType.DISPATCHED, EmploymentType.TEMPORARY)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    kind: str = "int"  # "int" or "money" (the xlsx column kind)


FIGURES: tuple[Figure, ...] = (
    Figure("members", _("会员数")),
    Figure("women", _("其中女会员")),
    Figure("migrant", _("其中农民工")),
    Figure("joined", _("本年新入会")),
    Figure("groups", _("工会小组数")),
    Figure("cadres", _("工会干部数")),
    Figure("congresses", _("召开职代会/教代会")),
    Figure("motions", _("收到提案")),
    Figure("aid_count", _("帮扶人次")),
    Figure("aid_amount", _("帮扶金额（元）"), "money"),
    Figure("student_count", _("金秋助学人数")),
    Figure("student_amount", _("金秋助学金额（元）"), "money"),
    Figure("income", _("经费收入（元）"), "money"),
    Figure("expense", _("经费支出（元）"), "money"),
)


@dataclass
class UnitStats:
    unit: OrgUnit
    own: bool = False  # the county's 本级 rows, not a 基层工会
    values: dict[str, Any] = field(default_factory=lambda: {f.key: (ZERO if f.kind == "money" else 0) for f in FIGURES})
    # 经费 by top-level account code ("401" …): income and expense by class.
    accounts: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))


@dataclass
class YearStats:
    root: OrgUnit
    year: int
    units: list[UnitStats]
    total: UnitStats
    accounts: list[Account]  # the top-level accounts, for the by-class columns


def _buckets(root: OrgUnit) -> tuple[dict[int, UnitStats], list[UnitStats]]:
    """{unit pk: its 基层工会's stats} for every unit in the subtree, and the buckets in tree order."""
    units = list(
        OrgUnit.objects.filter(path__startswith=root.path)
        .order_by("path")
        .only("pk", "name", "path", "kind", "parent_id")
    )
    bases = [u for u in units if u.kind == OrgUnit.Kind.BASE]
    if root.kind != OrgUnit.Kind.UPPER:
        bases = [root]
    stats = {base.path: UnitStats(unit=base) for base in bases}
    own = UnitStats(unit=root, own=True)
    by_unit: dict[int, UnitStats] = {}
    for unit in units:
        base = next((stats[p] for p in stats if unit.path.startswith(p)), own)
        by_unit[unit.pk] = base
        if unit.kind == OrgUnit.Kind.GROUP:
            base.values["groups"] += 1
    buckets = list(stats.values())
    if root.kind == OrgUnit.Kind.UPPER:
        buckets.insert(0, own)
    return by_unit, buckets


def year_stats(root: OrgUnit, year: int) -> YearStats:
    """The year's statistics of every 基层工会 under `root` (or of `root` itself), and their total."""
    start, end = year_bounds(year)
    by_unit, buckets = _buckets(root)
    subtree = Q(org_unit__path__startswith=root.path)

    def add(rows: Any, **keys: str) -> None:
        for row in rows:
            bucket = by_unit.get(row["org_unit_id"])
            if bucket is not None:
                for key, column in keys.items():
                    bucket.values[key] += row[column] or 0

    add(
        Member.objects.filter(subtree, status=MemberStatus.ACTIVE)
        .values("org_unit_id")
        .annotate(
            n=Count("pk"),
            women=Count("pk", filter=Q(gender=Gender.FEMALE)),
            migrant=Count("pk", filter=Q(employment_type__in=MIGRANT_TYPES)),
        )
        .order_by(),
        members="n",
        women="women",
        migrant="migrant",
    )
    add(
        Member.objects.filter(subtree, joined_on__gte=start, joined_on__lte=end)
        .values("org_unit_id")
        .annotate(n=Count("pk"))
        .order_by(),
        joined="n",
    )
    # A person holding several roles (or roles at two units of one union) is one 干部 of that union;
    # counted as on the year's last day (or today, for the year still running).
    cadres: dict[int, set[int]] = defaultdict(set)
    for unit_id, user_id in (
        RoleGrant.objects.current(on=min(end, timezone.localdate()))
        .filter(subtree)
        .exclude(role=Role.MEMBER)
        .values_list("org_unit_id", "user_id")
        .distinct()
    ):
        if unit_id in by_unit:
            cadres[id(by_unit[unit_id])].add(user_id)
    for bucket in buckets:
        bucket.values["cadres"] = len(cadres[id(bucket)])
    add(
        CongressSession.objects.filter(subtree, year=year, meeting_date__isnull=False)
        .values("org_unit_id")
        .annotate(n=Count("pk"))
        .order_by(),
        congresses="n",
    )
    add(
        Motion.objects.filter(session__org_unit__path__startswith=root.path, session__year=year)
        .exclude(status__in=RECEIVED_EXCLUDES)
        .values(org_unit_id=F("session__org_unit_id"))
        .annotate(n=Count("pk"))
        .order_by(),
        motions="n",
    )
    add(
        AidApplication.objects.filter(subtree, state=AidState.PAID, paid_at__year=year)
        .values("org_unit_id")
        .annotate(n=Count("pk"), amount=Coalesce(Sum("amount_granted"), ZERO))
        .order_by(),
        aid_count="n",
        aid_amount="amount",
    )
    add(
        StudentApplication.objects.filter(subtree, state__in=GRANTED_STATES, campaign__year=year)
        .values("org_unit_id")
        .annotate(n=Count("pk"), amount=Coalesce(Sum("tier__amount"), ZERO))
        .order_by(),
        student_count="n",
        student_amount="amount",
    )
    accounts = list(Account.objects.filter(parent__isnull=True).order_by("code"))
    kinds = {account.code: account.kind for account in accounts}
    ledger = (
        LedgerEntry.objects.filter(subtree, date__gte=start, date__lte=end)
        .values("org_unit_id", code=Substr("account__code", 1, 3))
        .annotate(amount=Coalesce(Sum("signed_amount"), ZERO))
        .order_by()
    )
    for row in ledger:
        bucket = by_unit.get(row["org_unit_id"])
        if bucket is None or row["code"] not in kinds:
            continue
        bucket.accounts[row["code"]] += row["amount"]
        bucket.values["income" if kinds[row["code"]] == AccountKind.INCOME else "expense"] += row["amount"]

    total = UnitStats(unit=root)
    for bucket in buckets:
        for key, value in bucket.values.items():
            total.values[key] += value
        for code, amount in bucket.accounts.items():
            total.accounts[code] += amount
    return YearStats(root=root, year=year, units=buckets, total=total, accounts=accounts)


def figure_links(stats: UnitStats, year: int) -> dict[str, str]:
    """Where each figure's records are listed: the roster filtered to the unit, or the module's list."""
    roster = reverse("members:member_list")
    unit = {"unit": stats.unit.pk, "status": MemberStatus.ACTIVE}
    # The applications the 帮扶 figures count: paid in the year, in the unit's subtree.
    aid = (
        f"{reverse('welfare:aid_list')}?{urlencode({'state': AidState.PAID, 'paid_year': year, 'unit': stats.unit.pk})}"
    )
    start, end = year_bounds(year)
    # The entries the 经费 figures sum: dated in the year, in the unit's subtree, by 收支.
    books = {"within": stats.unit.pk, "date_from": start.isoformat(), "date_to": end.isoformat()}
    ledger = reverse("finance:index")
    # The 金秋 applications the figures count: granted, of the year's campaigns, in the subtree.
    students = f"{reverse('welfare:student_list')}?{urlencode({'year': year, 'granted': 'on', 'unit': stats.unit.pk})}"
    # The sessions held and the motions received in the year, in the unit's subtree.
    congress = {"year": year, "unit": stats.unit.pk}
    return {
        "members": f"{roster}?{urlencode(unit)}",
        "women": f"{roster}?{urlencode({**unit, 'gender': Gender.FEMALE})}",
        "migrant": f"{roster}?{urlencode(unit)}",
        "joined": f"{roster}?{urlencode({'unit': stats.unit.pk, 'join_year': year})}",
        "groups": reverse("members:unit_detail", args=[stats.unit.pk]),
        "cadres": reverse("members:unit_detail", args=[stats.unit.pk]),
        "congresses": f"{reverse('congress:index')}?{urlencode({**congress, 'held': 1})}",
        "motions": f"{reverse('congress:motions')}?{urlencode({**congress, 'received': 1})}",
        "aid_count": aid,
        "aid_amount": aid,
        "student_count": students,
        "student_amount": students,
        "income": f"{ledger}?{urlencode({**books, 'kind': AccountKind.INCOME})}",
        "expense": f"{ledger}?{urlencode({**books, 'kind': AccountKind.EXPENSE})}",
    }
