"""The inbox, the navbar badge and the 待提醒 page: each user sees only their own rows."""

import itertools
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from union_office.notifications import Channel, Notification, NotificationMute, notify, register_kind
from union_office.notifications import reminder_schedule as schedule
from union_office.notifications.kinds import REMINDER_KINDS

_usernames = itertools.count(1)


def make_user(*, username: str | None = None, email: str = ""):
    """A plain auth user: the kernel's tests may not build members (dependencies point one way)."""
    return get_user_model().objects.create(username=username or f"user{next(_usernames)}", email=email)


KIND = "tests.views"


@pytest.fixture(autouse=True)
def _kind():
    register_kind(KIND, label="活动开始提醒（测试）", description="报名的活动开始前一天")
    yield
    REMINDER_KINDS.pop(KIND, None)


def _notice(user, subject="运动会明天开始", url="/activities/1/", key=""):
    notify(kind=KIND, recipient=user, subject=subject, url=url, key=key, channels=[Channel.INAPP])
    return Notification.objects.filter(recipient=user).latest("pk")


def test_the_inbox_lists_only_my_messages(login, member, outsider):
    _notice(member, "给会员的消息")
    _notice(outsider, "给外单位的消息")
    response = login(member).get(reverse("notifications:inbox"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "给会员的消息" in content
    assert "给外单位的消息" not in content


def test_the_inbox_needs_a_login(client):
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_unread_filter(login, member):
    _notice(member, "已读的", key="a").read_at = None
    Notification.objects.filter(subject="已读的").update(read_at=timezone.now())
    _notice(member, "未读的", key="b")
    content = login(member).get(reverse("notifications:inbox") + "?show=unread").content.decode()
    assert "未读的" in content
    assert "已读的" not in content


def test_opening_a_message_marks_it_read_and_follows_its_link(login, member):
    notification = _notice(member)
    response = login(member).post(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/activities/1/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_link_to_another_site_is_not_followed(login, member):
    notification = _notice(member, url="https://evil.example.com/")
    response = login(member).post(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == reverse("notifications:inbox")


@pytest.mark.parametrize("name", ["notifications:open", "notifications:read"])
def test_another_users_message_is_404_and_stays_unread(login, member, outsider, name):
    theirs = _notice(outsider)
    assert login(member).post(reverse(name, args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("name", ["notifications:open", "notifications:read", "notifications:mark_all_read"])
def test_writes_need_post(login, member, name):
    notification = _notice(member)
    args = [] if name.endswith("all_read") else [notification.pk]
    assert login(member).get(reverse(name, args=args)).status_code == 405


def test_mark_read_by_htmx_returns_the_row_and_refreshes_the_badge(login, member):
    notification = _notice(member)
    response = login(member).post(reverse("notifications:read", args=[notification.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Trigger"] == "notifications-changed"
    assert f'id="notification-{notification.pk}"' in response.content.decode()
    assert "标为已读" not in response.content.decode()


def test_mark_all_read(login, member, outsider):
    _notice(member, key="a")
    _notice(member, key="b")
    theirs = _notice(outsider)
    response = login(member).post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=member, read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_badge_counts_my_unread_messages_and_follows_changes(login, member, outsider):
    client = login(member)
    assert 'data-unread="0"' in client.get(reverse("notifications:badge")).content.decode()
    first = _notice(member, key="a")
    _notice(member, key="b")
    _notice(outsider)
    assert 'data-unread="2"' in client.get(reverse("notifications:badge")).content.decode()
    client.post(reverse("notifications:read", args=[first.pk]))
    assert 'data-unread="1"' in client.get(reverse("notifications:badge")).content.decode()


def test_the_badge_is_cached_between_changes(login, member, django_assert_num_queries):
    client = login(member)
    _notice(member)
    client.get(reverse("notifications:badge"))
    # The user only: the session and the count come from the cache.
    with django_assert_num_queries(1):
        assert 'data-unread="1"' in client.get(reverse("notifications:badge")).content.decode()


def test_pages_pay_no_query_for_the_badge(login, member):
    response = login(member).get(reverse("dashboard"))
    content = response.content.decode()
    assert f'hx-get="{reverse("notifications:badge")}"' in content
    assert 'hx-trigger="load"' in content


def test_the_inbox_query_count_does_not_grow_with_messages(login, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(member)

    def queries() -> int:
        client.get(reverse("notifications:badge"))  # warm the cached count
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("notifications:inbox")).status_code == 200
        return len(captured)

    _notice(member, key="first")
    one = queries()
    for i in range(30):
        _notice(member, key=str(i))
    assert queries() == one
    assert one <= 5  # user, the page's count and rows, the navbar's role reads (the session is cached)


def test_upcoming_lists_my_pending_reminders_with_their_channels(login, member, outsider):
    later = timezone.now() + timedelta(days=1)
    schedule(kind=KIND, recipient=member, due_at=later, subject="明天的运动会", key="m")
    schedule(kind=KIND, recipient=outsider, due_at=later, subject="外单位的活动", key="o")
    content = login(member).get(reverse("notifications:upcoming")).content.decode()
    assert "明天的运动会" in content
    assert "外单位的活动" not in content
    assert "站内消息" in content and "电子邮件" in content
    assert "活动开始提醒（测试）" in content


def test_muting_a_kind_from_the_upcoming_page(login, member):
    client = login(member)
    response = client.post(reverse("notifications:mute"), {"kind": KIND, "muted": "1"}, follow=True)
    assert NotificationMute.objects.filter(user=member, kind=KIND).exists()
    assert "已关闭" in response.content.decode()
    client.post(reverse("notifications:mute"), {"kind": KIND, "muted": "0"})
    assert not NotificationMute.objects.filter(user=member, kind=KIND).exists()


def test_muting_an_unknown_kind_is_refused_with_a_message(login, member):
    response = login(member).post(reverse("notifications:mute"), {"kind": "nope", "muted": "1"}, follow=True)
    assert "没有这种提醒类型" in response.content.decode()
    assert not NotificationMute.objects.exists()


def test_the_admin_can_settle_a_review_row(admin_client):
    from union_office.notifications import Delivery

    user = make_user(email="x@example.org")
    reminder = schedule(kind=KIND, recipient=user, due_at=timezone.now(), subject="x", channels=[Channel.EMAIL])
    delivery = reminder.deliveries.get()
    import uuid

    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.REVIEW, claimed_at=timezone.now(), claim_token=uuid.uuid4(), attempted_at=timezone.now()
    )
    response = admin_client.post(
        reverse("admin:union_office_delivery_changelist"), {"action": "requeue", "_selected_action": [delivery.pk]}
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.state, delivery.claim_token) == (Delivery.State.PENDING, None)


def test_the_upcoming_query_count_does_not_grow_with_reminders(login, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(member)
    later = timezone.now() + timedelta(days=1)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("notifications:upcoming")).status_code == 200
        return len(captured)

    schedule(kind=KIND, recipient=member, due_at=later, subject="第一条", key="first")
    client.get(reverse("notifications:upcoming"))  # warm the session
    one = queries()
    for i in range(30):
        schedule(kind=KIND, recipient=member, due_at=later, subject=f"提醒 {i}", key=str(i))
    assert queries() == one
