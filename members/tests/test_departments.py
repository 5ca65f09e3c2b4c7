"""The departments page (issue 21): the employer's 科室/部门 added, renamed, retired and restored by
the chair, and their 承办部门负责人 named; audited; scoped to the 基层工会 one keeps."""

import pytest
from django.urls import reverse

from members import access, organisation
from members.forms import MemberForm
from members.models import Department, Role, RoleGrant
from members.tests.factories import MemberFactory, UserFactory
from union_office.models import AuditEntry

pytestmark = pytest.mark.django_db


# --- services ---------------------------------------------------------------------------------


def test_the_chair_adds_renames_and_retires_a_department_audited(chair, org):
    department = organisation.department_add(actor=chair, unit=org.school, name="总务处")
    organisation.department_rename(actor=chair, department=department, name="后勤处")
    organisation.department_retire(actor=chair, department=department, reason="机构改革并入办公室")
    department = Department.all_objects.get(pk=department.pk)
    assert department.name == "后勤处" and department.archived_at is not None
    actions = AuditEntry.objects.filter(object_id=str(department.pk)).order_by("pk")
    assert [a.action for a in actions] == ["department.add", "department.rename", "department.retire"]
    assert actions.last().changes["reason"] == "机构改革并入办公室"
    organisation.department_restore(actor=chair, department=department)
    assert Department.objects.filter(pk=department.pk).exists()


def test_a_department_belongs_to_a_base_union_and_names_are_unique(chair, org):
    with pytest.raises(organisation.OrganisationError, match="基层工会"):
        organisation.department_add(actor=chair, unit=org.branch_a, name="教研室")
    with pytest.raises(organisation.OrganisationError):
        organisation.department_add(actor=chair, unit=org.school, name="办公室")  # the org fixture has it
    with pytest.raises(organisation.OrganisationError, match="理由"):
        organisation.department_retire(actor=chair, department=org.school_office, reason="  ")


def test_only_the_chair_of_the_base_union_keeps_its_departments(committee, org):
    with pytest.raises(access.PermissionDenied):
        organisation.department_add(actor=committee, unit=org.school, name="总务处")
    other_chair = UserFactory()
    RoleGrant.objects.create(user=other_chair, org_unit=org.hospital, role=Role.CHAIR)
    with pytest.raises(access.PermissionDenied):
        organisation.department_rename(actor=other_chair, department=org.school_office, name="校办")


def test_a_retired_department_is_no_choice_but_its_members_keep_it(chair, committee, org):
    worker = MemberFactory(org_unit=org.branch_a, department=org.school_office)
    organisation.department_retire(actor=chair, department=org.school_office, reason="撤并")
    assert org.school_office.pk not in {d.pk for d in MemberForm(user=chair).fields["department"].queryset}
    # The member's own record still offers (and keeps) the department they are in.
    own = MemberForm(user=chair, instance=worker).fields["department"].queryset
    assert org.school_office.pk in {d.pk for d in own}
    worker.refresh_from_db()
    assert worker.department.name == "办公室"


def test_a_handler_is_named_for_one_department_and_told(chair, org):
    user = UserFactory(username="zongwu")
    MemberFactory(org_unit=org.school, user=user)
    grant = organisation.role_grant(
        actor=chair, unit=org.school, user=user, role=Role.HANDLER, department=org.school_office, reason="处长"
    )
    assert grant.department_id == org.school_office.pk
    assert user.notifications.filter(subject__contains="承办部门负责人（办公室）").exists()
    with pytest.raises(organisation.OrganisationError):
        organisation.role_grant(actor=chair, unit=org.school, user=user, role=Role.HANDLER, reason="没有部门")
    with pytest.raises(organisation.OrganisationError, match="在用的部门"):
        organisation.role_grant(
            actor=chair, unit=org.school, user=user, role=Role.HANDLER, department=org.hospital_office, reason="x"
        )


# --- views ------------------------------------------------------------------------------------


def _urls(org):
    pk = org.school_office.pk
    return {
        "list": reverse("members:department_list"),
        "manage": reverse("members:department_manage", args=[pk]),
        "rename": reverse("members:department_rename", args=[pk]),
        "retire": reverse("members:department_retire", args=[pk]),
        "restore": reverse("members:department_restore", args=[pk]),
        "handlers": reverse("members:department_handler_add", args=[pk]),
    }


def test_the_pages_work_for_the_chair(login, chair, org):
    client = login(chair)
    listing = client.get(_urls(org)["list"])
    assert listing.status_code == 200 and "办公室" in listing.text and "院办" not in listing.text
    assert client.get(_urls(org)["manage"]).status_code == 200


def test_the_pages_need_login(client, org):
    for url in _urls(org).values():
        assert client.get(url).status_code == 302


def test_outsiders_get_404_and_roster_readers_403(login, outsider, committee, org):
    urls = _urls(org)
    assert login(outsider).get(urls["list"]).status_code == 404
    assert login(outsider).get(urls["manage"]).status_code == 404
    # A 分工会 committee member reads the school's roster but keeps no department.
    assert login(committee).get(urls["list"]).status_code == 404
    assert login(committee).get(urls["manage"]).status_code == 404


def test_the_hospital_chair_gets_404_for_the_school_office(login, org):
    other_chair = UserFactory()
    RoleGrant.objects.create(user=other_chair, org_unit=org.hospital, role=Role.CHAIR)
    client = login(other_chair)
    assert client.get(_urls(org)["manage"]).status_code == 404
    assert client.post(_urls(org)["retire"], {"reason": "x"}).status_code == 404


def test_a_school_treasurer_sees_the_unit_but_may_not_keep_it(login, treasurer, org):
    assert login(treasurer).get(_urls(org)["manage"]).status_code == 403


def test_writes_need_post(login, chair, org):
    client = login(chair)
    for name in ("rename", "retire", "restore", "handlers"):
        assert client.get(_urls(org)[name]).status_code == 405


def test_add_rename_retire_restore_through_the_pages(login, chair, org):
    client = login(chair)
    response = client.post(_urls(org)["list"], {"unit": org.school.pk, "name": "教务处"})
    assert response.status_code == 302
    added = Department.objects.get(name="教务处")
    assert client.post(_urls(org)["rename"], {"name": "校长办公室"}).status_code == 302
    assert client.post(_urls(org)["retire"], {"reason": "撤并"}).status_code == 302
    assert not Department.objects.filter(pk=org.school_office.pk).exists()
    assert "已撤销" in client.get(_urls(org)["list"]).text
    assert client.post(_urls(org)["restore"]).status_code == 302
    assert Department.objects.get(pk=org.school_office.pk).name == "校长办公室"
    assert added.org_unit_id == org.school.pk


def test_bad_input_is_a_chinese_message_nothing_saved(login, chair, org):
    client = login(chair)
    response = client.post(_urls(org)["list"], {"unit": org.school.pk, "name": "办公室"})
    assert response.status_code == 400 and "本单位已有名为“办公室”的部门" in response.text
    assert client.post(_urls(org)["list"], {"unit": org.hospital.pk, "name": "X"}).status_code == 400
    assert not Department.all_objects.filter(name="X").exists()
    response = client.post(_urls(org)["retire"], {"reason": ""})
    assert response.status_code == 400
    assert Department.objects.filter(pk=org.school_office.pk).exists()


def test_name_a_handler_through_the_page(login, chair, org):
    user = UserFactory(username="banzhuren")
    holder = MemberFactory(org_unit=org.branch_b, user=user, name="赵主任")
    response = login(chair).post(_urls(org)["handlers"], {"member": holder.pk, "reason": "办公室主任"})
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=user)
    assert (grant.role, grant.department_id, grant.org_unit_id) == (Role.HANDLER, org.school_office.pk, org.school.pk)
    assert "赵主任" in login(chair).get(_urls(org)["manage"]).text


def test_the_list_has_the_same_queries_for_1_and_30_departments(login, chair, org, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(chair)
    client.get(_urls(org)["list"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_urls(org)["list"]).status_code == 200
        return len(queries)

    one = count()
    for n in range(30):
        Department.objects.create(org_unit=org.school, name=f"部门{n}")
    assert count() == one
