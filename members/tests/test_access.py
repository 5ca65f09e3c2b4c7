import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from members import access
from members.models import Member, OrgUnit, Role
from members.tests.factories import MemberFactory, RoleGrantFactory


def names(qs):
    return set(qs.values_list("name", flat=True))


def test_chair_sees_the_whole_subtree_of_their_base_union(org, chair, member_in_a, member_in_b, outsider):
    seen = names(access.visible(chair, "members.view_member", Member.objects.all()))
    assert {"张三", "李四", "chair"} <= seen
    assert "outsider" not in seen


def test_branch_committee_sees_only_their_branch_and_its_groups(org, committee, member_in_a, member_in_b):
    seen = names(access.visible(committee, "members.view_member", Member.objects.all()))
    assert "张三" in seen  # in 语文组工会小组 under 分工会 A
    assert "李四" not in seen  # 分工会 B
    assert set(access.units(committee, "members.view_member")) == {org.branch_a, org.group_a}


def test_plain_member_has_no_roster(member, member_in_b):
    assert not access.visible(member, "members.view_member", Member.objects.all()).exists()
    assert not access.has_anywhere(member, "members.view_member")


def test_member_role_is_implicit_and_reaches_up_for_member_facing_reads(org, member):
    # A plain member of 分工会 B reads plans of B, of the school and of the county union …
    assert access.can(member, "plans.view_plan", org.branch_b)
    assert access.can(member, "plans.view_plan", org.school)
    assert access.can(member, "plans.view_plan", org.county)
    assert set(access.units(member, "plans.view_plan")) == {org.branch_b, org.school, org.county}
    # … but not a sibling branch, the hospital, or anything they cannot read.
    assert not access.can(member, "plans.view_plan", org.branch_a)
    assert not access.can(member, "plans.view_plan", org.hospital)
    assert not access.can(member, "plans.edit_plan", org.branch_b)


def test_retired_member_loses_the_implicit_member_role(org, member):
    Member.objects.filter(user=member).update(status=Member.Status.WITHDRAWN)
    member.refresh_from_db()
    assert not access.can(member, "plans.view_plan", org.branch_b)


def test_overlapping_grants_collapse_to_the_outer_subtree(org, committee):
    RoleGrantFactory(user=committee, org_unit=org.school, role=Role.COMMITTEE)
    committee.__dict__.pop("_union_grants", None)
    assert access.scope_paths(committee, "members.view_member") == [org.school.path]


def test_read_only_role_is_refused_writes_with_403(org, treasurer, member_in_b):
    assert access.can(treasurer, "members.view_member", org.branch_b)
    with pytest.raises(PermissionDenied):
        access.require(treasurer, "members.change_member", org.branch_b)


def test_outsider_gets_404_not_403(org, outsider, member_in_b):
    with pytest.raises(Http404):
        access.get_visible_or_404(outsider, "members.view_member", Member.objects.all(), pk=member_in_b.pk)


def test_inactive_user_has_no_access(org, chair):
    chair.is_active = False
    assert not access.has_anywhere(chair, "members.view_member")


def test_superuser_sees_everything(org, django_user_model, member_in_b):
    admin = django_user_model.objects.create_superuser("root", password="x-very-long-pass")
    assert access.visible(admin, "members.view_member", Member.objects.all()).filter(pk=member_in_b.pk).exists()


def test_unknown_permission_is_a_programming_error(chair):
    with pytest.raises(ValueError, match="unknown permission"):
        access.scope_paths(chair, "members.fly")


def test_every_permission_names_only_real_roles():
    for permission in access.PERMISSIONS.values():
        assert permission.roles <= set(Role), permission.code
        assert permission.roles, permission.code


def test_scope_query_does_not_grow_with_the_number_of_units(org, chair, django_assert_num_queries):
    for i in range(30):
        MemberFactory(org_unit=OrgUnit.objects.create(name=f"小组{i}", kind="group", parent=org.branch_b))
    chair.__dict__.pop("_union_grants", None)
    with django_assert_num_queries(2):  # grants with the own member record, the filtered list
        list(access.visible(chair, "members.view_member", Member.objects.all()))


def test_superuser_scope_survives_being_or_ed(org, django_user_model, member_in_b):
    admin = django_user_model.objects.create_superuser("root2", password="x-very-long-pass")
    q = access.unit_q(admin, "members.view_member") | Q(user_id=admin.pk)
    assert Member.objects.filter(q).filter(pk=member_in_b.pk).exists()
