import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from members.models import Member, OrgUnit
from members.tests.factories import MemberFactory, OrgUnitFactory


def test_paths_follow_the_tree(org):
    assert org.branch_a.path.startswith(org.school.path)
    assert org.school.path.startswith(org.county.path)
    assert org.group_a.depth == 3
    assert set(org.school.subtree()) == {org.school, org.branch_a, org.branch_b, org.group_a}
    assert list(org.group_a.ancestors()) == [org.county, org.school, org.branch_a]


def test_moving_a_unit_re_roots_its_subtree(org):
    org.branch_a.parent = org.hospital
    org.branch_a.save()
    org.group_a.refresh_from_db()
    assert org.group_a.path.startswith(org.hospital.path)
    assert org.group_a.depth == 3
    assert org.group_a not in org.school.subtree()


def test_unit_kind_must_fit_its_parent(org):
    unit = OrgUnit(name="错位的分工会", kind=OrgUnit.Kind.BRANCH, parent=org.county)
    with pytest.raises(ValidationError) as exc:
        unit.full_clean()
    assert "分工会不能设在上级工会之下" in str(exc.value)


def test_unit_cannot_move_below_itself(org):
    org.school.parent = org.branch_a
    with pytest.raises(ValidationError):
        org.school.clean()


def test_member_clean_derives_birth_date_and_gender(org):
    member = Member(name="王五", id_number="11010519491231002x", org_unit=org.school)
    member.full_clean()
    assert member.gender == "F"
    assert str(member.birth_date) == "1949-12-31"
    assert member.id_number == "11010519491231002X"


def test_member_gender_must_match_the_id_number(org):
    member = Member(name="王五", id_number="11010519491231002X", gender="M", org_unit=org.school)
    with pytest.raises(ValidationError) as exc:
        member.full_clean()
    assert "性别与身份证号不符" in str(exc.value)


def test_member_department_must_belong_to_their_base_union(org):
    member = Member(name="王五", id_number="11010519491231002X", org_unit=org.branch_a, department=org.hospital_office)
    with pytest.raises(ValidationError) as exc:
        member.full_clean()
    assert "部门" in str(exc.value)


def test_id_number_is_unique(org):
    first = MemberFactory(org_unit=org.school)
    with pytest.raises(IntegrityError):
        MemberFactory(org_unit=org.school, id_number=first.id_number, gender=first.gender)


@pytest.mark.django_db
def test_database_refuses_an_unknown_status():
    unit = OrgUnitFactory()
    member = MemberFactory(org_unit=unit)
    with pytest.raises(IntegrityError):
        Member.objects.filter(pk=member.pk).update(status="vanished")
