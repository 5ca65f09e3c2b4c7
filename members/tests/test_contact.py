"""A member corrects their own contact details; the committee reviews (issue 21)."""

import pytest
from django.urls import reverse

from members import contact
from members.models import ContactCorrection, Member
from union_office.models import AuditEntry
from union_office.notifications.models import Notification
from union_office.todo import todo_for

pytestmark = pytest.mark.django_db


def _own(user) -> Member:
    return Member.objects.get(user=user)


def test_a_correction_waits_for_review_and_the_reviewers_are_told(member, chair, org):
    _own(member).__class__.objects.filter(user=member).update(phone="13800000000")
    correction = contact.contact_correction_submit(actor=member, phone="13912345678", email="li@example.cn")
    assert _own(member).phone == "13800000000"  # nothing changes before the review
    assert correction.previous_phone == "13800000000"
    assert Notification.objects.filter(recipient=chair, subject__contains="联系方式更正").exists()
    assert [item.label for item in todo_for(chair)] == ["联系方式更正"]


def test_approval_changes_the_roster_and_the_login_and_tells_the_member(
    member, chair, django_capture_on_commit_callbacks
):
    correction = contact.contact_correction_submit(actor=member, phone="13912345678", email="li@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        message = contact.contact_correction_decide(actor=chair, pk=correction.pk, action="approve")
    assert "已通知本人" in message
    assert _own(member).phone == "13912345678"
    member.refresh_from_db()
    assert member.email == "li@example.cn"
    assert Notification.objects.filter(recipient=member, subject__contains="已通过").exists()
    entry = AuditEntry.objects.get(action="members.contact.approve")
    assert entry.actor_id == chair.pk
    assert todo_for(chair) == []


def test_rejection_needs_a_reason_changes_nothing_and_tells_the_member(
    member, chair, django_capture_on_commit_callbacks
):
    correction = contact.contact_correction_submit(actor=member, phone="13912345678", email="")
    with pytest.raises(contact.ContactError, match="理由"):
        contact.contact_correction_decide(actor=chair, pk=correction.pk, action="reject")
    with django_capture_on_commit_callbacks(execute=True):
        contact.contact_correction_decide(actor=chair, pk=correction.pk, action="reject", comment="号码不是本人的")
    assert _own(member).phone != "13912345678"
    assert ContactCorrection.objects.get(pk=correction.pk).note == "号码不是本人的"
    assert Notification.objects.filter(recipient=member, subject__contains="未通过").exists()


def test_nobody_reviews_their_own_correction(chair):
    correction = contact.contact_correction_submit(actor=chair, phone="13912345678", email="")
    with pytest.raises(contact.ContactError, match="本人"):
        contact.contact_correction_decide(actor=chair, pk=correction.pk, action="approve")
    assert todo_for(chair) == []


def test_a_reviewer_of_another_unit_may_not(member, other_committee):
    correction = contact.contact_correction_submit(actor=member, phone="13912345678", email="")
    with pytest.raises(contact.ContactError):
        contact.contact_correction_decide(actor=other_committee, pk=correction.pk, action="approve")


def test_bad_input_and_a_second_request_are_refused_in_chinese(member):
    with pytest.raises(contact.ContactError, match="手机号格式"):
        contact.contact_correction_submit(actor=member, phone="12345", email="")
    with pytest.raises(contact.ContactError, match="电子邮箱"):
        contact.contact_correction_submit(actor=member, phone="13912345678", email="not-an-email")
    contact.contact_correction_submit(actor=member, phone="13912345678", email="")
    with pytest.raises(contact.ContactError, match="等待审核"):
        contact.contact_correction_submit(actor=member, phone="13912345679", email="")
    assert ContactCorrection.objects.count() == 1


# --- views ------------------------------------------------------------------------------------


def test_the_member_sends_a_correction_through_the_page(login, member):
    client = login(member)
    assert client.get(reverse("members:my_contact")).status_code == 200
    response = client.post(reverse("members:my_contact"), {"phone": "13912345678", "email": ""})
    assert response.status_code == 302
    page = client.get(reverse("members:my_contact"))
    assert "正在等待工会审核" in page.text


def test_bad_input_on_the_page_is_a_message_not_a_500(login, member):
    response = login(member).post(reverse("members:my_contact"), {"phone": "abc", "email": ""})
    assert response.status_code == 400 and "手机号格式" in response.text
    assert not ContactCorrection.objects.exists()


def test_a_user_without_a_member_record_gets_404(login, org):
    from members.tests.factories import UserFactory

    assert login(UserFactory()).get(reverse("members:my_contact")).status_code == 404


def test_review_page_access(login, member, chair, outsider, treasurer):
    correction = contact.contact_correction_submit(actor=member, phone="13912345678", email="")
    assert "13912345678" in login(chair).get(reverse("members:contact_corrections")).text
    assert login(member).get(reverse("members:contact_corrections")).status_code == 404
    assert login(treasurer).get(reverse("members:contact_corrections")).status_code == 404
    act = reverse("members:contact_correction_act", args=[correction.pk, "approve"])
    assert login(outsider).post(act).status_code == 404
    assert login(chair).get(act).status_code == 405
    assert login(chair).post(act).status_code == 302
    assert _own(member).phone == "13912345678"


def test_the_review_list_has_the_same_queries_for_1_and_30(login, chair, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from members.tests.factories import MemberFactory, UserFactory

    client = login(chair)

    def add():
        user = UserFactory()
        MemberFactory(org_unit=org.branch_b, user=user)
        contact.contact_correction_submit(actor=user, phone="13912345678", email="")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("members:contact_corrections")).status_code == 200
        return len(queries)

    add()
    client.get(reverse("members:contact_corrections"))
    one = count()
    for _ in range(29):
        add()
    assert count() == one
