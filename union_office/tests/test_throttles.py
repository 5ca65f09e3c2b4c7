"""Issue 17, findings 5 and 9: password spraying, resets, reveals and exports are throttled; passwords
are long and not guessable; every response carries a Permissions-Policy."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

OFFICE_NAT = "10.0.0.1"


def UserFactory(username):
    return get_user_model().objects.create_user(username=username)


def post_login(client, username, password="wrong-password-1", ip=OFFICE_NAT):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def tight(settings):
    settings.THROTTLE_LOGIN_FAILURES_PER_ADDRESS = "6/15m"
    settings.THROTTLE_LOGIN_FAILURES_PER_USERNAME = "4/15m"
    settings.THROTTLE_PASSWORD_RESET = "3/h"
    settings.THROTTLE_ID_REVEALS = "2/h"
    settings.THROTTLE_EXPORTS = "2/h"


def test_one_address_spraying_many_accounts_is_stopped(db, client, tight):
    """Four wrong passwords on every account stayed under the per-account lockout; the address now counts."""
    users = [UserFactory(username=f"user{n}") for n in range(8)]
    for user in users[:3]:
        for _attempt in range(2):
            assert post_login(client, user.username).status_code == 200
    response = post_login(client, users[5].username)
    assert response.status_code == 429 and 'data-testid="rate-limited"' in response.text
    # Another address is not affected.
    assert post_login(client, users[5].username, ip="192.168.5.7").status_code == 200


def test_one_account_guessed_from_many_addresses_is_stopped(db, client, tight):
    UserFactory(username="chair_wang")
    for n in range(4):
        assert post_login(client, "chair_wang", ip=f"172.16.0.{n}").status_code == 200
    assert post_login(client, "chair_wang", ip="172.16.0.99").status_code == 429


def test_successful_logins_behind_one_address_use_no_allowance(db, client, tight):
    user = UserFactory(username="clerk")
    user.set_password("a-long-Passphrase-77")
    user.save()
    for _attempt in range(10):
        assert post_login(client, "clerk", "a-long-Passphrase-77").status_code == 302
        client.logout()


def test_password_reset_requests_are_throttled(db, client, tight):
    for _attempt in range(3):
        assert client.post("/password/reset/", {"email": "x@example.org"}).status_code == 302
    assert client.post("/password/reset/", {"email": "y@example.org"}).status_code == 429


def test_full_id_reveals_and_exports_are_throttled_per_user(login, chair, member_in_a, tight):
    client = login(chair)
    url = reverse("members:member_reveal_id_number", args=[member_in_a.pk])
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 429
    export = reverse("members:export_xlsx")
    assert client.get(export).status_code == 200
    assert client.get(export).status_code == 200
    assert client.get(export).status_code == 429


@pytest.mark.parametrize("password", ["tradeunion1", "password1234", "qwertyuiop12", "zhangsan1985", "111122223333"])
def test_short_or_guessable_passwords_are_refused(db, password):
    with pytest.raises(ValidationError):
        validate_password(password, UserFactory(username="zhangsan"))


def test_a_long_unguessable_password_passes(db):
    validate_password("灯塔-Walnut-rivet-93", UserFactory(username="zhangsan"))


@pytest.mark.parametrize("path", ["/login/", "/", "/no-such-page/", "/members/export/"])
def test_every_response_has_a_permissions_policy(login, chair, member_in_a, path):
    response = login(chair).get(path)
    policy = response.headers.get("Permissions-Policy", "")
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy, (path, policy)
