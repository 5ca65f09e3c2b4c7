"""Objections to the 金秋助学 公示 list: anyone who may see the list objects while 公示 lasts, the
payment is refused while one is open, the campaign's union resolves them; all audited."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from finance.tests.builders import approved_budget
from members.models import OrgUnit
from members.tests.factories import MemberFactory, OrgUnitFactory, UserFactory
from union_office.models import AuditEntry
from welfare.models import StudentApplication, StudentObjection, StudentState
from welfare.services import campaign as services
from welfare.services.campaign import CampaignError

from .campaign_builders import campaign, county_chair, county_treasurer, ready_for_approval

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(org):
    return county_chair(org)


@pytest.fixture
def payer(org):
    return county_treasurer(org)


@pytest.fixture
def jinqiu(org, boss):
    return campaign(org, boss)


@pytest.fixture
def on_notice(jinqiu, member, boss):
    a = ready_for_approval(jinqiu, member.member, boss, 1)
    services.student_transition(
        actor=boss, application_id=a.pk, action="approve", tier_id=jinqiu.tiers.get(name="二档").pk
    )
    return services.student_transition(actor=boss, application_id=a.pk, action="publish")


@pytest.fixture
def stranger(db):
    """A member of another county's union: the campaign is not theirs to see."""
    other = OrgUnitFactory(name="邻县总工会", kind=OrgUnit.Kind.UPPER)
    user = UserFactory(username="stranger")
    MemberFactory(org_unit=other, user=user)
    return user


def end_notice(a):
    StudentApplication.objects.filter(pk=a.pk).update(notice_ends_on=timezone.localdate() - dt.timedelta(days=1))


def test_an_open_objection_stops_the_payment_until_the_county_resolves_it(on_notice, outsider, chair, boss, org, payer):
    approved_budget(org.county, timezone.localdate().year, {"50201": "100000.00"})
    objection = services.objection_raise(actor=outsider, application_id=on_notice.pk, text="该生家里刚买了新车。")
    assert AuditEntry.objects.filter(action="welfare.student.objection").count() == 1
    end_notice(on_notice)
    with pytest.raises(CampaignError, match="公示期间收到 1 条异议尚未处理，处理完毕后才能发放"):
        services.student_transition(actor=payer, application_id=on_notice.pk, action="pay")
    on_notice.refresh_from_db()
    assert on_notice.state == StudentState.NOTICE and not on_notice.payments.filter(status="paid").exists()
    with pytest.raises(CampaignError, match="公示异议由主办工会核查处理"):
        services.objection_resolve(actor=chair, objection_id=objection.pk, resolution="已核实")
    with pytest.raises(CampaignError, match="请填写异议的核查和处理意见"):
        services.objection_resolve(actor=boss, objection_id=objection.pk, resolution="  ")
    services.objection_resolve(actor=boss, objection_id=objection.pk, resolution="车辆为亲属所有，异议不成立。")
    with pytest.raises(CampaignError, match="已经处理过了"):
        services.objection_resolve(actor=boss, objection_id=objection.pk, resolution="再处理")
    log = AuditEntry.objects.get(action="welfare.student.objection_resolve")
    assert log.changes["resolution"] == "车辆为亲属所有，异议不成立。"
    a = services.student_transition(actor=payer, application_id=on_notice.pk, action="pay")
    assert a.state == StudentState.PAID


def test_objections_only_while_the_notice_lasts_and_only_by_those_who_see_it(on_notice, neighbour, stranger):
    with pytest.raises(CampaignError, match="请写明异议的内容和理由"):
        services.objection_raise(actor=neighbour, application_id=on_notice.pk, text=" ")
    with pytest.raises(StudentApplication.DoesNotExist):
        services.objection_raise(actor=stranger, application_id=on_notice.pk, text="不符合条件")
    end_notice(on_notice)
    with pytest.raises(CampaignError, match="公示期已结束，不能再提出异议"):
        services.objection_raise(actor=neighbour, application_id=on_notice.pk, text="不符合条件")
    assert not StudentObjection.objects.exists()


def test_no_objection_to_an_application_that_is_not_on_notice(jinqiu, member, boss, neighbour):
    a = ready_for_approval(jinqiu, member.member, boss, 2)
    with pytest.raises(StudentApplication.DoesNotExist):
        services.objection_raise(actor=neighbour, application_id=a.pk, text="不符合条件")


def test_objection_form_on_the_notice_page_and_resolution_on_the_application(
    login, on_notice, jinqiu, neighbour, member, boss, stranger
):
    notice_url = reverse("welfare:campaign_notice", args=[jinqiu.pk])
    client = login(neighbour)
    page = client.get(notice_url).content.decode()
    assert 'data-testid="student-objection-form"' in page
    raise_url = reverse("welfare:student_objection_raise", args=[on_notice.pk])
    response = client.post(raise_url, {"text": ""}, follow=True)
    assert "请写明异议的内容和理由" in response.content.decode()
    response = client.post(raise_url, {"text": "该生父亲另有收入。"}, follow=True)
    assert response.redirect_chain[-1][0] == notice_url
    assert "异议已提交" in response.content.decode()
    objection = StudentObjection.objects.get()
    assert objection.raised_by == neighbour
    assert login(stranger).post(raise_url, {"text": "x"}).status_code == 404

    detail = reverse("welfare:student_detail", args=[on_notice.pk])
    resolve_url = reverse("welfare:student_objection_resolve", args=[objection.pk])
    parent = login(member)
    assert "该生父亲另有收入" not in parent.get(detail).content.decode()  # the parent does not see it
    assert parent.post(resolve_url, {"resolution": "x"}).status_code == 404
    county = login(boss)
    page = county.get(detail).content.decode()
    assert "该生父亲另有收入" in page and 'data-testid="open-objections"' in page
    assert 'data-testid="resolve-form"' in page
    county.post(resolve_url, {"resolution": "经核实，收入已计入家庭收入。"})
    objection.refresh_from_db()
    assert objection.resolved_by == boss and objection.resolved_at is not None
    assert 'data-testid="open-objections"' not in county.get(detail).content.decode()
