"""TWO_FACTOR_REQUIRED: every role that reads sensitive data enrols and verifies first (docs/authentication.md)."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.models import Role
from members.tests.factories import RoleGrantFactory, UserFactory
from members.twofactor import requires_two_factor, roles_reading_sensitive_data
from union_office.accounts.enrolment import enrolment_code_issue
from union_office.models import AuditEntry, TwoFactorEnrolmentCode


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def test_policy_names_every_role_that_reads_sensitive_data(chair, treasurer, committee, member, auditor, org):
    """Issue 17, finding 4: committee (full ID numbers, hardship files) and auditor (the ledger) too."""
    for user in (chair, treasurer, committee, auditor):
        assert requires_two_factor(user), user
    assert not requires_two_factor(member)
    women = UserFactory(username="women")
    RoleGrantFactory(user=women, org_unit=org.school, role=Role.WOMEN)
    assert not requires_two_factor(women)


def test_the_default_roles_are_those_that_read_full_ids_files_aid_or_the_ledger():
    from union_office import settings as project_settings

    assert set(project_settings.TWO_FACTOR_REQUIRED_ROLES) == roles_reading_sensitive_data()


def test_roles_come_from_the_setting(settings, committee, chair):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["committee"]
    assert requires_two_factor(committee)
    assert not requires_two_factor(chair)


@pytest.mark.parametrize("persona", ["chair", "treasurer"])
def test_required_roles_are_sent_to_enrol_before_any_page(required, client, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    for path in ["/", "/members/", "/password/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith("/account/two-factor/enrol/?next="), path
    page = client.get("/account/two-factor/enrol/")
    assert page.status_code == 200
    assert "须启用两步验证" in page.text
    # Logging out stays possible.
    assert client.post("/logout/").status_code == 302


def test_after_enrolment_the_chair_works_normally(required, client, chair):
    client.force_login(chair)
    client.get("/account/two-factor/enrol/")
    device = TOTPDevice(user=chair, key=client.session["uo_pending_totp_key"])
    token = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    code = enrolment_code_issue(actor=None, user=chair)
    response = client.post("/account/two-factor/enrol/", {"token": token, "enrolment_code": code, "next": "/members/"})
    assert response.status_code == 302
    assert client.get("/members/").status_code == 200


def test_other_roles_are_not_asked(required, client, member):
    client.force_login(member)
    assert client.get("/").status_code == 200


def test_a_role_granted_mid_session_needs_the_second_factor_at_the_next_request(required, client, member, org):
    """Issue 17, finding 4: the requirement was decided at login, so a new 委员 worked 12 h without it."""
    client.force_login(member)
    assert client.get("/").status_code == 200
    RoleGrantFactory(user=member, org_unit=org.branch_b, role=Role.COMMITTEE)
    response = client.get("/members/")
    assert response.status_code == 302 and response.url.startswith("/account/two-factor/enrol/")


def test_the_chair_issues_an_enrolment_code_for_a_member_of_the_unit(client, chair, committee, other_committee):
    client.force_login(chair)
    own = committee.member
    page = client.get(reverse("members:member_detail", args=[own.pk]))
    assert "发放两步验证启用码" in page.text
    response = client.post(reverse("members:member_two_factor_code", args=[own.pk]))
    assert response.status_code == 200
    code = re.search(r'data-testid="enrolment-code">([A-Z0-9-]+)<', response.text)[1]
    entry = AuditEntry.objects.get(action="two_factor.enrolment_code_issued")
    assert entry.actor == chair and entry.object_id == str(committee.pk)
    assert TwoFactorEnrolmentCode.objects.get(user=committee).code_hash != code
    # Another union's member: 404; the GET of the action: 405; a committee member may not issue: 403.
    other = other_committee.member
    assert client.post(reverse("members:member_two_factor_code", args=[other.pk])).status_code == 404
    assert client.get(reverse("members:member_two_factor_code", args=[own.pk])).status_code == 405
    client.force_login(committee)
    assert client.post(reverse("members:member_two_factor_code", args=[own.pk])).status_code == 403


def test_requirement_off_lets_the_chair_in_without_a_phone(settings, client, chair):
    settings.TWO_FACTOR_REQUIRED = False
    client.force_login(chair)
    assert client.get("/").status_code == 200


def test_a_required_user_who_disables_must_enrol_again(required, client, chair):
    chair.set_password("chair-password-1")
    chair.save()
    device = TOTPDevice.objects.create(user=chair, name="手机", confirmed=True)
    client.force_login(chair)
    token = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert client.post("/account/two-factor/verify/", {"token": token}).status_code == 302
    response = client.post("/account/two-factor/disable/", {"password": "chair-password-1"})
    assert response.url == "/account/two-factor/enrol/"
    assert client.get("/").url.startswith("/account/two-factor/enrol/")
