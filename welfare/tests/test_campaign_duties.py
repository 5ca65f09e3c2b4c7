"""金秋助学 on the workflow kernel (issue 16): a 分工会 cannot undo the county's decision, only the
county's treasurer pays, the parent does not review their own child's case; who is told."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from finance.models import LedgerEntry
from finance.tests.builders import approved_budget
from members.models import Role
from members.tests.factories import MemberFactory, RoleGrantFactory, UserFactory
from union_office.notifications import Notification
from welfare.models import StudentApplication, StudentPayment, StudentState
from welfare.services import campaign as services
from welfare.services.campaign import CampaignError

from .campaign_builders import campaign, county_chair, county_treasurer, student_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(org):
    return county_chair(org)


@pytest.fixture
def payer(org):
    return county_treasurer(org)


@pytest.fixture
def b_committee(org):
    user = UserFactory(username="b_committee")
    MemberFactory(org_unit=org.branch_b, user=user)
    RoleGrantFactory(user=user, org_unit=org.branch_b, role=Role.COMMITTEE)
    return user


@pytest.fixture
def jinqiu(org, boss):
    approved_budget(org.county, timezone.localdate().year, {"50201": "100000.00"})
    return campaign(org, boss)


def move(actor, a, action, **kw):
    return services.student_transition(actor=actor, application_id=a.pk, action=action, **kw)


def approved(jinqiu, member, b_committee, boss, county_reviewer=None):
    a = services.student_apply(
        actor=member,
        campaign=jinqiu,
        member=member.member,
        student_name="吴小雨",
        student_id=student_id(3),
        school="河北师范大学",
        admission="二本",
        reason="父亲去世",
    )
    move(b_committee, a, "base_review")
    move(b_committee, a, "home_visit", visited_on=timezone.localdate(), visitors="王、李", findings="属实")
    move(county_reviewer or boss, a, "upper_review")
    return move(boss, a, "approve", tier_id=jinqiu.tiers.get(name="一档").pk)


def test_a_branch_cannot_reject_what_the_county_approved(jinqiu, member, b_committee, boss):
    a = approved(jinqiu, member, b_committee, boss)
    with pytest.raises(CampaignError, match="您不能对这份申请执行“驳回”"):
        move(b_committee, a, "reject", comment="分工会认为不符合")
    a.refresh_from_db()
    assert a.state == StudentState.APPROVED
    assert StudentPayment.objects.filter(application=a).count() == 4  # the payment rows stay
    assert move(boss, a, "reject", comment="复核不符合").state == StudentState.REJECTED


def test_only_the_county_treasurer_pays_and_not_who_approved(org, jinqiu, member, b_committee, boss, payer):
    a = approved(jinqiu, member, b_committee, boss)
    a = move(boss, a, "publish")
    StudentApplication.objects.filter(pk=a.pk).update(notice_ends_on=timezone.localdate() - dt.timedelta(days=1))
    for who in (boss, b_committee):
        with pytest.raises(CampaignError, match="这一步由有“记账”权限的人员办理"):
            move(who, a, "pay")
    RoleGrantFactory(user=boss, org_unit=org.county, role=Role.TREASURER)
    boss = type(boss).objects.get(pk=boss.pk)  # grants are read once per request (user object)
    with pytest.raises(CampaignError, match="您已办理“审定”"):
        move(boss, a, "pay")
    assert not LedgerEntry.objects.exists()
    assert move(payer, a, "pay").state == StudentState.PAID


def test_the_parent_does_not_review_their_own_childs_case(org, jinqiu, member):
    RoleGrantFactory(user=member, org_unit=org.branch_b, role=Role.COMMITTEE)
    a = services.student_apply(
        actor=member,
        campaign=jinqiu,
        member=member.member,
        student_name="吴小雨",
        student_id=student_id(4),
        school="河北师范大学",
        admission="二本",
        reason="父亲去世",
    )
    with pytest.raises(CampaignError, match="这是您本人（或家属）的申请"):
        move(member, a, "base_review")


def test_who_is_told_at_each_handoff(
    jinqiu, member, b_committee, boss, payer, chair, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        a = approved(jinqiu, member, b_committee, boss)
        move(boss, a, "publish")
    told = sorted(Notification.objects.values_list("recipient__username", "subject"))
    assert told.count(("member", "您的金秋助学申请已通过基层工会审核")) == 1
    assert told.count(("member", "您的金秋助学申请已审定，即将公示")) == 1
    assert ("county_chair", f"待上级工会审核：{a}") in told  # after the home visit
    assert ("payer", f"公示期满后待发放：{a}") not in told
    assert ("county_treasurer", f"公示期满后待发放：{a}") in told
    assert ("chair", f"待基层工会审核：{a}") in told
    assert len(told) == len(set(told))  # nobody is told the same step twice


def test_the_pay_button_waits_for_the_notice(login, jinqiu, member, b_committee, boss, payer):
    a = move(boss, approved(jinqiu, member, b_committee, boss), "publish")
    page = login(payer).get(reverse("welfare:student_detail", args=[a.pk])).content.decode()
    assert 'data-action="pay" data-blocked' in page
    assert "起可以发放" in page
