"""Issue 17, finding 6: every audit entry says where from (client address, user agent)."""

from django.urls import reverse

from union_office.models import AuditEntry


def test_an_audit_entry_records_the_address_and_user_agent(login, chair, member_in_a):
    client = login(chair)
    response = client.post(
        reverse("members:member_reveal_id_number", args=[member_in_a.pk]),
        REMOTE_ADDR="10.1.2.3",
        HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0) 测试浏览器",
    )
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="member.reveal_id_number")
    assert entry.ip_address == "10.1.2.3"
    assert entry.user_agent == "Mozilla/5.0 (Windows NT 10.0) 测试浏览器"


def test_a_forged_address_is_not_stored_and_breaks_nothing(login, chair, member_in_a, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    response = login(chair).post(
        reverse("members:member_reveal_id_number", args=[member_in_a.pk]), HTTP_X_FORWARDED_FOR="not-an-address"
    )
    assert response.status_code == 200
    assert AuditEntry.objects.get(action="member.reveal_id_number").ip_address is None


def test_entries_outside_a_request_have_no_origin(db, chair):
    from union_office.audit import audit_record

    entry = audit_record(actor=None, action="test.system")
    assert entry.ip_address is None and entry.user_agent == ""
