"""Organisation pages and services (issue 21): units added, renamed, moved and merged, role grants
with an end date and a reason, the role overview; every write audited, the holder told."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from members import access, organisation
from members.membership.forms import JoinApplyForm
from members.models import MembershipChange, OrgUnit, Role, RoleGrant
from members.tests.factories import MemberFactory, OrgUnitFactory, UserFactory
from union_office.models import AuditEntry
from union_office.notifications.models import Notification

pytestmark = pytest.mark.django_db


# --- services ---------------------------------------------------------------------------------


def test_the_chair_adds_and_renames_a_group(chair, org):
    group = organisation.unit_add(actor=chair, parent=org.branch_b, name="英语组工会小组", kind=OrgUnit.Kind.GROUP)
    assert group.path.startswith(org.branch_b.path)
    organisation.unit_rename(actor=chair, unit=group, name="外语组工会小组")
    assert OrgUnit.objects.get(pk=group.pk).name == "外语组工会小组"
    assert list(AuditEntry.objects.filter(object_id=str(group.pk)).values_list("action", flat=True).order_by("pk")) == [
        "orgunit.add",
        "orgunit.rename",
    ]


def test_a_unit_kind_that_cannot_sit_there_is_refused_in_chinese(chair, org):
    with pytest.raises(organisation.OrganisationError, match="分工会不能设在分工会之下"):
        organisation.unit_add(actor=chair, parent=org.branch_a, name="X", kind=OrgUnit.Kind.BRANCH)


def test_a_committee_member_cannot_change_the_tree(committee, org):
    with pytest.raises(access.PermissionDenied):
        organisation.unit_add(actor=committee, parent=org.branch_a, name="X组", kind=OrgUnit.Kind.GROUP)


def test_move_takes_the_subtree_along(chair, org):
    organisation.unit_move(actor=chair, unit=org.group_a, parent=org.branch_b)
    org.group_a.refresh_from_db()
    assert org.group_a.path.startswith(org.branch_b.path)


def test_the_school_chair_cannot_move_a_unit_out_of_the_school(chair, org):
    with pytest.raises(access.PermissionDenied):
        organisation.unit_move(actor=chair, unit=org.group_a, parent=org.ward)


def test_a_merge_keeps_every_member_and_their_history(chair, org):
    in_a = [MemberFactory(org_unit=org.branch_a) for _ in range(3)]
    left = MemberFactory(org_unit=org.branch_a, status="withdrawn")
    history = MembershipChange.objects.create(
        member=in_a[0],
        kind="transfer_in",
        state="approved",
        to_unit=org.branch_a,
        effective_on=dt.date(2024, 9, 1),
        decided_by=chair,
        decided_at=timezone.now(),
    )
    counts = organisation.unit_merge(actor=chair, source=org.branch_a, target=org.branch_b)
    assert counts == {"members": 4, "units": 1, "grants": 0}
    for member in [*in_a, left]:
        member.refresh_from_db()
        assert member.org_unit_id == org.branch_b.pk
    history.refresh_from_db()
    assert history.to_unit_id == org.branch_a.pk  # what happened then stays as it happened
    org.group_a.refresh_from_db()
    assert org.group_a.parent_id == org.branch_b.pk and org.group_a.path.startswith(org.branch_b.path)
    source = OrgUnit.all_objects.get(pk=org.branch_a.pk)
    assert source.merged_into_id == org.branch_b.pk
    assert source not in organisation.managed_units(chair)
    entry = AuditEntry.objects.get(action="orgunit.merge")
    assert sorted(entry.changes["member_ids"]) == sorted(m.pk for m in [*in_a, left])


def test_a_merge_moves_the_committee_grant(chair, committee, org):
    organisation.unit_merge(actor=chair, source=org.branch_a, target=org.branch_b)
    assert RoleGrant.objects.get(user=committee).org_unit_id == org.branch_b.pk


def test_units_of_different_kinds_are_not_merged(chair, org):
    with pytest.raises(organisation.OrganisationError, match="同一层级"):
        organisation.unit_merge(actor=chair, source=org.group_a, target=org.branch_b)


def test_a_grant_with_an_end_date_is_audited_told_and_ends(chair, org):
    user = UserFactory(username="newcomer")
    MemberFactory(org_unit=org.branch_b, user=user)
    ends = timezone.localdate() + dt.timedelta(days=30)
    grant = organisation.role_grant(
        actor=chair, unit=org.branch_b, user=user, role=Role.COMMITTEE, ends_on=ends, reason="分工会换届"
    )
    assert AuditEntry.objects.get(action="rolegrant.grant").changes["reason"] == "分工会换届"
    assert Notification.objects.filter(recipient=user, subject__contains="工会委员/干事").count() == 1
    assert access.can(type(user).objects.get(pk=user.pk), "members.change_member", org.branch_b)
    RoleGrant.objects.filter(pk=grant.pk).update(ends_on=timezone.localdate() - dt.timedelta(days=1))
    assert not access.can(type(user).objects.get(pk=user.pk), "members.change_member", org.branch_b)


def test_a_grant_needs_a_reason_and_a_future_end(chair, org, member):
    with pytest.raises(organisation.OrganisationError, match="理由"):
        organisation.role_grant(actor=chair, unit=org.branch_b, user=member, role=Role.COMMITTEE, reason=" ")
    with pytest.raises(organisation.OrganisationError, match="截止日期"):
        organisation.role_grant(
            actor=chair,
            unit=org.branch_b,
            user=member,
            role=Role.COMMITTEE,
            reason="x",
            ends_on=timezone.localdate() - dt.timedelta(days=1),
        )


def test_revoking_is_audited_and_told(chair, committee, org):
    grant = RoleGrant.objects.get(user=committee)
    organisation.role_revoke(actor=chair, grant_id=grant.pk, reason="调离学校")
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    assert AuditEntry.objects.get(action="rolegrant.revoke").changes["reason"] == "调离学校"
    assert Notification.objects.filter(recipient=committee, subject__contains="已撤销").exists()


# --- views ------------------------------------------------------------------------------------

PAGES = [
    ("members:organisation", False),
    ("members:role_overview", False),
    ("members:organisation_unit", True),
]


@pytest.mark.parametrize(("name", "with_unit"), PAGES)
def test_pages_need_login(client, org, name, with_unit):
    url = reverse(name, args=[org.branch_b.pk] if with_unit else [])
    assert client.get(url).status_code == 302


@pytest.mark.parametrize(("name", "with_unit"), PAGES)
def test_pages_work_for_the_chair(login, chair, org, name, with_unit):
    url = reverse(name, args=[org.branch_b.pk] if with_unit else [])
    response = login(chair).get(url)
    assert response.status_code == 200
    assert "第一中学工会" in response.text


@pytest.mark.parametrize(("name", "with_unit"), PAGES)
def test_pages_are_404_for_outsiders(login, outsider, org, name, with_unit):
    url = reverse(name, args=[org.branch_b.pk] if with_unit else [])
    assert login(outsider).get(url).status_code == 404


def test_a_committee_member_reads_the_roster_but_may_not_keep_the_unit(login, committee, org):
    assert login(committee).get(reverse("members:organisation_unit", args=[org.branch_a.pk])).status_code == 403


def test_writes_need_post(login, chair, org):
    client = login(chair)
    for name in [
        "organisation_unit_add",
        "organisation_unit_rename",
        "organisation_unit_move",
        "organisation_unit_merge",
    ]:
        assert client.get(reverse(f"members:{name}", args=[org.branch_b.pk])).status_code == 405


def test_the_county_chair_keeps_the_whole_county(login, org):
    county_chair = UserFactory(username="county_chair")
    RoleGrant.objects.create(user=county_chair, org_unit=org.county, role=Role.CHAIR)
    response = login(county_chair).get(reverse("members:organisation"))
    assert "内科分工会" in response.text and "高二年级分工会" in response.text


def test_add_a_group_through_the_page(login, chair, org):
    response = login(chair).post(
        reverse("members:organisation_unit_add", args=[org.branch_b.pk]),
        {"name": "体育组工会小组", "kind": OrgUnit.Kind.GROUP},
    )
    assert response.status_code == 302
    assert OrgUnit.objects.filter(parent=org.branch_b, name="体育组工会小组").exists()


def test_bad_input_is_a_chinese_message_not_a_500(login, chair, org):
    response = login(chair).post(
        reverse("members:organisation_unit_add", args=[org.branch_b.pk]), {"name": "X", "kind": OrgUnit.Kind.BASE}
    )
    assert response.status_code == 400
    assert "基层工会不能设在分工会之下" in response.text


def test_grant_and_revoke_through_the_page(login, chair, org):
    user = UserFactory(username="wang")
    holder = MemberFactory(org_unit=org.branch_b, user=user, name="王老师")
    client = login(chair)
    ends = timezone.localdate() + dt.timedelta(days=365)
    response = client.post(
        reverse("members:organisation_grant_add", args=[org.branch_b.pk]),
        {"member": holder.pk, "role": Role.COMMITTEE, "ends_on": ends.isoformat(), "reason": "增补委员"},
    )
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=user)
    assert grant.ends_on == ends
    response = client.post(
        reverse("members:organisation_grant_revoke", args=[org.branch_b.pk, grant.pk]), {"reason": "任期调整"}
    )
    assert response.status_code == 302 and not RoleGrant.objects.filter(pk=grant.pk).exists()


def test_the_role_overview_has_the_same_queries_for_1_and_30_grants(login, chair, org):
    client = login(chair)
    client.get(reverse("members:role_overview"))  # session and grants warmed up

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("members:role_overview")).status_code == 200
        return len(queries)

    one = count()
    for n in range(30):
        RoleGrant.objects.create(user=UserFactory(username=f"g{n}"), org_unit=org.branch_b, role=Role.WOMEN)
    assert count() == one


# --- a merged unit leaves every list of units (issue 21, item 5) ------------------------------

UNIT_CHOICE_PAGES = [
    "members:member_list",  # the roster's unit filter
    "members:member_create",  # the member's unit
    "members:login_create",  # the unit whose members get logins
    "members:import_new",  # the unit a roster is imported into
    "activities:event_create",  # the event's union
    "plans:create",  # the unit a plan is drafted for
]


@pytest.mark.parametrize("name", UNIT_CHOICE_PAGES)
def test_a_merged_unit_is_no_choice_on_any_page(login, chair, org, name):
    organisation.unit_merge(actor=chair, source=org.branch_a, target=org.branch_b)
    response = login(chair).get(reverse(name))
    assert response.status_code == 200
    options = re.findall(r"<option[^>]*>([^<]*)</option>", response.content.decode())
    assert any("高二年级分工会" in option for option in options)
    assert not any("高一年级分工会" in option for option in options)


def test_a_merged_unit_is_out_of_the_unit_lists_but_its_history_reads(chair, committee, org):
    organisation.unit_merge(actor=chair, source=org.branch_a, target=org.branch_b)
    assert org.branch_a not in access.units(chair, "members.view_member")
    assert not OrgUnit.objects.filter(pk=org.branch_a.pk).exists()
    assert org.branch_a.pk not in {unit.pk for unit in JoinApplyForm().fields["org_unit"].queryset}
    assert OrgUnit.all_objects.get(pk=org.branch_a.pk).merged_into_id == org.branch_b.pk
    # What pointed at the merged unit still reads it (a related lookup does not hide it).
    change = MembershipChange.objects.create(
        member=MemberFactory(org_unit=org.branch_b),
        kind="transfer",
        state="approved",
        from_unit=OrgUnit.all_objects.get(pk=org.branch_a.pk),
        to_unit=org.branch_b,
        effective_on=dt.date(2024, 9, 1),
        decided_by=chair,
        decided_at=timezone.now(),
    )
    assert MembershipChange.objects.get(pk=change.pk).from_unit.name == "高一年级分工会"


def test_moving_a_parent_moves_the_path_of_a_merged_unit_under_it(org):
    county_chair = UserFactory()
    RoleGrant.objects.create(user=county_chair, org_unit=org.county, role=Role.CHAIR)
    other_group = OrgUnitFactory(kind="group", parent=org.branch_a)
    organisation.unit_merge(actor=county_chair, source=org.group_a, target=other_group)
    organisation.unit_move(actor=county_chair, unit=org.branch_a, parent=org.hospital)
    merged = OrgUnit.all_objects.get(pk=org.group_a.pk)
    assert merged.path.startswith(OrgUnit.objects.get(pk=org.branch_a.pk).path)
