"""Separation of duties and "your turn" notices of the aid workflow (issue 16): nobody reviews
their own application, 审定 and 发放 are different people, only the paying unit's treasurer pays,
a 分工会 cannot undo the chair's decision; each handoff tells each person once."""

import pytest
from django.urls import reverse
from django.utils import timezone

from finance.models import LedgerEntry
from members.models import Role
from members.tests.factories import MemberFactory, RoleGrantFactory, UserFactory
from union_office.notifications import Notification
from welfare.models import AidApplication, AidState
from welfare.services import aid as aid_services
from welfare.services.aid import AidError

from .conftest import advance, end_notice

pytestmark = pytest.mark.django_db

VISIT = {"visited_on": None, "visitors": "王建国、李晓梅", "findings": "情况属实"}


def move(actor, application, action, **fields):
    return aid_services.aid_transition(actor=actor, application_id=application.pk, action=action, **fields)


def visit():
    return {**VISIT, "visited_on": timezone.localdate()}


@pytest.fixture
def b_committee(org):
    """A committee member of 分工会 B, where `member` applies."""
    user = UserFactory(username="b_committee", first_name="二分会委员")
    MemberFactory(org_unit=org.branch_b, user=user)
    RoleGrantFactory(user=user, org_unit=org.branch_b, role=Role.COMMITTEE)
    return user


@pytest.fixture
def application(member):
    return aid_services.aid_create(
        actor=member, member=member.member, kind="illness", amount_requested="5000", reason="住院", submit=True
    )


def test_the_chair_cannot_review_his_own_application(chair, b_committee, treasurer, budget):
    own = aid_services.aid_create(
        actor=chair, member=chair.member, kind="living", amount_requested="9000", reason="本人申请", submit=True
    )
    for action, fields in [("screen", {}), ("reject", {"comment": "x"})]:
        with pytest.raises(AidError, match="这是您本人（或家属）的帮扶申请，“.*”须由其他人办理"):
            move(chair, own, action, **fields)
    AidApplication.objects.filter(pk=own.pk).update(state=AidState.VERIFIED)
    with pytest.raises(AidError, match="这是您本人"):
        move(chair, own, "decide", amount_granted="9000")
    own.refresh_from_db()
    assert own.state == AidState.VERIFIED
    assert not LedgerEntry.objects.exists()


def test_the_committee_cannot_pay(application, chair, b_committee, budget):
    application = end_notice(advance(application, "notice", chair=chair))
    for payer in (b_committee, chair):
        with pytest.raises(AidError, match="这一步由有“记账”权限的人员办理"):
            move(payer, application, "pay")
    assert not LedgerEntry.objects.exists()


def test_who_decided_does_not_pay(application, org, chair, budget):
    """A chair who also keeps the books (a small union) still needs a second person to pay."""
    RoleGrantFactory(user=chair, org_unit=org.school, role=Role.TREASURER)
    application = end_notice(advance(application, "notice", chair=chair))
    with pytest.raises(AidError, match="您已办理“审定”，“发放并记账”须由另一人办理"):
        move(chair, application, "pay")
    assert AidApplication.objects.get(pk=application.pk).state == AidState.NOTICE


def test_a_branch_cannot_undo_the_chairs_decision(application, chair, b_committee):
    move(b_committee, application, "screen")
    move(b_committee, application, "verify", **visit())
    move(chair, application, "decide", amount_granted="3000")
    with pytest.raises(AidError, match="这一步由有“审定帮扶金额”权限的人员办理"):
        move(b_committee, application, "reject", comment="不同意")
    assert move(chair, application, "reject", comment="复核后不符合条件").state == AidState.REJECTED


def test_the_decided_amount_stays_within_the_request(application, chair):
    application = advance(application, "verified", chair=chair)
    with pytest.raises(AidError, match="审定金额不能超过申请金额 5000.00 元"):
        move(chair, application, "decide", amount_granted="50000")


def test_every_handoff_tells_each_person_once(
    application, member, chair, b_committee, treasurer, budget, django_capture_on_commit_callbacks
):
    def told(action, actor, **fields):
        before = set(Notification.objects.values_list("pk", flat=True))
        with django_capture_on_commit_callbacks(execute=True):
            result = aid_services.aid_perform(actor=actor, application_id=application.pk, action=action, **fields)
        new = Notification.objects.exclude(pk__in=before)
        return result, sorted((n.recipient.username, n.kind) for n in new)

    result, notes = told("screen", b_committee)
    assert notes == [("chair", "welfare.aid_turn"), ("member", "welfare.aid_decided")]
    assert result.message == "初审通过，已通知申请人和审核人。"
    result, notes = told("verify", b_committee, **visit())
    assert notes == [("chair", "welfare.aid_turn")]
    assert result.message == "入户核实已登记，已通知审定人。"
    result, notes = told("decide", chair, amount_granted="3000")
    assert notes == [("b_committee", "welfare.aid_turn"), ("member", "welfare.aid_decided")]
    result, notes = told("publish", b_committee)
    assert notes == [("member", "welfare.aid_decided"), ("treasurer", "welfare.aid_turn")]
    assert result.message == "公示已开始，已通知申请人和财务。"
    end_notice(application)
    result, notes = told("pay", treasurer)
    assert notes == [("member", "welfare.aid_decided")]
    assert result.message == "已发放并记账，已通知申请人。"
    # Each notice links to the page where the person acts.
    assert {n.url for n in Notification.objects.all()} == {reverse("welfare:aid_detail", args=[application.pk])}


def test_no_pay_button_during_the_notice_and_it_says_when(login, application, chair, treasurer, budget):
    application = advance(application, "notice", chair=chair)
    page = login(treasurer).get(reverse("welfare:aid_detail", args=[application.pk])).content.decode()
    assert 'data-action="pay" data-blocked' in page
    assert f"{application.notice_ends_on + timezone.timedelta(days=1)} 起可以发放" in page
    assert f'action="{reverse("welfare:aid_act", args=[application.pk, "pay"])}"' not in page
    end_notice(application)
    page = login(treasurer).get(reverse("welfare:aid_detail", args=[application.pk])).content.decode()
    assert f'action="{reverse("welfare:aid_act", args=[application.pk, "pay"])}"' in page
    assert "data-confirm=" in page and "发放后不能撤销" in page


def test_the_reviewer_is_not_offered_withdraw(login, application, member, chair):
    page = login(chair).get(reverse("welfare:aid_detail", args=[application.pk])).content.decode()
    assert 'data-action="screen"' in page
    assert 'data-action="withdraw"' not in page
    page = login(member).get(reverse("welfare:aid_detail", args=[application.pk])).content.decode()
    assert 'data-action="withdraw"' in page
    assert 'data-action="screen"' not in page


def test_the_result_says_what_was_done(login, application, chair):
    response = login(chair).post(reverse("welfare:aid_act", args=[application.pk, "screen"]), follow=True)
    assert "初审通过，已通知申请人" in response.content.decode()
