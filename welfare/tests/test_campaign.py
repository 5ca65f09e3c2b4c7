"""金秋助学: deadline, checklist, no student aided twice (across campaigns, on submit and on
approval), tier quotas, the review chain, multi-year payments waiting for 在读证明."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from finance.models import LedgerEntry
from finance.tests.builders import approved_budget
from welfare.models import Campaign, StudentApplication, StudentPayment, StudentState
from welfare.services import campaign as services
from welfare.services.campaign import CampaignError

from .campaign_builders import campaign, county_chair, county_treasurer, ready_for_approval, student_id

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def boss(org):
    return county_chair(org)


@pytest.fixture
def payer(org):
    return county_treasurer(org)


@pytest.fixture
def jinqiu(org, boss):
    return campaign(org, boss)


def apply(member_user, c, n=1, **kw):
    values = {
        "student_name": "吴小雨",
        "student_id": student_id(n),
        "school": "河北师范大学",
        "admission": "二本",
        "reason": "父亲去世，母亲打零工",
        "documents": [],
        "submit": True,
    }
    return services.student_apply(actor=member_user, campaign=c, member=member_user.member, **(values | kw))


def move(actor, a, action, **kw):
    return services.student_transition(actor=actor, application_id=a.pk, action=action, **kw)


def visit(actor, a, **kw):
    values = {"visited_on": timezone.localdate(), "visitors": "王主席、李委员", "findings": "住房简陋，情况属实"}
    return move(actor, a, "home_visit", **(values | kw))


def test_the_review_chain_by_the_right_roles(jinqiu, member, chair, boss):
    a = apply(member, jinqiu)
    assert a.state == StudentState.SUBMITTED
    with pytest.raises(CampaignError, match="不能对这份申请执行“基层工会审核通过”"):
        move(member, a, "base_review")
    with pytest.raises(CampaignError, match="当前状态为“已提交”，不能“上级工会审核通过”"):
        move(boss, a, "upper_review")
    move(chair, a, "base_review")
    with pytest.raises(CampaignError, match="当前状态为“基层工会审核通过”，不能“上级工会审核通过”"):
        move(boss, a, "upper_review")  # not without the home visit
    with pytest.raises(CampaignError, match="不能对这份申请执行“登记入户核实”"):
        visit(member, a)
    visit(chair, a)
    with pytest.raises(CampaignError, match="不能对这份申请执行“审定”"):
        move(chair, a, "approve")


def test_the_home_visit_is_recorded_and_audited(jinqiu, member, chair):
    from union_office.models import AuditEntry

    a = move(chair, apply(member, jinqiu), "base_review")
    today = timezone.localdate()
    for kw, message in (
        ({"visited_on": None}, "请填写入户核实的日期"),
        ({"visited_on": today + dt.timedelta(days=1)}, "入户日期不能晚于今天"),
        ({"visited_on": today - dt.timedelta(days=3)}, "入户日期不能早于申请提交日期"),
        ({"visitors": "  "}, "请填写入户核实的人员和核实情况"),
        ({"findings": ""}, "请填写入户核实的人员和核实情况"),
    ):
        with pytest.raises(CampaignError, match=message):
            visit(chair, a, **kw)
        a.refresh_from_db()
        assert (a.state, a.visited_on, a.visitors) == ("base_ok", None, "")
    a = visit(chair, a)
    a.refresh_from_db()
    assert a.state == StudentState.VISITED
    assert (a.visited_on, a.visitors, a.visit_findings, a.visit_recorded_by) == (
        today,
        "王主席、李委员",
        "住房简陋，情况属实",
        chair,
    )
    log = AuditEntry.objects.get(action="welfare.student.home_visit")
    assert log.changes["visitors"] == "王主席、李委员" and log.changes["state"] == ["base_ok", "visited"]


def _illegal_pairs():
    from welfare.workflow.campaign import TRANSITIONS

    sources: dict[str, set[str]] = {}
    for t in TRANSITIONS:
        sources.setdefault(t.action, set()).update(t.sources)
    for action, legal in sources.items():
        for state in StudentState.values:
            if state not in legal and state != "paid":
                yield action, state


def test_the_illegal_pairs_include_the_home_visit():
    pairs = set(_illegal_pairs())
    assert ("upper_review", "base_ok") in pairs  # no skipping the visit
    assert ("home_visit", "submitted") in pairs and ("home_visit", "visited") in pairs
    assert ("approve", "visited") in pairs


@pytest.mark.parametrize(("action", "state"), list(_illegal_pairs()))
def test_every_illegal_transition_is_refused(jinqiu, member, boss, payer, action, state):
    a = ready_for_approval(jinqiu, member.member, boss, 3)
    tier = jinqiu.tiers.get(name="二档")
    StudentApplication.objects.filter(pk=a.pk).update(state=state, tier=tier)
    actor = {"pay": payer, "submit": member, "withdraw": member}.get(action, boss)
    with pytest.raises(CampaignError, match=f"当前状态为“{StudentState(state).label}”"):
        move(
            actor,
            a,
            action,
            comment="理由",
            tier_id=tier.pk,
            visited_on=timezone.localdate(),
            visitors="甲",
            findings="属实",
        )


def test_full_way_with_a_multi_year_grant(jinqiu, member, chair, boss, org, payer):
    approved_budget(org.county, timezone.localdate().year, {"50201": "100000.00"})
    a = apply(member, jinqiu)
    move(chair, a, "base_review")
    visit(chair, a)
    with pytest.raises(CampaignError, match="不能对这份申请执行"):
        move(chair, a, "upper_review")  # the school's chair is not the county
    move(boss, a, "upper_review")
    tier = jinqiu.tiers.get(name="一档")
    a = move(boss, a, "approve", tier_id=tier.pk)
    payments = list(a.payments.all())
    assert [(p.year_index, p.status) for p in payments] == [
        (1, "ready"),
        (2, "waiting"),
        (3, "waiting"),
        (4, "waiting"),
    ]
    a = move(boss, a, "publish")
    with pytest.raises(CampaignError, match="期满后才能发放"):
        move(payer, a, "pay")
    StudentApplication.objects.filter(pk=a.pk).update(notice_ends_on=timezone.localdate() - dt.timedelta(days=1))
    a = move(payer, a, "pay")
    assert a.state == StudentState.PAID
    entry = LedgerEntry.objects.get()
    assert entry.org_unit == org.county and entry.account.code == "50201" and entry.amount == tier.amount
    second = a.payments.get(year_index=2)
    with pytest.raises(CampaignError, match="待交在读证明"):
        services.payment_pay(actor=payer, payment_id=second.pk)
    services.payment_proof(actor=member, payment_id=second.pk, upload=SimpleUploadedFile("在读证明.pdf", PDF))
    with pytest.raises(CampaignError, match="年才能发放"):
        services.payment_pay(actor=payer, payment_id=second.pk)
    # The reminder for the proof goes to the county's reviewers on 1 September of that year.
    from union_office.models import Reminder

    assert Reminder.objects.filter(kind="welfare.enrolment_proof", recipient=boss).count() == 3


def test_late_submissions_are_refused(org, boss, member):
    late = campaign(org, boss, deadline_days=-1)
    with pytest.raises(CampaignError, match="申请已于 .* 截止"):
        apply(member, late)
    assert not StudentApplication.objects.filter(state="submitted").exists()


def test_required_documents(org, boss, member):
    c = campaign(org, boss, required=["书面申请", "录取通知书"])
    with pytest.raises(CampaignError, match="还缺少以下材料：书面申请、录取通知书"):
        apply(member, c)
    a = apply(
        member,
        c,
        n=2,
        documents=[("书面申请", SimpleUploadedFile("a.pdf", PDF)), ("录取通知书", SimpleUploadedFile("b.pdf", PDF))],
    )
    assert a.state == StudentState.SUBMITTED


def test_the_same_student_is_refused_across_campaigns(org, boss, member, chair):
    first = campaign(org, boss, title="2025年金秋助学")
    a = apply(member, first, n=7)
    move(chair, a, "base_review")
    visit(chair, a)
    move(boss, a, "upper_review")
    move(boss, a, "approve", tier_id=first.tiers.get(name="二档").pk)
    second = campaign(org, boss, title="2026年金秋助学")
    with pytest.raises(CampaignError, match="已在“2025年金秋助学”中获得资助"):
        apply(member, second, n=7)


def test_the_same_student_is_refused_again_on_approval(org, boss, member, chair, neighbour):
    """Two parents (or two campaigns) submitted the same student before either was approved."""
    c1, c2 = campaign(org, boss, title="甲"), campaign(org, boss, title="乙")
    a = apply(member, c1, n=9)
    b = apply(neighbour, c2, n=9)
    for x in (a, b):
        move(chair, x, "base_review")
        visit(chair, x)
        move(boss, x, "upper_review")
    move(boss, a, "approve", tier_id=c1.tiers.get(name="二档").pk)
    with pytest.raises(CampaignError, match="已在“甲”中获得资助"):
        move(boss, b, "approve", tier_id=c2.tiers.get(name="二档").pk)
    b.refresh_from_db()
    assert b.state == StudentState.UPPER_REVIEWED


def test_a_tier_never_exceeds_its_quota(jinqiu, boss, member):
    tier = jinqiu.tiers.get(name="一档")
    apps = [ready_for_approval(jinqiu, member.member, boss, n) for n in range(6)]
    for a in apps[:5]:
        move(boss, a, "approve", tier_id=tier.pk)
    with pytest.raises(CampaignError, match="“一档”名额已满（5 名）"):
        move(boss, apps[5], "approve", tier_id=tier.pk)
    assert StudentApplication.objects.filter(tier=tier, state="approved").count() == 5


def test_bad_student_id_is_explained(jinqiu, member):
    with pytest.raises(CampaignError, match="学生身份证号有误"):
        apply(member, jinqiu, student_id="130534200801011230")


def test_privacy_of_student_applications(jinqiu, member, neighbour, chair, boss, outsider):
    from welfare import selectors

    a = apply(member, jinqiu)
    for user, sees in [(member, True), (chair, True), (boss, True), (neighbour, False), (outsider, False)]:
        assert selectors.student_applications_visible(user).filter(pk=a.pk).exists() is sees


def test_campaign_dates_are_ordered_in_the_database(org, boss):
    from django.db import IntegrityError, transaction

    today = timezone.localdate()
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.create(
            org_unit=org.county,
            title="x",
            year=2026,
            opens_on=today,
            deadline=today - dt.timedelta(days=1),
            closes_on=today,
            created_by=boss,
        )


def test_payments_are_created_per_year(jinqiu, boss, member):
    a = ready_for_approval(jinqiu, member.member, boss, 1)
    move(boss, a, "approve", tier_id=jinqiu.tiers.get(name="二档").pk)
    assert StudentPayment.objects.filter(application=a).count() == 1


def test_another_unions_aid_is_answered_last_and_unnamed(org, boss, member):
    """Issue 17, finding 2: whether a student was aided by another union's campaign was the first
    answer to any student ID, with that campaign's name. Now the application must be complete
    first, and the answer names no campaign the applicant may not read."""
    from members.models import Role
    from members.tests.factories import MemberFactory, RoleGrantFactory, UserFactory

    hospital_chair = UserFactory(username="hospital_chair")
    MemberFactory(org_unit=org.hospital, user=hospital_chair)
    RoleGrantFactory(user=hospital_chair, org_unit=org.hospital, role=Role.CHAIR)
    theirs = Campaign.objects.create(
        org_unit=org.hospital,
        title="医院金秋助学",
        year=timezone.localdate().year,
        opens_on=timezone.localdate() - dt.timedelta(days=10),
        deadline=timezone.localdate() + dt.timedelta(days=20),
        closes_on=timezone.localdate() + dt.timedelta(days=40),
        created_by=hospital_chair,
    )
    tier = theirs.tiers.create(name="一档", quota=5, amount=2000, years=1)
    aided = ready_for_approval(theirs, MemberFactory(org_unit=org.ward), hospital_chair, 7)
    move(hospital_chair, aided, "approve", tier_id=tier.pk)

    ours = campaign(org, boss, required=["书面申请"])
    with pytest.raises(CampaignError, match="还缺少以下材料：书面申请"):
        apply(member, ours, n=7)
    with pytest.raises(CampaignError) as refused:
        apply(member, ours, n=7, documents=[("书面申请", SimpleUploadedFile("a.pdf", PDF))])
    assert "不能重复资助" in str(refused.value)
    assert "医院" not in str(refused.value)
