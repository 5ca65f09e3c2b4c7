"""Logins from the roster (issue 21): created in one step with a code sheet; a leaver's login is
disabled and restored on 转入."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from members import logins
from members.membership import services as membership
from members.models import Member, MembershipChange
from members.tests.factories import MemberFactory
from union_office.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_logins_for_chosen_members_with_working_codes(chair, org):
    people = [MemberFactory(org_unit=org.branch_b, member_no=f"GH{n}") for n in range(3)]
    issued = logins.logins_create(actor=chair, member_ids=[p.pk for p in people])
    assert sorted(i.username for i in issued) == ["gh0", "gh1", "gh2"]
    for login in issued:
        assert len(login.code) == logins.CODE_LENGTH
        user = Member.objects.get(pk=login.member.pk).user
        assert user.username == login.username and user.check_password(login.code)
    assert AuditEntry.objects.filter(action="member.login_create").count() == 3
    assert not AuditEntry.objects.filter(changes__icontains=issued[0].code).exists()


def test_members_with_a_login_or_off_the_roll_are_skipped(chair, org, member):
    gone = MemberFactory(org_unit=org.branch_b, status="withdrawn")
    assert logins.logins_create(actor=chair, member_ids=[member.member.pk, gone.pk]) == []


def test_a_committee_member_creates_logins_only_in_their_own_branch(committee, org):
    theirs, other = MemberFactory(org_unit=org.group_a), MemberFactory(org_unit=org.branch_b)
    assert [m.pk for m in logins.without_login(committee)] == [theirs.pk]
    with pytest.raises(logins.access.PermissionDenied):
        logins.logins_create(actor=committee, member_ids=[theirs.pk, other.pk])
    assert not get_user_model().objects.filter(member__pk=theirs.pk).exists()


def _change(chair, member, kind, **extra):
    change = membership.membership_request(
        actor=chair, member=member, kind=kind, effective_on=timezone.localdate(), reason="测试", **extra
    )
    return membership.membership_approve(actor=chair, change_id=change.pk)


def test_a_leavers_login_is_disabled_and_restored_on_transfer_in(chair, org, member, login):
    leaver = member.member
    _change(chair, leaver, "withdraw")
    member.refresh_from_db()
    assert member.is_active is False
    assert login(member).get(reverse("dashboard")).status_code == 302  # the session no longer holds
    assert AuditEntry.objects.filter(action="membership.approve", changes__has_key="login_active").exists()
    _change(
        chair, Member.objects.get(pk=leaver.pk), "transfer_in", to_unit=org.branch_b, external_unit="外县第二中学工会"
    )
    member.refresh_from_db()
    assert member.is_active is True
    assert MembershipChange.objects.filter(member=leaver).count() == 2


def test_the_page_creates_a_whole_unit_and_prints_the_sheet(login, chair, org):
    people = [MemberFactory(org_unit=org.group_a, name=f"组员{n}") for n in range(4)]
    client = login(chair)
    page = client.get(reverse("members:login_create"), {"unit": org.group_a.pk})
    assert page.status_code == 200 and "组员3" in page.text
    response = client.post(f"{reverse('members:login_create')}?unit={org.group_a.pk}", {"whole_unit": "on"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response.text.count("uo-code-slip") == 4
    assert all(Member.objects.get(pk=p.pk).user_id for p in people)


def test_an_empty_choice_is_a_chinese_message(login, chair):
    response = login(chair).post(reverse("members:login_create"), {})
    assert response.status_code == 400 and "请勾选会员" in response.text


def test_the_page_is_403_for_roles_without_the_roster(login, member, treasurer):
    assert login(member).get(reverse("members:login_create")).status_code == 403
    assert login(treasurer).get(reverse("members:login_create")).status_code == 403


def test_another_units_filter_is_404(login, chair, org):
    assert login(chair).get(reverse("members:login_create"), {"unit": org.ward.pk}).status_code == 404


# --- activation by email ----------------------------------------------------------------------


def _link(message) -> str:
    return next(line for line in message.body.splitlines() if "/members/logins/activate/" in line)


def test_a_member_with_an_email_gets_an_activation_link_not_a_code(
    chair, org, client, mailoutbox, django_capture_on_commit_callbacks
):
    emailed, coded = MemberFactory(org_unit=org.branch_b, name="钱老师"), MemberFactory(org_unit=org.branch_b)
    with django_capture_on_commit_callbacks(execute=True):
        issued = logins.logins_create(
            actor=chair,
            member_ids=[emailed.pk, coded.pk],
            emails={emailed.pk: "qian@example.cn"},
            base_url="http://testserver/",
        )
    by_member = {login.member.pk: login for login in issued}
    assert by_member[emailed.pk].code == "" and len(by_member[coded.pk].code) == logins.CODE_LENGTH
    user = Member.objects.get(pk=emailed.pk).user
    assert user.email == "qian@example.cn" and not user.has_usable_password()
    assert [m.to for m in mailoutbox] == [["qian@example.cn"]]
    assert "钱老师" in mailoutbox[0].body and "7 天内" in mailoutbox[0].body
    # The link sets the password once.
    link = _link(mailoutbox[0]).strip().removeprefix("http://testserver")
    page = client.get(link, follow=True)
    assert page.status_code == 200 and "new_password1" in page.text
    password = "Lianxi-gonghui-2026!"
    response = client.post(page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(password)
    again = client.get(link, follow=True)
    assert "new_password1" not in again.text  # spent


def test_the_activation_link_expires(chair, org, settings, mailoutbox, django_capture_on_commit_callbacks):
    person = MemberFactory(org_unit=org.branch_b)
    with django_capture_on_commit_callbacks(execute=True):
        logins.logins_create(actor=chair, member_ids=[person.pk], emails={person.pk: "a@example.cn"})
    user = Member.objects.get(pk=person.pk).user
    token = _link(mailoutbox[0]).rstrip("/").split("/")[-1]
    assert logins.activation_tokens.check_token(user, token)
    settings.LOGIN_ACTIVATION_TIMEOUT = -1
    assert not logins.activation_tokens.check_token(user, token)
    # Not a password-reset token either: the two have their own salts.
    from django.contrib.auth.tokens import default_token_generator

    assert not default_token_generator.check_token(user, token)


def test_a_bad_email_on_the_page_is_a_chinese_message_and_nothing_is_created(login, chair, org):
    person = MemberFactory(org_unit=org.branch_b, name="孙老师")
    response = login(chair).post(
        reverse("members:login_create"), {"members": [person.pk], f"email-{person.pk}": "not-an-address"}
    )
    assert response.status_code == 400 and "孙老师的电子邮箱" in response.text
    assert Member.objects.get(pk=person.pk).user_id is None


def test_the_page_lists_who_got_a_link_and_prints_slips_for_the_rest(login, chair, org, mailoutbox):
    emailed, coded = MemberFactory(org_unit=org.branch_b, name="周老师"), MemberFactory(org_unit=org.branch_b)
    response = login(chair).post(
        reverse("members:login_create"),
        {"members": [emailed.pk, coded.pk], f"email-{emailed.pk}": "zhou@example.cn"},
    )
    assert response.status_code == 200
    assert "zhou@example.cn" in response.text and "已发送激活链接" in response.text
    assert response.text.count("uo-code-slip") == 1
