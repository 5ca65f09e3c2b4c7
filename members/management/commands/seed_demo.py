"""`python manage.py seed_demo`: a believable demo union with one login per role.

清河县总工会 with two 基层工会 (a school and a hospital), their 分工会 and 工会小组, the employers'
departments, about 300 members with valid 身份证号, and one demo account per role of DESIGN.md §1.

Everything is deterministic (random.Random(2026), a fixed reference date) and looked up by natural
keys, so running the command again changes nothing, except that it resets the demo accounts'
passwords to the one it prints.
"""

import datetime
import random
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import AbstractUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction

from members.idcard import make_id_number, parse_id_number
from members.models import (
    Department,
    EmploymentType,
    Gender,
    Member,
    MemberStatus,
    OrgUnit,
    OrgUnitKind,
    Role,
    RoleGrant,
)
from union_office.crypto import keyed_hash

# --- Data tables -----------------------------------------------------------------------------------

DEFAULT_PASSWORD = "gonghui-2026"
SEED = 2026
# The demo's "today": birth dates, join dates and retirements are computed against it, never against
# the real date, so that every run builds the same people.
AS_OF = datetime.date(2026, 6, 30)

COUNTY = "清河县总工会"
SCHOOL = "清河县第一中学工会"
HOSPITAL = "清河县人民医院工会"

# (name, kind, parent): parents come before their children; names are unique in this tree.
ORG_TREE: list[tuple[str, OrgUnitKind, str | None]] = [
    (COUNTY, OrgUnitKind.UPPER, None),
    (SCHOOL, OrgUnitKind.BASE, COUNTY),
    ("高一年级分工会", OrgUnitKind.BRANCH, SCHOOL),
    ("语文组工会小组", OrgUnitKind.GROUP, "高一年级分工会"),
    ("数学组工会小组", OrgUnitKind.GROUP, "高一年级分工会"),
    ("高二年级分工会", OrgUnitKind.BRANCH, SCHOOL),
    ("行政后勤分工会", OrgUnitKind.BRANCH, SCHOOL),
    (HOSPITAL, OrgUnitKind.BASE, COUNTY),
    ("内科分工会", OrgUnitKind.BRANCH, HOSPITAL),
    ("心内科工会小组", OrgUnitKind.GROUP, "内科分工会"),
    ("外科分工会", OrgUnitKind.BRANCH, HOSPITAL),
]

# The employer's departments behind each 基层工会, with whether their staff are 一线职工
# (teachers, doctors, nurses).
DEPARTMENTS: dict[str, list[tuple[str, bool]]] = {
    SCHOOL: [
        ("语文教研组", True),
        ("数学教研组", True),
        ("英语教研组", True),
        ("理化生教研组", True),
        ("政教处", False),
        ("教务处", False),
        ("总务处", False),
        ("办公室", False),
    ],
    HOSPITAL: [
        ("心血管内科", True),
        ("呼吸内科", True),
        ("普外科", True),
        ("骨科", True),
        ("护理部", True),
        ("药剂科", False),
        ("医务科", False),
        ("院办公室", False),
    ],
}

# Where the ordinary members are registered: (unit, department, how many). The demo accounts below
# add their own member records on top (8 at the school, 2 at the hospital): 300 in all.
ROSTER: list[tuple[str, str, int]] = [
    ("语文组工会小组", "语文教研组", 12),
    ("数学组工会小组", "数学教研组", 12),
    ("高一年级分工会", "英语教研组", 12),
    ("高一年级分工会", "理化生教研组", 18),
    ("高二年级分工会", "语文教研组", 12),
    ("高二年级分工会", "数学教研组", 12),
    ("高二年级分工会", "英语教研组", 12),
    ("高二年级分工会", "理化生教研组", 18),
    ("行政后勤分工会", "政教处", 8),
    ("行政后勤分工会", "教务处", 8),
    ("行政后勤分工会", "总务处", 18),
    ("行政后勤分工会", "办公室", 10),
    ("心内科工会小组", "心血管内科", 30),
    ("内科分工会", "呼吸内科", 26),
    ("内科分工会", "护理部", 6),
    ("内科分工会", "药剂科", 6),
    ("外科分工会", "普外科", 28),
    ("外科分工会", "骨科", 24),
    ("外科分工会", "医务科", 6),
    ("外科分工会", "院办公室", 12),
]

# Share of women among the members of each 基层工会.
FEMALE_SHARE = {SCHOOL: 0.6, HOSPITAL: 0.7}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# Common surnames are commoner: roughly Zipf-like along the list (王 about 20 times as common as 汤).
SURNAME_WEIGHTS = [100 / (rank + 5) for rank in range(len(SURNAMES))]
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林阳建国志文海东峰亮成德永新锋庆春振宏毅晨"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英梅琳燕萍红洁婷雪慧颖倩晶佳欣月莉蕾琴云兰凤琪婧丹悦瑶怡晓"
THREE_CHARACTER_SHARE = 0.7

# 河北省邢台市清河县, and a few real county codes for members born elsewhere.
HOME_REGION = "130534"
HOME_REGION_SHARE = 0.85
OTHER_REGIONS = (
    "130533",  # 河北省邢台市威县
    "130535",  # 河北省邢台市临西县
    "130581",  # 河北省南宫市
    "130529",  # 河北省邢台市巨鹿县
    "130104",  # 河北省石家庄市桥西区
    "371581",  # 山东省临清市
    "371525",  # 山东省聊城市冠县
)
BIRTH_YEARS = (1966, 2002)
# make_id_number accepts sequences 0-499 (two sequence digits and the odd/even gender digit).
ID_SEQUENCES = 500

MOBILE_PREFIXES = tuple(f"13{d}" for d in range(10)) + (
    *("150", "151", "152", "153", "155", "156", "157", "158", "159"),
    *("166", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189", "198", "199"),
)

# (status, weight) for members too young to retire; retirement is decided by age (see _status).
LEAVING = [(MemberStatus.WITHDRAWN, 0.02), (MemberStatus.TRANSFERRED_OUT, 0.03)]
RETIREMENT_AGE = {Gender.MALE: 60, Gender.FEMALE: 55}
RETIRED_SHARE = 0.3
# (employment type, weight) for 一线 departments and for the others.
EMPLOYMENT_FRONTLINE = [(EmploymentType.PERMANENT, 85), (EmploymentType.CONTRACT, 15)]
EMPLOYMENT_OTHER = [(EmploymentType.PERMANENT, 65), (EmploymentType.CONTRACT, 15), (EmploymentType.DISPATCHED, 20)]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str  # the person's Chinese name, also User.first_name so the UI can greet them
    gender: str
    role: Role | None  # None: only the implicit member role
    grant_unit: str | None
    member_unit: str | None  # None: no Member record
    department: str | None = None  # the member's department; for a handler also the grant's


ACCOUNTS: list[DemoAccount] = [
    DemoAccount("chair", "王建国", Gender.MALE, Role.CHAIR, SCHOOL, "行政后勤分工会", "办公室"),
    DemoAccount("committee", "李晓梅", Gender.FEMALE, Role.COMMITTEE, "高一年级分工会", "高一年级分工会", "英语教研组"),
    DemoAccount("treasurer", "陈静", Gender.FEMALE, Role.TREASURER, SCHOOL, "行政后勤分工会", "总务处"),
    DemoAccount("auditor", "刘志强", Gender.MALE, Role.AUDITOR, SCHOOL, "高二年级分工会", "数学教研组"),
    DemoAccount("women", "赵丽华", Gender.FEMALE, Role.WOMEN, SCHOOL, "高二年级分工会", "语文教研组"),
    DemoAccount("motions", "孙明远", Gender.MALE, Role.MOTIONS, SCHOOL, "行政后勤分工会", "政教处"),
    DemoAccount("handler", "周国庆", Gender.MALE, Role.HANDLER, SCHOOL, "行政后勤分工会", "总务处"),
    DemoAccount("member", "吴雪", Gender.FEMALE, None, None, "高二年级分工会", "英语教研组"),
    DemoAccount("county_chair", "郑卫东", Gender.MALE, Role.CHAIR, COUNTY, None),
    DemoAccount("hospital_chair", "黄海涛", Gender.MALE, Role.CHAIR, HOSPITAL, "外科分工会", "院办公室"),
    DemoAccount("hospital_committee", "林芳", Gender.FEMALE, Role.COMMITTEE, "内科分工会", "内科分工会", "护理部"),
]
ADMIN_USERNAME = "admin"
ADMIN_NAME = "系统管理员"


# --- Building the people (no database) --------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    member_no: str
    name: str
    gender: str
    id_number: str
    birth_date: datetime.date
    phone: str
    unit: str
    department: str
    joined_on: datetime.date
    status: str
    employment_type: str
    frontline: bool
    username: str | None = None


class PersonFactory:
    """Makes the demo people from one seeded random generator, always in the same order."""

    def __init__(self, rng: random.Random, total: int) -> None:
        self.rng = rng
        # A shuffled sequence number per person keeps every 身份证号 unique.
        self.sequences = iter(rng.sample(range(ID_SEQUENCES), total))
        self.phones: set[str] = set()
        self.count = 0
        self.base_of = _base_units()
        self.frontline = {name: frontline for depts in DEPARTMENTS.values() for name, frontline in depts}

    def person(self, unit: str, department: str, *, account: DemoAccount | None = None) -> Person:
        rng = self.rng
        self.count += 1
        if account:
            gender, name = account.gender, account.name
        else:
            gender = Gender.FEMALE if rng.random() < FEMALE_SHARE[self.base_of[unit]] else Gender.MALE
            name = self._name(gender)
        birth_date = _random_date(rng, datetime.date(BIRTH_YEARS[0], 1, 1), datetime.date(BIRTH_YEARS[1], 12, 31))
        region = HOME_REGION if rng.random() < HOME_REGION_SHARE else rng.choice(OTHER_REGIONS)
        frontline = self.frontline[department]
        employment = EMPLOYMENT_FRONTLINE if frontline else EMPLOYMENT_OTHER
        return Person(
            member_no=f"QH-{self.count:04d}",
            name=name,
            gender=gender,
            id_number=make_id_number(region, birth_date, next(self.sequences), gender),
            birth_date=birth_date,
            phone=self._phone(),
            unit=unit,
            department=department,
            joined_on=_random_date(rng, _add_years(birth_date, 22), min(_add_years(birth_date, 30), AS_OF)),
            status=MemberStatus.ACTIVE if account else self._status(gender, birth_date),
            employment_type=EmploymentType.PERMANENT if account else _weighted(rng, employment),
            frontline=frontline,
            username=account.username if account else None,
        )

    def _name(self, gender: str) -> str:
        chars = GIVEN_FEMALE if gender == Gender.FEMALE else GIVEN_MALE
        surname = self.rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
        length = 2 if self.rng.random() < THREE_CHARACTER_SHARE else 1
        return surname + "".join(self.rng.sample(chars, length))

    def _phone(self) -> str:
        while True:
            phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def _status(self, gender: str, birth_date: datetime.date) -> str:
        if _add_years(birth_date, RETIREMENT_AGE[Gender(gender)]) <= AS_OF and self.rng.random() < RETIRED_SHARE:
            return MemberStatus.RETIRED
        roll = self.rng.random()
        for status, share in LEAVING:
            if roll < share:
                return status
            roll -= share
        return MemberStatus.ACTIVE


def build_people(seed: int = SEED) -> list[Person]:
    """Every demo member: the account holders first, then the roster, deterministic for a seed."""
    holders = [(a, a.member_unit, a.department) for a in ACCOUNTS if a.member_unit and a.department]
    total = len(holders) + sum(count for _, _, count in ROSTER)
    factory = PersonFactory(random.Random(seed), total)
    people = [factory.person(unit, department, account=account) for account, unit, department in holders]
    for unit, department, count in ROSTER:
        people.extend(factory.person(unit, department) for _ in range(count))
    for person in people:
        info = parse_id_number(person.id_number, today=AS_OF)
        if (info.birth_date, info.gender) != (person.birth_date, person.gender):  # pragma: no cover - a bug here
            raise CommandError(f"身份证号 {person.id_number} 与出生日期或性别不一致。")
    return people


def _base_units() -> dict[str, str]:
    """Each unit of the tree -> the 基层工会 it belongs to."""
    base_of: dict[str, str] = {}
    for name, kind, parent in ORG_TREE:
        if kind == OrgUnitKind.BASE:
            base_of[name] = name
        elif parent in base_of:
            base_of[name] = base_of[parent]
    return base_of


def _add_years(day: datetime.date, years: int) -> datetime.date:
    return day.replace(year=day.year + years, day=min(day.day, 28) if day.month == 2 else day.day)


def _random_date(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randrange((last - first).days + 1))


def _weighted(rng: random.Random, choices: list[tuple[Any, int]]) -> Any:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


# --- Writing to the database ---------------------------------------------------------------------


def sync_units() -> dict[str, OrgUnit]:
    """The org tree, looked up by parent and name; every new unit goes through save() (the path)."""
    units: dict[str, OrgUnit] = {}
    siblings: dict[str | None, int] = {}
    for name, kind, parent_name in ORG_TREE:
        parent = units[parent_name] if parent_name else None
        sort_order = siblings[parent_name] = siblings.get(parent_name, 0) + 1
        unit = OrgUnit.objects.filter(parent=parent, name=name).first()
        if unit is None:
            unit = OrgUnit(parent=parent, name=name, kind=kind, sort_order=sort_order)
        elif (unit.kind, unit.sort_order) == (kind, sort_order):
            units[name] = unit
            continue
        unit.kind, unit.sort_order = kind, sort_order
        unit.full_clean(exclude={"path", "depth"})
        unit.save()
        units[name] = unit
    return units


def sync_departments(units: dict[str, OrgUnit]) -> dict[tuple[str, str], Department]:
    """(基层工会, department name) -> Department."""
    departments: dict[tuple[str, str], Department] = {}
    for base_name, rows in DEPARTMENTS.items():
        base = units[base_name]
        for name, _frontline in rows:
            department, _created = Department.objects.get_or_create(org_unit=base, name=name)
            department.org_unit = base  # Member.clean() reads it: no query per member
            departments[base_name, name] = department
    return departments


def sync_users(password: str) -> dict[str, AbstractUser]:
    """The demo logins (and admin), by username; their passwords end up being `password`."""
    user_model = get_user_model()
    wanted = [(a.username, a.name, False) for a in ACCOUNTS] + [(ADMIN_USERNAME, ADMIN_NAME, True)]
    users: dict[str, AbstractUser] = {}
    for username, name, is_admin in wanted:
        values = {
            "first_name": name,
            "last_name": "",
            "is_active": True,
            "is_staff": is_admin,
            "is_superuser": is_admin,
        }
        user, created = user_model.objects.get_or_create(username=username, defaults=values)
        if not created and _differs(user, values):
            for field, value in values.items():
                setattr(user, field, value)
            user.save(update_fields=list(values))
        users[username] = user
    _reset_passwords(users.values(), password)
    return users


def _reset_passwords(users: Iterable[AbstractUser], password: str) -> None:
    """Set `password` where it is not already the password; hashes once, checks each old hash once.

    The demo accounts share one hash: hashing is deliberately slow (about 0.4 s) and a dozen
    accounts would otherwise make the command crawl.
    """
    still_valid: dict[str, bool] = {}
    new_hash = ""
    for user in users:
        if user.password not in still_valid:
            still_valid[user.password] = bool(user.password) and check_password(password, user.password)
        if not still_valid[user.password]:
            new_hash = new_hash or make_password(password)
            user.password = new_hash
            user.save(update_fields=["password"])


def sync_grants(
    units: dict[str, OrgUnit], departments: dict[tuple[str, str], Department], users: dict[str, AbstractUser]
) -> None:
    for account in ACCOUNTS:
        if account.role is None or account.grant_unit is None:
            continue
        department = None
        if account.role == Role.HANDLER:
            department = departments[_base_units()[account.grant_unit], account.department]
        RoleGrant.objects.get_or_create(
            user=users[account.username], org_unit=units[account.grant_unit], role=account.role, department=department
        )


def sync_members(
    people: list[Person],
    units: dict[str, OrgUnit],
    departments: dict[tuple[str, str], Department],
    users: dict[str, AbstractUser],
) -> None:
    """Create missing members (validated, in bulk) and correct changed ones; look-up by 身份证号."""
    base_of = _base_units()
    hash_of = {p.id_number: keyed_hash(p.id_number) for p in people}
    existing = Member.objects.in_bulk(list(hash_of.values()), field_name="id_number_hash")
    new: list[Member] = []
    for person in people:
        values = {
            "member_no": person.member_no,
            "name": person.name,
            "gender": person.gender,
            "birth_date": person.birth_date,
            "phone": person.phone,
            "org_unit": units[person.unit],
            "department": departments[base_of[person.unit], person.department],
            "joined_on": person.joined_on,
            "status": person.status,
            "employment_type": person.employment_type,
            "frontline": person.frontline,
            "user": users[person.username] if person.username else None,
        }
        member = existing.get(hash_of[person.id_number])
        if member is None:
            member = Member(id_number=person.id_number, **values)
            new.append(member)
        elif _differs(member, values):
            for field, value in values.items():
                setattr(member, field, value)
        else:
            continue
        # Fields and Member.clean() (身份证号 against birth date and gender, the department's unit).
        # Uniqueness and the check constraints are left to the database: validating them here costs
        # several queries per member, and the numbers were looked up above.
        member.full_clean(validate_unique=False, validate_constraints=False)
        if member.pk:
            member.save()
    Member.objects.bulk_create(new, batch_size=500)


def _differs(instance: models.Model, values: dict[str, Any]) -> bool:
    """Would setting `values` change the instance? Foreign keys are compared by primary key."""
    for name, value in values.items():
        attname = instance._meta.get_field(name).attname
        wanted = value.pk if isinstance(value, models.Model) else value
        if getattr(instance, attname) != wanted:
            return True
    return False


# --- The command ---------------------------------------------------------------------------------


def _width(text: str) -> int:
    """Columns on a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip() for row in rows]


class Command(BaseCommand):
    help = (
        "生成演示数据：清河县总工会、清河县第一中学工会和清河县人民医院工会的组织树、部门、约 300 名会员，"
        "以及每个角色一个演示账号。可重复运行：不会产生重复数据，并把演示账号的密码重置为同一个演示密码。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="在生产环境中也写入演示数据")
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"所有演示账号（含 admin）的密码，默认 {DEFAULT_PASSWORD}",
        )

    def handle(self, *args: Any, password: str, force: bool = False, **options: Any) -> None:
        # Demo logins with a published password (admin included) must never appear by accident on
        # a production database.
        if getattr(settings, "PRODUCTION", False) and not force:
            raise CommandError("当前是生产环境（DJANGO_ENV=production），不能写入演示数据；确需写入请加 --force。")
        if not password.strip():
            raise CommandError("演示密码不能为空。")
        people = build_people()
        with transaction.atomic():
            units = sync_units()
            departments = sync_departments(units)
            users = sync_users(password)
            sync_grants(units, departments, users)
            sync_members(people, units, departments, users)
        self._report(units, people, password)

    def _report(self, units: dict[str, OrgUnit], people: list[Person], password: str) -> None:
        member_units = {p.username: p.unit for p in people if p.username}
        rows = [("用户名", "角色", "单位", "密码")]
        for account in ACCOUNTS:
            label = str(account.role.label) if account.role else str(Role.MEMBER.label)
            unit = account.grant_unit or member_units[account.username]
            if account.role == Role.HANDLER:
                unit = f"{unit}·{account.department}"
            rows.append((account.username, label, unit, password))
        rows.append((ADMIN_USERNAME, "系统管理员（超级用户）", "全部单位", password))

        root = units[COUNTY]
        members = Member.objects.filter(org_unit__path__startswith=root.path)
        active = members.filter(status=MemberStatus.ACTIVE).count()
        department_count = Department.objects.filter(org_unit__path__startswith=root.path).count()

        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪：{COUNTY}"))
        self.stdout.write(
            f"组织单位 {root.subtree().count()} 个，部门 {department_count} 个，"
            f"会员 {members.count()} 人（其中在册 {active} 人）。"
        )
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"演示账号（密码均为 {password}）："))
        for line in _table(rows):
            self.stdout.write("  " + line)
        self.stdout.write("")
        site = settings.SITE_URL.rstrip("/") + "/"  # `make run PORT=…` passes its own address
        self.stdout.write(f"启动 python manage.py runserver 后打开 {site} 登录；后台管理：{site}admin/")
