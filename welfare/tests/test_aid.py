"""The aid workflow: every move by the right role, every illegal move refused with a message,
公示 objections blocking payment, payment booking exactly one ledger entry."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from finance.models import LedgerEntry
from union_office.models import AuditEntry
from welfare.models import AidApplication, AidState, AidStep, Objection
from welfare.services import aid as aid_services
from welfare.services.aid import AidError
from welfare.workflow.aid import TRANSITIONS

from .conftest import advance, end_notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(applicant, member):
    return aid_services.aid_create(
        actor=member, member=applicant, kind="illness", amount_requested="5000", reason="妻子住院手术"
    )


def move(actor, application, action, **fields):
    return aid_services.aid_transition(actor=actor, application_id=application.pk, action=action, **fields)


def test_the_whole_way_to_payment(application, member, chair, treasurer, budget):
    application = move(member, application, "submit")
    application = advance(application, "notice", chair=chair)
    assert application.state == AidState.NOTICE
    assert application.notice_unit.name == "第一中学工会"  # the 基层工会 that keeps the books
    assert (application.notice_ends_on - application.notice_starts_on).days == 4  # 5 days
    application = end_notice(application)
    application = move(treasurer, application, "pay")
    assert application.state == AidState.PAID
    entry = LedgerEntry.objects.get()
    assert entry.account.code == "50201"
    assert entry.amount == Decimal("3000.00")
    assert entry.org_unit.name == "第一中学工会"
    assert entry.source_id == str(application.pk)
    assert application.ledger_entry == entry
    steps = list(AidStep.objects.filter(application=application).values_list("action", flat=True))
    assert steps == ["submit", "screen", "verify", "decide", "publish", "pay"]
    actions = set(AuditEntry.objects.filter(object_id=str(application.pk)).values_list("action", flat=True))
    assert {"welfare.aid.create", "welfare.aid.pay", "welfare.aid.decide"} <= actions


ALL_STATES = list(AidState.values)


def _illegal_pairs():
    sources: dict[str, set[str]] = {}
    for t in TRANSITIONS:
        sources.setdefault(t.action, set()).update(t.sources)
    for action, legal in sources.items():
        for state in ALL_STATES:
            if state not in legal:
                yield action, state


@pytest.mark.parametrize(("action", "state"), list(_illegal_pairs()))
def test_every_illegal_transition_is_refused_with_a_message(
    application, member, chair, treasurer, action, state, budget
):
    if state == AidState.PAID:  # paid means booked (a constraint): get there for real
        application = end_notice(advance(move(member, application, "submit"), "notice", chair=chair))
        move(treasurer, application, "pay")
    else:
        AidApplication.objects.filter(pk=application.pk).update(state=state)
    entries = LedgerEntry.objects.count()
    actor = {"pay": treasurer, "submit": member, "withdraw": member}.get(action, chair)
    with pytest.raises(AidError) as exc:
        move(
            actor,
            application,
            action,
            comment="理由",
            amount_granted="100",
            visited_on=timezone.localdate(),
            visitors="x",
            findings="y",
        )
    label = AidState(state).label
    assert f"申请当前状态为“{label}”" in exc.value.messages[0]
    application.refresh_from_db()
    assert application.state == state
    assert LedgerEntry.objects.count() == entries


def test_unknown_action_is_refused(application, chair):
    with pytest.raises(AidError, match="未知的操作"):
        move(chair, application, "teleport")


@pytest.mark.parametrize(
    ("who", "action", "state"),
    [
        ("member", "screen", "submitted"),  # the applicant does not review themself
        ("neighbour", "submit", "draft"),  # another member of the unit
        ("committee", "screen", "submitted"),  # 分工会 A's committee, application in B
        ("chair", "pay", "notice"),  # 发放 is the paying unit's treasurer's
        ("committee", "pay", "notice"),
        ("chair", "withdraw", "submitted"),  # only the applicant withdraws
        ("member", "decide", "verified"),
    ],
)
def test_moves_by_the_wrong_role_are_refused(request, application, who, action, state):
    user = request.getfixturevalue(who)
    AidApplication.objects.filter(pk=application.pk).update(state=state)
    with pytest.raises(AidError, match="这一步由|只有本人"):
        move(user, application, action)


def test_decide_is_the_chairs(application, org, chair, member):
    from members.models import Role
    from members.tests.factories import MemberFactory, RoleGrantFactory, UserFactory

    b_committee = UserFactory(username="b_committee")
    MemberFactory(org_unit=org.branch_b, user=b_committee)
    RoleGrantFactory(user=b_committee, org_unit=org.branch_b, role=Role.COMMITTEE)
    move(member, application, "submit")
    move(b_committee, application, "screen")
    move(b_committee, application, "verify", visited_on=timezone.localdate(), visitors="甲", findings="属实")
    with pytest.raises(AidError, match="审定帮扶金额"):
        move(b_committee, application, "decide", amount_granted="1000")
    assert move(chair, application, "decide", amount_granted="1000").state == AidState.APPROVED


def test_verify_needs_the_home_visit_record(application, member, chair):
    move(member, application, "submit")
    move(chair, application, "screen")
    with pytest.raises(AidError, match="入户核实的日期"):
        move(chair, application, "verify", visitors="甲", findings="属实")
    with pytest.raises(AidError, match="核实人员和核实情况"):
        move(chair, application, "verify", visited_on=timezone.localdate())
    with pytest.raises(AidError, match="不能晚于今天"):
        move(
            chair,
            application,
            "verify",
            visited_on=timezone.localdate() + dt.timedelta(days=1),
            visitors="甲",
            findings="属实",
        )


@pytest.mark.parametrize("amount", ["0", "-5", "abc", ""])
def test_decide_needs_a_positive_amount(application, member, chair, amount):
    application = advance(move(member, application, "submit"), "verified", chair=chair)
    with pytest.raises(AidError, match="审定金额"):
        move(chair, application, "decide", amount_granted=amount)


def test_reject_needs_a_reason_and_tells_the_applicant(application, member, chair, django_capture_on_commit_callbacks):
    move(member, application, "submit")
    with pytest.raises(AidError, match="请填写驳回的理由"):
        move(chair, application, "reject")
    with django_capture_on_commit_callbacks(execute=True):
        application = move(chair, application, "reject", comment="不符合帮扶条件")
    assert application.state == AidState.REJECTED
    assert application.closing_reason == "不符合帮扶条件"
    assert member.notifications.filter(kind="welfare.aid_decided").exists()


def test_withdraw_by_the_applicant(application, member):
    move(member, application, "submit")
    assert move(member, application, "withdraw").state == AidState.WITHDRAWN


def test_payment_waits_for_the_end_of_the_notice(application, member, chair, treasurer, budget):
    application = advance(move(member, application, "submit"), "notice", chair=chair)
    with pytest.raises(AidError, match="公示期到 .* 结束，.* 起可以发放"):
        move(treasurer, application, "pay")
    assert not LedgerEntry.objects.exists()


def test_an_objection_blocks_payment_until_resolved(application, member, neighbour, chair, treasurer, budget):
    application = advance(move(member, application, "submit"), "notice", chair=chair)
    objection = aid_services.objection_raise(actor=neighbour, application_id=application.pk, text="他家上月刚买了新车")
    assert chair.notifications.filter(kind="welfare.objection").exists()
    application = end_notice(application)
    with pytest.raises(AidError, match="1 条异议尚未处理"):
        move(treasurer, application, "pay")
    assert not LedgerEntry.objects.exists()
    application.refresh_from_db()
    assert application.state == AidState.NOTICE
    with pytest.raises(AidError, match="处理意见"):
        aid_services.objection_resolve(actor=chair, objection_id=objection.pk, resolution=" ")
    with pytest.raises(PermissionDenied):
        aid_services.objection_resolve(actor=neighbour, objection_id=objection.pk, resolution="不是真的")
    with pytest.raises(AidError, match="最多 2000 字"):  # the service's own limit, not only the form's
        aid_services.objection_resolve(actor=chair, objection_id=objection.pk, resolution="查" * 2001)
    aid_services.objection_resolve(
        actor=chair, objection_id=objection.pk, resolution="经核实车辆为亲属所有，不影响认定"
    )
    assert move(treasurer, application, "pay").state == AidState.PAID
    assert LedgerEntry.objects.count() == 1


def test_objections_only_during_the_notice_and_only_from_the_unit(application, member, neighbour, outsider, chair):
    application = advance(move(member, application, "submit"), "notice", chair=chair)
    with pytest.raises(AidApplication.DoesNotExist):
        aid_services.objection_raise(actor=outsider, application_id=application.pk, text="异议")
    with pytest.raises(AidError, match="请写明"):
        aid_services.objection_raise(actor=neighbour, application_id=application.pk, text="  ")
    end_notice(application)
    with pytest.raises(AidError, match="公示期已结束"):
        aid_services.objection_raise(actor=neighbour, application_id=application.pk, text="异议")
    assert not Objection.objects.exists()


def test_paying_twice_is_impossible(application, member, chair, treasurer, budget):
    application = end_notice(advance(move(member, application, "submit"), "notice", chair=chair))
    move(treasurer, application, "pay")
    with pytest.raises(AidError, match="已发放"):
        move(treasurer, application, "pay")
    assert LedgerEntry.objects.count() == 1


def test_payment_without_budget_is_refused_and_nothing_changes(application, member, chair, treasurer):
    application = end_notice(advance(move(member, application, "submit"), "notice", chair=chair))
    with pytest.raises(AidError, match="记账未成功"):
        move(treasurer, application, "pay")
    application.refresh_from_db()
    assert application.state == AidState.NOTICE
    assert application.ledger_entry is None
    assert not AidStep.objects.filter(action="pay").exists()


def test_the_committee_enters_an_application_for_a_member(member_in_b, chair, committee):
    application = aid_services.aid_create(
        actor=chair, member=member_in_b, kind="living", amount_requested="2000", reason="代录", submit=True
    )
    assert application.state == AidState.SUBMITTED
    with pytest.raises(PermissionDenied):
        aid_services.aid_create(actor=committee, member=member_in_b, kind="living", amount_requested="2000", reason="x")


# --- Views -----------------------------------------------------------------------------------------


def test_member_applies_through_the_form(login, member):
    response = login(member).post(
        reverse("welfare:aid_create"),
        {"kind": "illness", "amount_requested": "3000", "reason": "住院", "submit_now": "on"},
    )
    application = AidApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("welfare:aid_detail", args=[application.pk])
    assert application.state == AidState.SUBMITTED
    assert application.member.user == member


@pytest.mark.parametrize("who", ["neighbour", "outsider", "committee", "treasurer", "auditor"])
def test_others_get_404_on_the_application(request, login, application, who):
    user = request.getfixturevalue(who)
    client = login(user)
    assert client.get(reverse("welfare:aid_detail", args=[application.pk])).status_code == 404
    assert client.post(reverse("welfare:aid_act", args=[application.pk, "submit"])).status_code == 404
    assert client.get(reverse("welfare:aid_pdf", args=[application.pk])).status_code == 404


def test_applicant_and_chair_open_it(login, application, member, chair):
    assert login(member).get(reverse("welfare:aid_detail", args=[application.pk])).status_code == 200
    response = login(chair).get(reverse("welfare:aid_detail", args=[application.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_list_shows_only_what_the_user_may_see(login, application, neighbour, chair):
    assert "妻子住院" not in login(neighbour).get(reverse("welfare:aid_list")).content.decode()
    assert application.member.name in login(chair).get(reverse("welfare:aid_list")).content.decode()


def test_illegal_move_through_the_view_shows_the_message(login, application, member):
    response = login(member).post(reverse("welfare:aid_act", args=[application.pk, "pay"]), follow=True)
    assert "这一步由有“记账”权限的人员办理" in response.content.decode()


def test_act_needs_post(login, application, member):
    assert login(member).get(reverse("welfare:aid_act", args=[application.pk, "submit"])).status_code == 405


def test_notice_page_masks_names_and_id_numbers(login, application, member, neighbour, outsider, chair):
    application = advance(move(member, application, "submit"), "notice", chair=chair)
    page = login(neighbour).get(reverse("welfare:notice")).content.decode()
    name = application.member.name
    masked = name[0] + "*" * max(len(name) - 2, 1) + (name[-1] if len(name) > 2 else "")
    assert masked in page
    assert f">{name}<" not in page
    assert application.member.id_number not in page
    assert application.member.id_number_masked in page
    assert "3000.00" in page
    assert application.notice_ends_on.isoformat() in page
    assert 'data-testid="objection-form"' in page
    assert masked not in login(outsider).get(reverse("welfare:notice")).content.decode()


def test_objection_through_the_form(login, application, member, neighbour, chair):
    application = advance(move(member, application, "submit"), "notice", chair=chair)
    response = login(neighbour).post(reverse("welfare:objection_raise", args=[application.pk]), {"text": "情况不实"})
    assert response.status_code == 302
    assert Objection.objects.get().raised_by == neighbour


def test_list_queries_do_not_grow(login, chair, member_in_b, django_assert_num_queries):
    def make(n):
        for _ in range(n):
            aid_services.aid_create(actor=chair, member=member_in_b, kind="living", amount_requested="100", reason="x")

    client = login(chair)
    make(1)
    client.get(reverse("welfare:aid_list"))
    with django_assert_num_queries(4) as one:
        client.get(reverse("welfare:aid_list"))
    make(29)
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(reverse("welfare:aid_list"))


def test_one_application_under_review_at_a_time(application, applicant, member):
    move(member, application, "submit")
    second = aid_services.aid_create(actor=member, member=applicant, kind="living", amount_requested="100", reason="x")
    with pytest.raises(AidError, match="已有一份正在审核的帮扶申请"):
        move(member, second, "submit")
    move(member, application, "withdraw")
    assert move(member, second, "submit").state == AidState.SUBMITTED


def test_notice_pdf_is_a_notice_a_union_can_put_up(login, application, member, chair, outsider, budget, org):
    from union_office.paper_checks import broken_cells, read_pdf, write_artifact

    org.school.contact_phone = "0311-8765 4321"
    org.school.save(update_fields=["contact_phone"])
    application = advance(move(member, application, "submit"), "notice", chair=chair)
    url = reverse("welfare:notice_pdf", args=[org.school.pk])
    response = login(member).get(url)  # whoever sees the board may print it
    assert response["Content-Type"] == "application/pdf"
    pages = read_pdf(write_artifact("notice.pdf", response.content))
    assert len(pages) == 1 and broken_cells(pages) == []
    text = pages[0].text
    start, end = application.notice_starts_on, application.notice_ends_on
    assert text.startswith("困难职工帮扶公示")
    assert f"公示期：{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日" in text
    assert f"请于{end.year}年{end.month}月{end.day}日前向第一中学工会实名反映" in text
    assert "联系电话：0311-87654321" in text
    assert pages[0].body_lines[-2:] == ["第一中学工会", f"{start.year}年{start.month}月{start.day}日"]
    name = application.member.name
    assert name not in text and name[0] + "*" in text and application.member.id_number_masked in text
    assert login(outsider).get(url).status_code == 404
    assert login(chair).get(reverse("welfare:notice_pdf", args=[org.hospital.pk])).status_code == 404
