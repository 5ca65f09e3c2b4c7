"""TWO_FACTOR_REQUIRED: 工会主席 and 财务 must enrol and verify before any other page (docs/authentication.md)."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.twofactor import requires_two_factor


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def test_policy_names_chair_and_treasurer(chair, treasurer, committee, member, auditor):
    assert requires_two_factor(chair)
    assert requires_two_factor(treasurer)
    assert not requires_two_factor(committee)
    assert not requires_two_factor(auditor)
    assert not requires_two_factor(member)


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
    device = TOTPDevice.objects.get(user=chair)
    token = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post("/account/two-factor/enrol/", {"token": token, "next": "/members/"})
    assert response.status_code == 302
    assert client.get("/members/").status_code == 200


def test_other_roles_are_not_asked(required, client, committee, member):
    for user in (committee, member):
        client.force_login(user)
        assert client.get("/").status_code == 200


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
