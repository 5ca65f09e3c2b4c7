"""`manage.py seed_demo`: a valid, idempotent demo union with one working login per role."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

from members.access import visible
from members.idcard import parse_id_number
from members.models import Department, Member, OrgUnit, Role, RoleGrant

PASSWORD = "gonghui-2026"
USERNAMES = [
    "chair",
    "committee",
    "treasurer",
    "auditor",
    "women",
    "motions",
    "handler",
    "member",
    "county_chair",
    "hospital_chair",
    "hospital_committee",
    "admin",
]
# Password hashing is slow on purpose (~0.4 s a hash); the command's logic does not depend on the hasher.
fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, object]:
    """Everything a second run must leave exactly as it was."""
    user_model = get_user_model()
    return {
        "units": list(OrgUnit.objects.values_list("pk", "name", "kind", "path", "updated_at").order_by("pk")),
        "departments": list(Department.objects.values_list("pk", "org_unit", "name").order_by("pk")),
        "members": list(Member.objects.values_list("pk", "id_number_hash", "name", "updated_at").order_by("pk")),
        "users": list(user_model.objects.values_list("pk", "username", "password").order_by("pk")),
        "grants": list(RoleGrant.objects.values_list("pk", "user", "org_unit", "role", "department").order_by("pk")),
    }


def unit(name: str) -> OrgUnit:
    return OrgUnit.objects.get(name=name)


def members_under(name: str) -> set[int]:
    return set(Member.objects.filter(org_unit__path__startswith=unit(name).path).values_list("pk", flat=True))


def visible_members(username: str) -> set[int]:
    user = get_user_model().objects.get(username=username)
    return set(visible(user, "members.view_member", Member.objects.all()).values_list("pk", flat=True))


@pytest.mark.django_db
@fast_hashing
def test_second_run_changes_nothing():
    seed()
    first = snapshot()
    seed()
    assert snapshot() == first
    assert len(first["units"]) == 11
    assert len(first["departments"]) == 16
    assert len(first["users"]) == len(USERNAMES)
    assert len(first["grants"]) == 10  # every demo account but `member` and admin


@pytest.mark.django_db
@fast_hashing
def test_members_are_valid_and_unique():
    seed()
    members = list(Member.objects.all())
    assert 280 <= len(members) <= 320
    assert len({m.id_number for m in members}) == len(members)
    assert len({m.member_no for m in members}) == len(members)
    for member in members:
        info = parse_id_number(member.id_number)
        assert (info.birth_date, info.gender) == (member.birth_date, member.gender), member.id_number
        assert 1966 <= member.birth_date.year <= 2002
        assert member.joined_on.year - member.birth_date.year >= 18
        assert member.department.org_unit.path in member.org_unit.path
        assert len(member.phone) == 11 and member.phone.startswith("1")
    statuses = {m.status for m in members}
    assert Member.Status.ACTIVE in statuses and Member.Status.RETIRED in statuses
    assert sum(m.status == Member.Status.ACTIVE for m in members) > 0.85 * len(members)


@pytest.mark.django_db
@fast_hashing
def test_org_tree():
    seed()
    county = unit("清河县总工会")
    assert (county.kind, county.parent) == (OrgUnit.Kind.UPPER, None)
    expected = {
        "清河县第一中学工会": (OrgUnit.Kind.BASE, "清河县总工会"),
        "清河县人民医院工会": (OrgUnit.Kind.BASE, "清河县总工会"),
        "高一年级分工会": (OrgUnit.Kind.BRANCH, "清河县第一中学工会"),
        "高二年级分工会": (OrgUnit.Kind.BRANCH, "清河县第一中学工会"),
        "行政后勤分工会": (OrgUnit.Kind.BRANCH, "清河县第一中学工会"),
        "内科分工会": (OrgUnit.Kind.BRANCH, "清河县人民医院工会"),
        "外科分工会": (OrgUnit.Kind.BRANCH, "清河县人民医院工会"),
        "语文组工会小组": (OrgUnit.Kind.GROUP, "高一年级分工会"),
        "数学组工会小组": (OrgUnit.Kind.GROUP, "高一年级分工会"),
        "心内科工会小组": (OrgUnit.Kind.GROUP, "内科分工会"),
    }
    for name, (kind, parent) in expected.items():
        found = unit(name)
        assert (found.kind, found.parent.name) == (kind, parent), name
        assert found.path.startswith(found.parent.path)
    school, hospital = unit("清河县第一中学工会"), unit("清河县人民医院工会")
    assert set(school.departments.values_list("name", flat=True)) >= {"语文教研组", "总务处", "办公室"}
    assert set(hospital.departments.values_list("name", flat=True)) >= {"心血管内科", "护理部", "院办公室"}
    assert 140 <= len(members_under("清河县第一中学工会")) <= 180
    assert 120 <= len(members_under("清河县人民医院工会")) <= 160


@pytest.mark.django_db
@fast_hashing
def test_every_demo_account_logs_in_with_its_role():
    output = seed()
    for username in USERNAMES:
        assert username in output
        user = authenticate(username=username, password=PASSWORD)
        assert user is not None, username
        assert user.first_name, username
        assert user.is_staff == (username == "admin")
    assert PASSWORD in output
    assert "http://127.0.0.1:8000/" in output

    def grants(username: str) -> set[tuple[str, str]]:
        return set(RoleGrant.objects.filter(user__username=username).values_list("role", "org_unit__name"))

    assert grants("chair") == {(Role.CHAIR, "清河县第一中学工会")}
    assert grants("committee") == {(Role.COMMITTEE, "高一年级分工会")}
    assert grants("county_chair") == {(Role.CHAIR, "清河县总工会")}
    assert grants("hospital_committee") == {(Role.COMMITTEE, "内科分工会")}
    assert grants("member") == set()
    handler = RoleGrant.objects.get(user__username="handler")
    assert (handler.role, handler.department.name) == (Role.HANDLER, "总务处")

    linked = Member.objects.filter(user__username__in=USERNAMES)
    assert set(linked.values_list("user__username", flat=True)) == set(USERNAMES) - {"county_chair", "admin"}
    assert all(m.status == Member.Status.ACTIVE for m in linked)
    assert Member.objects.get(user__username="member").org_unit.name == "高二年级分工会"
    assert Member.objects.get(user__username="women").gender == Member.Gender.FEMALE


@pytest.mark.django_db
@fast_hashing
def test_roles_see_their_own_subtree_only():
    seed()
    grade_one = members_under("高一年级分工会")
    assert members_under("语文组工会小组") and members_under("语文组工会小组") <= grade_one
    assert visible_members("committee") == grade_one
    assert not visible_members("committee") & members_under("高二年级分工会")
    assert not visible_members("committee") & members_under("清河县人民医院工会")
    assert visible_members("chair") == members_under("清河县第一中学工会")
    assert visible_members("county_chair") == set(Member.objects.values_list("pk", flat=True))
    assert visible_members("member") == set()


@pytest.mark.django_db
@fast_hashing
def test_password_option_and_rerun_reset_the_passwords():
    output = seed("--password", "another-demo-pass")
    assert "another-demo-pass" in output
    assert authenticate(username="chair", password="another-demo-pass") is not None
    assert authenticate(username="chair", password=PASSWORD) is None
    seed()
    assert authenticate(username="chair", password=PASSWORD) is not None
    assert authenticate(username="admin", password=PASSWORD) is not None


@pytest.mark.django_db
def test_seed_demo_refuses_a_production_database(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="生产环境"):
        call_command("seed_demo", stdout=StringIO())
    assert not Member.objects.exists()
