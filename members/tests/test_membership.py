"""会籍变动: the workflow table, its services, views, history on the member page and the docs."""

import datetime
import time
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from members import membership
from members.membership import TRANSITIONS, Kind, MembershipError, State, Status
from members.models import Member, MembershipChange, Role
from members.tests.factories import MemberFactory, RoleGrantFactory, UserFactory
from union_office.models import AuditEntry
from union_office.testing import run_at_once

TODAY = timezone.localdate()
DOC = Path(__file__).resolve().parents[2] / "docs" / "membership.md"
NEW_NUMBER = "110108199003072716"  # valid; the factories use region 110105


@pytest.fixture
def committee_b(org):
    """Committee member of 分工会 B, the target of transfers from A."""
    user = UserFactory(username="committee_b", first_name="committee_b")
    RoleGrantFactory(user=user, org_unit=org.branch_b, role=Role.COMMITTEE)
    return user


def _fields(kind: str, org) -> dict:
    """What a request of `kind` needs besides the date."""
    return {
        Kind.TRANSFER: {"to_unit": org.branch_a},
        Kind.TRANSFER_OUT: {"external_unit": "市第二中学工会", "reason": "调动"},
        Kind.TRANSFER_IN: {"to_unit": org.branch_b, "external_unit": "市第二中学工会"},
        Kind.WITHDRAW: {"reason": "本人申请"},
    }.get(kind, {})


def _request(actor, member, kind, org, **overrides) -> MembershipChange:
    kwargs = {"effective_on": TODAY, **_fields(kind, org), **overrides}
    return membership.membership_request(actor=actor, member=member, kind=kind, **kwargs)


def _member_data(org, **overrides) -> dict:
    data = {
        "name": "王五",
        "member_no": "",
        "id_number": NEW_NUMBER,
        "gender": "",
        "birth_date": None,
        "phone": "13900000000",
        "org_unit": org.branch_b,
        "department": None,
        "joined_on": datetime.date(2012, 3, 1),
        "employment_type": "permanent",
        "frontline": False,
        "wage_base": None,
    }
    return {**data, **overrides}


# --- The table ------------------------------------------------------------------------------


def test_every_kind_has_one_row_and_every_status_is_reachable_or_a_start():
    assert set(TRANSITIONS) == set(Kind.values)
    reached = {t.to_status for t in TRANSITIONS.values()}
    started = {s for t in TRANSITIONS.values() for s in t.from_statuses}
    assert reached | started == set(Status.values)
    assert {t.approved_at for t in TRANSITIONS.values()} == {"to_unit", "from_unit"}


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("kind", Kind.values)
def test_every_transition_is_allowed_or_refused_as_the_table_says(kind, status, org, chair):
    member = MemberFactory(org_unit=org.branch_b, status=status, joined_on=None)
    transition = TRANSITIONS[kind]
    if status not in transition.from_statuses:
        with pytest.raises(MembershipError) as exc:
            _request(chair, member, kind, org)
        assert exc.value.messages == [f"该会员当前状态为{Status(status).label}，不能办理{Kind(kind).label}。"]
        assert not MembershipChange.objects.exists()
        return
    change = _request(chair, member, kind, org)
    assert change.state == State.PENDING
    membership.membership_approve(actor=chair, change_id=change.pk)
    member.refresh_from_db()
    change.refresh_from_db()
    assert change.state == State.APPROVED and change.decided_by == chair and change.decided_at
    assert member.status == transition.to_status
    if kind == Kind.JOIN:
        assert member.joined_on == TODAY
    if transition.asks_to_unit:
        assert member.org_unit == change.to_unit


def test_statuses_refuse_with_the_label_in_the_message(org, chair):
    member = MemberFactory(org_unit=org.branch_b, status=Status.WITHDRAWN)
    with pytest.raises(MembershipError, match="该会员当前状态为已退会，不能办理转会（系统内）。"):
        _request(chair, member, Kind.TRANSFER, org)


# --- History, transfers, transfer-in --------------------------------------------------------


def test_transfer_keeps_the_record_and_its_history(org, chair, committee_b):
    member = membership.member_create(
        actor=chair, data=_member_data(org, org_unit=org.group_a, department=org.school_office)
    )
    change = _request(chair, member, Kind.TRANSFER, org, to_unit=org.branch_b)
    membership.membership_approve(actor=committee_b, change_id=change.pk, note="同意接收")
    member.refresh_from_db()
    assert member.org_unit == org.branch_b
    # Same 基层工会: the department stays.
    assert member.department == org.school_office
    assert Member.objects.with_id_number(NEW_NUMBER).count() == 1
    history = list(member.changes.all())
    assert [c.kind for c in history] == [Kind.TRANSFER, Kind.JOIN]
    assert history[0].from_unit == org.group_a and history[0].to_unit == org.branch_b
    assert history[0].decision_note == "同意接收"


def test_transfer_to_another_base_union_clears_the_department(org, chair, other_committee):
    member = MemberFactory(org_unit=org.branch_b, department=org.school_office)
    change = _request(chair, member, Kind.TRANSFER, org, to_unit=org.ward)
    membership.membership_approve(actor=other_committee, change_id=change.pk)
    member.refresh_from_db()
    assert member.org_unit == org.ward
    assert member.department is None


def test_transfer_to_own_unit_is_refused(org, chair, member_in_b):
    with pytest.raises(MembershipError, match="不能是会员现在所在的工会"):
        _request(chair, member_in_b, Kind.TRANSFER, org, to_unit=org.branch_b)


def test_transfer_in_of_a_former_member_reactivates_the_same_record(org, chair, other_committee, member_in_b):
    out = _request(chair, member_in_b, Kind.TRANSFER_OUT, org)
    membership.membership_approve(actor=chair, change_id=out.pk)
    member_in_b.refresh_from_db()
    assert member_in_b.status == Status.TRANSFERRED_OUT
    count = Member.objects.count()
    # Years later they come back, to the hospital this time.
    change = membership.membership_transfer_in(
        actor=other_committee,
        data={"name": "李四", "id_number": member_in_b.id_number.lower()},
        to_unit=org.ward,
        external_unit="市第二中学工会",
        effective_on=TODAY,
    )
    assert change.member_id == member_in_b.pk
    assert Member.objects.count() == count
    membership.membership_approve(actor=other_committee, change_id=change.pk)
    member_in_b.refresh_from_db()
    assert member_in_b.status == Status.ACTIVE
    assert member_in_b.org_unit == org.ward
    assert member_in_b.joined_on == datetime.date(2015, 9, 1)  # 会龄 continues
    assert [c.kind for c in member_in_b.changes.order_by("pk")] == [Kind.TRANSFER_OUT, Kind.TRANSFER_IN]


def test_transfer_in_of_a_new_person_creates_the_member_on_approval(org, chair):
    change = membership.membership_transfer_in(
        actor=chair,
        data={"name": "王五", "id_number": NEW_NUMBER, "joined_on": datetime.date(2010, 5, 4)},
        to_unit=org.branch_b,
        external_unit="市第二中学工会",
        effective_on=TODAY,
    )
    member = change.member
    assert member.status == Status.APPLYING and member.org_unit == org.branch_b
    assert member.gender == "M" and member.birth_date == datetime.date(1990, 3, 7)
    membership.membership_approve(actor=chair, change_id=change.pk)
    member.refresh_from_db()
    assert member.status == Status.ACTIVE
    assert member.joined_on == datetime.date(2010, 5, 4)


def test_transfer_in_of_an_active_member_points_to_transfer(org, other_committee, member_in_b):
    with pytest.raises(MembershipError) as exc:
        membership.membership_transfer_in(
            actor=other_committee,
            data={"name": "李四", "id_number": member_in_b.id_number},
            to_unit=org.ward,
            external_unit="某工会",
            effective_on=TODAY,
        )
    # The hospital's committee may not read the school's roster: the answer names nobody (issue 17).
    assert exc.value.message_dict["id_number"] == [str(membership.NEUTRAL_DUPLICATE)]
    assert not MembershipChange.objects.exists()


# --- Rules: pending, double clicks, dates, reasons, who approves ------------------------------


def test_a_second_pending_change_is_refused_with_a_message(org, chair, member_in_b):
    _request(chair, member_in_b, Kind.RETIRE, org)
    with pytest.raises(MembershipError, match="已有一项待审批的会籍变动（退休"):
        _request(chair, member_in_b, Kind.WITHDRAW, org)
    assert MembershipChange.objects.count() == 1


def test_the_unique_index_is_turned_into_the_same_message(org, chair, member_in_b):
    # The race the pre-check cannot see: another transaction inserted its pending row first.
    _request(chair, member_in_b, Kind.RETIRE, org)
    second = MembershipChange(member=member_in_b, kind=Kind.WITHDRAW, effective_on=TODAY, requested_by=chair)
    with pytest.raises(MembershipError, match="已有一项待审批的会籍变动"):
        membership.services._save_new_change(second)


def test_a_double_clicked_approve_applies_once(org, chair, member_in_b):
    change = _request(chair, member_in_b, Kind.WITHDRAW, org)
    membership.membership_approve(actor=chair, change_id=change.pk)
    with pytest.raises(MembershipError, match="该申请已经是“已批准”状态.*不能重复处理"):
        membership.membership_approve(actor=chair, change_id=change.pk)
    with pytest.raises(MembershipError, match="不能重复处理"):
        membership.membership_reject(actor=chair, change_id=change.pk, note="晚了")
    assert AuditEntry.objects.filter(action="membership.approve").count() == 1


@pytest.mark.parametrize(
    ("effective_on", "message"),
    [
        (TODAY + datetime.timedelta(days=400), "日期不能晚于一年之后"),
        (datetime.date(1950, 1, 1), "日期不能早于会员的出生日期"),
    ],
)
def test_effective_date_limits(org, chair, member_in_b, effective_on, message):
    with pytest.raises(MembershipError, match=message):
        _request(chair, member_in_b, Kind.RETIRE, org, effective_on=effective_on)


@pytest.mark.parametrize("kind", [Kind.WITHDRAW, Kind.TRANSFER_OUT])
def test_withdraw_and_transfer_out_need_a_reason(org, chair, member_in_b, kind):
    with pytest.raises(MembershipError) as exc:
        _request(chair, member_in_b, kind, org, reason="  ")
    assert exc.value.message_dict == {"reason": [f"办理{Kind(kind).label}须填写原因。"]}


def test_transfer_out_needs_the_external_union(org, chair, member_in_b):
    with pytest.raises(MembershipError) as exc:
        _request(chair, member_in_b, Kind.TRANSFER_OUT, org, external_unit="")
    assert exc.value.message_dict == {"external_unit": ["请填写系统外工会的名称。"]}


def test_the_target_unit_approves_a_transfer_not_the_source(org, committee, committee_b, chair, member_in_a):
    change = _request(committee, member_in_a, Kind.TRANSFER, org, to_unit=org.branch_b)
    assert list(membership.approvable_changes(committee)) == []
    assert list(membership.approvable_changes(committee_b)) == [change]
    assert list(membership.approvable_changes(chair)) == [change]  # the common 基层工会
    with pytest.raises(PermissionDenied, match="须由“高二年级分工会”的工会主席或委员审批"):
        membership.membership_approve(actor=committee, change_id=change.pk)
    membership.membership_approve(actor=committee_b, change_id=change.pk)
    member_in_a.refresh_from_db()
    assert member_in_a.org_unit == org.branch_b


def test_others_cannot_request_or_decide(org, treasurer, other_committee, chair, member_in_b):
    for actor in (treasurer, other_committee):
        with pytest.raises(PermissionDenied):
            _request(actor, member_in_b, Kind.RETIRE, org)
    change = _request(chair, member_in_b, Kind.RETIRE, org)
    for actor in (treasurer, other_committee):
        with pytest.raises(PermissionDenied):
            membership.membership_approve(actor=actor, change_id=change.pk)
        with pytest.raises(PermissionDenied):
            membership.membership_reject(actor=actor, change_id=change.pk, note="不行")
    assert MembershipChange.objects.get().state == State.PENDING


def test_approval_is_refused_when_the_member_moved_meanwhile(org, chair, member_in_b):
    change = _request(chair, member_in_b, Kind.RETIRE, org)
    Member.objects.filter(pk=member_in_b.pk).update(org_unit=org.branch_a)
    with pytest.raises(MembershipError, match="所属工会在申请之后已经变更"):
        membership.membership_approve(actor=chair, change_id=change.pk)


def test_reject_needs_a_note_and_leaves_the_member_alone(org, chair, member_in_b):
    change = _request(chair, member_in_b, Kind.WITHDRAW, org)
    with pytest.raises(MembershipError) as exc:
        membership.membership_reject(actor=chair, change_id=change.pk, note=" ")
    assert exc.value.message_dict == {"note": ["驳回须填写理由。"]}
    membership.membership_reject(actor=chair, change_id=change.pk, note="请先结清会费")
    change.refresh_from_db()
    member_in_b.refresh_from_db()
    assert change.state == State.REJECTED and change.decision_note == "请先结清会费"
    assert member_in_b.status == Status.ACTIVE
    entry = AuditEntry.objects.get(action="membership.reject")
    assert entry.actor == chair and entry.changes["state"] == ["pending", "rejected"]


def test_the_requester_withdraws_a_request_and_nobody_else_can(org, chair, committee, member):
    own = member.member
    change = _request(member, own, Kind.WITHDRAW, org)
    with pytest.raises(PermissionDenied, match="只有申请人本人可以撤回申请"):
        membership.membership_withdraw_request(actor=chair, change_id=change.pk)
    membership.membership_withdraw_request(actor=member, change_id=change.pk)
    change.refresh_from_db()
    assert change.state == State.REJECTED and change.decision_note == "申请人撤回"
    assert change.decided_by == member


def test_a_member_may_ask_to_withdraw_but_not_to_transfer(org, member):
    own = member.member
    assert membership.may_request(member, own, Kind.WITHDRAW)
    assert not membership.may_request(member, own, Kind.TRANSFER)
    with pytest.raises(PermissionDenied):
        _request(member, own, Kind.TRANSFER, org)


def test_audit_entries_name_the_actor_and_the_changed_fields(org, chair, member_in_b):
    change = _request(chair, member_in_b, Kind.TRANSFER, org, to_unit=org.group_a)
    requested = AuditEntry.objects.get(action="membership.request")
    assert requested.actor == chair and requested.object_id == str(change.pk)
    assert requested.changes["kind"] == [None, "transfer"]
    assert requested.changes["to_unit"] == [None, "语文组工会小组"]
    membership.membership_approve(actor=chair, change_id=change.pk)
    approved = AuditEntry.objects.get(action="membership.approve")
    assert approved.actor == chair and approved.object_id == str(member_in_b.pk)
    assert approved.changes == {"org_unit": ["高二年级分工会", "语文组工会小组"]}


# --- Creating members --------------------------------------------------------------------


def test_member_create_enters_an_active_member_with_an_approved_join(org, chair):
    member = membership.member_create(actor=chair, data=_member_data(org))
    assert member.status == Status.ACTIVE and member.birth_date == datetime.date(1990, 3, 7)
    (join,) = member.changes.all()
    assert join.kind == Kind.JOIN and join.state == State.APPROVED
    assert join.effective_on == datetime.date(2012, 3, 1) and join.decided_by == chair
    entry = AuditEntry.objects.get(action="member.create")
    assert entry.actor == chair and entry.changes["id_number"][-1] == "110108********2716"


def test_member_create_refuses_a_duplicate_naming_its_unit(org, chair, member_in_a):
    with pytest.raises(MembershipError) as exc:
        membership.member_create(actor=chair, data=_member_data(org, id_number=member_in_a.id_number))
    assert exc.value.message_dict["id_number"] == [
        "该身份证号已在花名册中：张三（语文组工会小组，在册），如是转会请办理转会。"
    ]


def test_member_create_checks_the_id_number_and_the_join_date(org, chair):
    with pytest.raises(MembershipError) as exc:
        membership.member_create(actor=chair, data=_member_data(org, id_number=NEW_NUMBER[:-1] + "1"))
    assert "校验位错误" in exc.value.message_dict["id_number"][0]
    with pytest.raises(MembershipError, match="日期不能早于会员的出生日期"):
        membership.member_create(actor=chair, data=_member_data(org, joined_on=datetime.date(1980, 1, 1)))
    assert not Member.objects.with_id_number(NEW_NUMBER).exists()


def test_member_create_needs_the_permission_at_the_unit(org, committee):
    with pytest.raises(PermissionDenied):
        membership.member_create(actor=committee, data=_member_data(org, org_unit=org.branch_b))


def test_join_application_then_approval_makes_an_active_member(org, chair):
    applicant = UserFactory(username="newcomer")
    change = membership.membership_apply_to_join(
        actor=applicant, data={"name": "王五", "id_number": NEW_NUMBER, "phone": "139", "org_unit": org.branch_b}
    )
    member = change.member
    assert member.status == Status.APPLYING and member.user == applicant
    assert change.kind == Kind.JOIN and change.to_unit == org.branch_b and change.requested_by == applicant
    assert list(membership.approvable_changes(chair)) == [change]
    membership.membership_approve(actor=chair, change_id=change.pk)
    member.refresh_from_db()
    assert member.status == Status.ACTIVE and member.joined_on == change.effective_on == TODAY
    with pytest.raises(MembershipError, match="无需再申请入会"):
        membership.membership_apply_to_join(
            actor=applicant, data={"name": "王五", "id_number": NEW_NUMBER, "org_unit": org.branch_b}
        )


def test_join_application_only_to_a_base_union_or_branch(org):
    applicant = UserFactory(username="newcomer")
    with pytest.raises(MembershipError, match="请选择要加入的基层工会或分工会"):
        membership.membership_apply_to_join(
            actor=applicant, data={"name": "王五", "id_number": NEW_NUMBER, "org_unit": org.group_a}
        )


# --- Views -------------------------------------------------------------------------------


def _urls(member_pk: int, change_pk: int) -> dict[str, str]:
    return {
        "member_create": reverse("members:member_create"),
        "transfer_in": reverse("members:transfer_in"),
        "join_apply": reverse("members:join_apply"),
        "change_new": reverse("members:change_new", args=[member_pk]) + "?kind=retire",
        "change_inbox": reverse("members:change_inbox"),
        "change_approve": reverse("members:change_approve", args=[change_pk]),
        "change_reject": reverse("members:change_reject", args=[change_pk]),
        "change_withdraw": reverse("members:change_withdraw", args=[change_pk]),
        "change_cancel": reverse("members:change_cancel", args=[change_pk]),
    }


def test_every_view_needs_login(client, org, chair, member_in_b):
    change = _request(chair, member_in_b, Kind.RETIRE, org)
    for name, url in _urls(member_in_b.pk, change.pk).items():
        response = client.post(url) if name.startswith("change_") and name != "change_inbox" else client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


def test_wrong_method_is_405(login, org, chair, member_in_b):
    change = _request(chair, member_in_b, Kind.RETIRE, org)
    client = login(chair)
    urls = _urls(member_in_b.pk, change.pk)
    for name in ["change_approve", "change_reject", "change_withdraw", "change_cancel"]:
        assert client.get(urls[name]).status_code == 405, name
    assert client.post(urls["change_inbox"]).status_code == 405
    for name in ["member_create", "transfer_in", "join_apply", "change_new"]:
        assert client.put(urls[name]).status_code == 405, name


def test_outsider_gets_404(login, org, chair, outsider, member_in_b):
    change = _request(chair, member_in_b, Kind.RETIRE, org)
    client = login(outsider)
    urls = _urls(member_in_b.pk, change.pk)
    assert client.get(urls["change_new"]).status_code == 404
    for name in ["change_approve", "change_reject", "change_withdraw", "change_cancel"]:
        assert client.post(urls[name], {"note": "x"}).status_code == 404, name
    assert MembershipChange.objects.get().state == State.PENDING


def test_read_only_role_gets_403(login, org, chair, treasurer, member_in_b):
    change = _request(chair, member_in_b, Kind.RETIRE, org)
    client = login(treasurer)
    urls = _urls(member_in_b.pk, change.pk)
    for name in ["member_create", "transfer_in", "change_new", "change_inbox"]:
        assert client.get(urls[name]).status_code == 403, name
    assert client.post(urls["change_new"], {"effective_on": TODAY.isoformat()}).status_code == 403
    for name in ["change_approve", "change_reject", "change_cancel"]:
        assert client.post(urls[name], {"note": "x"}).status_code == 403, name
    assert client.post(urls["change_withdraw"]).status_code == 403
    assert MembershipChange.objects.get().state == State.PENDING


def test_unknown_kind_is_404(login, chair, member_in_b):
    url = reverse("members:change_new", args=[member_in_b.pk]) + "?kind=promote"
    assert login(chair).get(url).status_code == 404


def test_member_create_view(login, org, chair):
    client = login(chair)
    assert client.get(reverse("members:member_create")).status_code == 200
    data = {k: ("" if v is None else getattr(v, "pk", v)) for k, v in _member_data(org).items()}
    data["joined_on"] = "2012-03-01"
    response = client.post(reverse("members:member_create"), data)
    member = Member.objects.with_id_number(NEW_NUMBER).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("members:member_detail", args=[member.pk])
    assert member.status == Status.ACTIVE and member.changes.get().state == State.APPROVED


def test_member_create_view_shows_the_duplicate_message(login, org, chair, member_in_a):
    data = {k: ("" if v is None else getattr(v, "pk", v)) for k, v in _member_data(org).items()}
    data.update(joined_on="2012-03-01", id_number=member_in_a.id_number)
    response = login(chair).post(reverse("members:member_create"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "该身份证号已在花名册中：张三（语文组工会小组，在册），如是转会请办理转会。" in body
    assert "member_gender_valid" not in body  # no constraint riddle beside the real error
    assert Member.objects.count() == 2  # chair's own record and 张三


def test_join_apply_view(login, org, chair):
    applicant = UserFactory(username="newcomer")
    client = login(applicant)
    body = client.get(reverse("members:join_apply")).content.decode()
    assert "高二年级分工会" in body and "语文组工会小组" not in body  # 小组 are not joined directly
    data = {
        "org_unit": org.branch_b.pk,
        "name": "王五",
        "id_number": NEW_NUMBER,
        "phone": "139",
        "employment_type": "contract",
    }
    response = client.post(reverse("members:join_apply"), data)
    member = Member.objects.get(user=applicant)
    assert response["Location"] == reverse("members:member_detail", args=[member.pk])
    # The applicant sees their record with the pending application; a second visit to the form redirects.
    body = client.get(response["Location"]).content.decode()
    assert "入会申请中" in body and "待审批" in body and "撤回申请" in body
    assert client.get(reverse("members:join_apply")).status_code == 302


def test_join_apply_view_shows_errors_and_saves_nothing(login, org, member_in_b):
    client = login(UserFactory(username="newcomer"))
    data = {
        "org_unit": org.branch_b.pk,
        "name": "王五",
        "id_number": member_in_b.id_number,
        "phone": "139",
        "employment_type": "permanent",
    }
    body = client.post(reverse("members:join_apply"), data).content.decode()
    assert "该身份证号已在花名册中" in body
    data["id_number"] = "123"
    body = client.post(reverse("members:join_apply"), data).content.decode()
    assert "身份证号应为18位" in body
    assert not MembershipChange.objects.exists()


def test_change_new_view_files_a_transfer(login, org, committee, member_in_a):
    client = login(committee)
    url = reverse("members:change_new", args=[member_in_a.pk]) + "?kind=transfer"
    body = client.get(url).content.decode()
    assert "人民医院工会 › 内科分工会" in body  # any union of the installation
    response = client.post(url, {"to_unit": org.branch_b.pk, "effective_on": TODAY.isoformat(), "reason": "调岗"})
    assert response["Location"] == reverse("members:member_detail", args=[member_in_a.pk])
    change = MembershipChange.objects.get()
    assert (change.kind, change.from_unit, change.to_unit) == (Kind.TRANSFER, org.group_a, org.branch_b)


def test_change_new_view_shows_field_errors(login, org, chair, member_in_b):
    url = reverse("members:change_new", args=[member_in_b.pk]) + "?kind=withdraw"
    future = (TODAY + datetime.timedelta(days=800)).isoformat()
    body = login(chair).post(url, {"effective_on": future, "reason": "本人申请"}).content.decode()
    assert "日期不能晚于一年之后" in body
    assert not MembershipChange.objects.exists()


def test_change_new_view_redirects_when_the_status_forbids_it(login, org, chair):
    retired = MemberFactory(org_unit=org.branch_b, status=Status.RETIRED)
    url = reverse("members:change_new", args=[retired.pk]) + "?kind=transfer"
    response = login(chair).get(url, follow=True)
    assert "该会员当前状态为已退休，不能办理转会（系统内）。" in response.content.decode()


def test_transfer_in_view(login, org, chair):
    client = login(chair)
    data = {
        "to_unit": org.branch_b.pk,
        "id_number": NEW_NUMBER,
        "name": "王五",
        "phone": "",
        "employment_type": "permanent",
        "external_unit": "市第二中学工会",
        "joined_on": "",
        "effective_on": TODAY.isoformat(),
        "reason": "",
    }
    response = client.post(reverse("members:transfer_in"), data)
    assert response["Location"] == reverse("members:change_inbox")
    change = MembershipChange.objects.get()
    assert change.kind == Kind.TRANSFER_IN and change.member.status == Status.APPLYING


def test_inbox_and_htmx_approve(login, org, chair, member_in_b):
    change = _request(chair, member_in_b, Kind.RETIRE, org)
    client = login(chair)
    body = client.get(reverse("members:change_inbox")).content.decode()
    assert "李四" in body and "共 1 件待审批" in body and "退休 1" in body
    response = client.post(
        reverse("members:change_approve", args=[change.pk]), {"note": "同意"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="change-{change.pk}"')
    assert "已批准" in body and "<html" not in body
    # The double click: the row says why nothing happened.
    body = client.post(reverse("members:change_approve", args=[change.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "不能重复处理" in body
    member_in_b.refresh_from_db()
    assert member_in_b.status == Status.RETIRED


def test_reject_without_htmx_redirects_with_a_message(login, org, chair, member_in_b):
    change = _request(chair, member_in_b, Kind.RETIRE, org)
    client = login(chair)
    response = client.post(reverse("members:change_reject", args=[change.pk]), {"note": ""}, follow=True)
    assert "驳回须填写理由。" in response.content.decode()
    detail = reverse("members:member_detail", args=[member_in_b.pk])
    response = client.post(reverse("members:change_reject", args=[change.pk]), {"note": "材料不全", "next": detail})
    assert response["Location"] == detail
    # An outside `next` is ignored.
    change2 = _request(chair, member_in_b, Kind.RETIRE, org)
    response = client.post(reverse("members:change_approve", args=[change2.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("members:change_inbox")


def test_source_committee_gets_403_on_approving_a_transfer_out_of_its_branch(
    login, org, committee, committee_b, member_in_a
):
    change = _request(committee, member_in_a, Kind.TRANSFER, org, to_unit=org.branch_b)
    assert login(committee).post(reverse("members:change_approve", args=[change.pk])).status_code == 403
    response = login(committee_b).post(reverse("members:change_approve", args=[change.pk]))
    assert response.status_code == 302
    member_in_a.refresh_from_db()
    assert member_in_a.org_unit == org.branch_b


@pytest.mark.parametrize("rows", [1, 30])
def test_inbox_query_count_is_flat(login, org, chair, rows, django_assert_num_queries):
    for member in MemberFactory.create_batch(rows, org_unit=org.branch_b):
        _request(chair, member, Kind.TRANSFER, org, to_unit=org.group_a)
    client = login(chair)
    client.get(reverse("members:change_inbox"))
    # session, user, grants with the own member record, counts by kind, page count, page rows, 待生效 rows
    with django_assert_num_queries(6):
        response = client.get(reverse("members:change_inbox"))
    assert response.content.decode().count('<tr id="change-') == rows


@pytest.mark.parametrize("rows", [1, 30])
def test_inbox_query_count_is_flat_with_scheduled_changes(login, org, chair, rows, django_assert_num_queries):
    for member in MemberFactory.create_batch(rows, org_unit=org.branch_b):
        _scheduled_retirement(chair, member, org)
    client = login(chair)
    client.get(reverse("members:change_inbox"))
    # as above, but no pending page to read: session, user, grants, counts, page count, 待生效
    with django_assert_num_queries(5):
        response = client.get(reverse("members:change_inbox"))
    assert response.content.decode().count('<tr id="change-') == rows


@pytest.mark.parametrize("rows", [1, 10])
def test_member_detail_query_count_does_not_grow_with_history(
    login, org, chair, member_in_b, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        change = _request(chair, member_in_b, Kind.RETIRE, org)
        membership.membership_reject(actor=chair, change_id=change.pk, note="再议")
    client = login(chair)
    url = reverse("members:member_detail", args=[member_in_b.pk])
    client.get(url)
    with django_assert_max_num_queries(8) as captured:
        body = client.get(url).content.decode()
    assert sum("members_membershipchange" in q["sql"] for q in captured.captured_queries) == 1
    assert body.count("再议") == rows


def test_member_detail_shows_history_and_allowed_buttons(login, org, chair, treasurer, member, member_in_b):
    change = _request(chair, member_in_b, Kind.TRANSFER, org, to_unit=org.group_a, reason="调岗")
    membership.membership_approve(actor=chair, change_id=change.pk, note="同意")
    url = reverse("members:member_detail", args=[member_in_b.pk])
    body = login(chair).get(url).content.decode()
    assert "转会（系统内）" in body and "调岗" in body and "已批准" in body and "同意" in body
    for kind in ["transfer", "transfer_out", "withdraw", "retire", "decease"]:
        assert f'?kind={kind}"' in body, kind
    assert "?kind=join" not in body
    body = login(treasurer).get(url).content.decode()
    assert "转会（系统内）" in body and "?kind=" not in body
    own = reverse("members:member_detail", args=[member.member.pk])
    body = login(member).get(own).content.decode()
    assert "?kind=withdraw" in body and '?kind=transfer"' not in body


def test_pending_change_shows_decision_buttons_only_to_approvers(login, org, committee, committee_b, member_in_a):
    _request(committee, member_in_a, Kind.TRANSFER, org, to_unit=org.branch_b)
    url = reverse("members:member_detail", args=[member_in_a.pk])
    body = login(committee).get(url).content.decode()
    assert "撤回申请" in body and "members/changes/" in body
    assert "/approve/" not in body and "?kind=" not in body  # one pending change at a time


def test_dashboard_card_for_approvers_with_pending_items(login, org, chair, committee, member_in_b):
    body = login(chair).get(reverse("dashboard")).content.decode()
    assert 'data-card="membership-pending"' not in body
    _request(chair, member_in_b, Kind.RETIRE, org)
    body = login(chair).get(reverse("dashboard")).content.decode()
    assert 'data-card="membership-pending"' in body and "待审批的会籍变动 1 件" in body
    body = login(committee).get(reverse("dashboard")).content.decode()
    assert 'data-card="membership-pending"' not in body


def test_dashboard_join_card_for_logins_without_a_member_record(login, org, chair):
    assert 'data-card="membership-join"' not in login(chair).get(reverse("dashboard")).content.decode()
    body = login(UserFactory(username="newcomer")).get(reverse("dashboard")).content.decode()
    assert 'data-card="membership-join"' in body and reverse("members:join_apply") in body


# --- Dated ahead: 待生效 ----------------------------------------------------------------------

NEXT_MONTH = TODAY + datetime.timedelta(days=30)


def _scheduled_retirement(chair, member, org, on=NEXT_MONTH) -> MembershipChange:
    change = _request(chair, member, Kind.RETIRE, org, effective_on=on)
    return membership.membership_approve(actor=chair, change_id=change.pk, note="按期退休")


def test_approving_a_change_dated_ahead_waits_for_its_date(org, chair, member_in_b):
    change = _scheduled_retirement(chair, member_in_b, org)

    change.refresh_from_db()
    member_in_b.refresh_from_db()
    assert change.state == State.SCHEDULED and change.decided_by == chair and change.decided_at
    assert member_in_b.status == Status.ACTIVE
    entry = AuditEntry.objects.get(action="membership.schedule")
    assert entry.object_id == str(change.pk)
    assert entry.changes == {"state": ["pending", "scheduled"], "effective_on": [None, NEXT_MONTH.isoformat()]}
    assert not AuditEntry.objects.filter(action="membership.approve").exists()
    # It is the member's open change: nothing else until it is applied or called off.
    with pytest.raises(MembershipError, match=f"待生效的会籍变动（退休，{NEXT_MONTH.isoformat()} 生效）"):
        _request(chair, member_in_b, Kind.WITHDRAW, org)
    with pytest.raises(MembershipError, match="不能重复处理"):
        membership.membership_approve(actor=chair, change_id=change.pk)


def test_a_change_dated_today_or_earlier_applies_at_once(org, chair, member_in_b):
    change = _request(chair, member_in_b, Kind.RETIRE, org, effective_on=TODAY - datetime.timedelta(days=3))
    membership.membership_approve(actor=chair, change_id=change.pk)
    member_in_b.refresh_from_db()
    assert member_in_b.status == Status.RETIRED
    assert MembershipChange.objects.get().state == State.APPROVED


def test_apply_due_applies_on_the_date_exactly_once(org, chair, member_in_b):
    change = _scheduled_retirement(chair, member_in_b, org)

    assert membership.membership_apply_due(today=NEXT_MONTH - datetime.timedelta(days=1)) == 0
    member_in_b.refresh_from_db()
    assert member_in_b.status == Status.ACTIVE

    assert membership.membership_apply_due(today=NEXT_MONTH) == 1
    assert membership.membership_apply_due(today=NEXT_MONTH) == 0
    assert membership.membership_apply_due(today=NEXT_MONTH + datetime.timedelta(days=5)) == 0
    member_in_b.refresh_from_db()
    change.refresh_from_db()
    assert member_in_b.status == Status.RETIRED
    assert change.state == State.APPROVED and change.decided_by == chair  # the approver stays on record
    entry = AuditEntry.objects.get(action="membership.apply")
    assert entry.actor is None and entry.actor_repr == "系统"
    assert entry.object_id == str(member_in_b.pk)
    assert entry.changes == {"status": ["active", "retired"]}


def test_apply_due_through_the_beat_task(org, chair, member_in_b, monkeypatch):
    from members.tasks import membership_apply_due_task
    from union_office.celery import app

    _scheduled_retirement(chair, member_in_b, org)
    entry = app.conf.beat_schedule["membership-apply-due"]
    assert entry["task"] == membership_apply_due_task.name
    monkeypatch.setattr(membership.services, "_today", lambda: NEXT_MONTH)
    assert membership_apply_due_task.delay().get() == 1
    member_in_b.refresh_from_db()
    assert member_in_b.status == Status.RETIRED


def test_a_transfer_dated_ahead_moves_the_member_on_its_date(org, chair, committee_b, member_in_a):
    change = _request(chair, member_in_a, Kind.TRANSFER, org, to_unit=org.branch_b, effective_on=NEXT_MONTH)
    membership.membership_approve(actor=committee_b, change_id=change.pk)
    member_in_a.refresh_from_db()
    assert member_in_a.org_unit == org.group_a

    membership.membership_apply_due(today=NEXT_MONTH)
    member_in_a.refresh_from_db()
    assert member_in_a.org_unit == org.branch_b and member_in_a.status == Status.ACTIVE


def test_a_scheduled_change_that_no_longer_fits_is_called_off_on_its_date(org, chair, member_in_b):
    change = _scheduled_retirement(chair, member_in_b, org)
    Member.objects.filter(pk=member_in_b.pk).update(org_unit=org.branch_a)  # a roster edit meanwhile

    assert membership.membership_apply_due(today=NEXT_MONTH) == 1
    change.refresh_from_db()
    member_in_b.refresh_from_db()
    assert member_in_b.status == Status.ACTIVE
    assert change.state == State.CANCELLED
    assert change.decision_note.startswith("到期未能生效：会员的所属工会在申请之后已经变更")
    assert AuditEntry.objects.filter(action="membership.apply_failed", object_id=str(change.pk)).count() == 1
    assert not AuditEntry.objects.filter(action="membership.apply").exists()
    _request(chair, member_in_b, Kind.WITHDRAW, org)  # no longer holds the member's open change


def test_an_approver_cancels_a_scheduled_change_with_a_reason(org, chair, committee, member_in_b):
    change = _scheduled_retirement(chair, member_in_b, org)
    with pytest.raises(PermissionDenied):
        membership.membership_cancel(actor=committee, change_id=change.pk, note="x")  # 分工会 A: not B's
    with pytest.raises(MembershipError, match="撤销须填写理由"):
        membership.membership_cancel(actor=chair, change_id=change.pk, note=" ")

    membership.membership_cancel(actor=chair, change_id=change.pk, note="延迟退休")

    change.refresh_from_db()
    assert (change.state, change.decision_note, change.decided_by) == (State.CANCELLED, "延迟退休", chair)
    entry = AuditEntry.objects.get(action="membership.cancel")
    assert entry.changes == {"state": ["scheduled", "cancelled"], "decision_note": [None, "延迟退休"]}
    assert membership.membership_apply_due(today=NEXT_MONTH) == 0
    member_in_b.refresh_from_db()
    assert member_in_b.status == Status.ACTIVE
    with pytest.raises(MembershipError, match="只有待生效的会籍变动可以撤销"):
        membership.membership_cancel(actor=chair, change_id=change.pk, note="再撤")
    _request(chair, member_in_b, Kind.RETIRE, org)  # a new request may be filed now


def test_the_inbox_lists_scheduled_changes_for_their_approvers_to_call_off(login, org, chair, committee, member_in_b):
    change = _scheduled_retirement(chair, member_in_b, org)
    pending = _request(chair, MemberFactory(org_unit=org.branch_b), Kind.WITHDRAW, org)
    body = login(chair).get(reverse("members:change_inbox")).content.decode()
    assert "共 1 件待审批" in body  # the badge counts what awaits a decision ...
    assert "已批准待生效 1 件" in body  # ... and, apart, what is decided but not yet applied
    scheduled = body[body.index('data-testid="scheduled-changes"') :]
    assert f'<tr id="change-{change.pk}">' in scheduled and f'<tr id="change-{pending.pk}">' not in scheduled
    assert NEXT_MONTH.isoformat() in scheduled
    assert reverse("members:change_cancel", args=[change.pk]) in scheduled
    # 分工会 A's committee approves nothing at B: neither list shows B's changes.
    other = login(committee).get(reverse("members:change_inbox")).content.decode()
    assert "scheduled-changes" not in other and f"change-{change.pk}" not in other

    response = login(chair).post(
        reverse("members:change_cancel", args=[change.pk]), {"note": "延迟退休"}, headers={"HX-Request": "true"}
    )
    row = response.content.decode()
    assert row.strip().startswith(f'<tr id="change-{change.pk}">') and "已撤销" in row
    assert reverse("members:change_cancel", args=[change.pk]) not in row
    change.refresh_from_db()
    assert change.state == State.CANCELLED
    assert "scheduled-changes" not in login(chair).get(reverse("members:change_inbox")).content.decode()


def test_member_page_shows_the_scheduled_change_and_cancel_to_approvers(login, org, chair, treasurer, member_in_b):
    client = login(chair)
    change = _request(chair, member_in_b, Kind.RETIRE, org, effective_on=NEXT_MONTH)
    response = client.post(
        reverse("members:change_approve", args=[change.pk]),
        {"next": reverse("members:member_detail", args=[member_in_b.pk])},
        follow=True,
    )
    body = response.content.decode()
    assert f"已批准“{member_in_b.name}”的退休，将于 {NEXT_MONTH.isoformat()} 生效。" in body
    assert 'data-testid="scheduled-change"' in body
    assert f"将于 {NEXT_MONTH.isoformat()} 生效，届时会籍状态改为“已退休”" in body
    assert reverse("members:change_cancel", args=[change.pk]) in body
    assert "?kind=" not in body  # the open change blocks new requests

    reader = login(treasurer).get(reverse("members:member_detail", args=[member_in_b.pk])).content.decode()
    assert 'data-testid="scheduled-change"' in reader
    assert reverse("members:change_cancel", args=[change.pk]) not in reader

    response = login(chair).post(
        reverse("members:change_cancel", args=[change.pk]),
        {"note": "推迟", "next": reverse("members:member_detail", args=[member_in_b.pk])},
        follow=True,
    )
    body = response.content.decode()
    assert f"已撤销“{member_in_b.name}”待生效的退休。" in body
    assert 'data-testid="scheduled-change"' not in body and "已撤销" in body


def test_htmx_approve_in_the_inbox_says_when_it_takes_effect(login, org, chair, member_in_b):
    change = _request(chair, member_in_b, Kind.RETIRE, org, effective_on=NEXT_MONTH)
    response = login(chair).post(reverse("members:change_approve", args=[change.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert f"将于 {NEXT_MONTH.isoformat()} 生效" in body and "待生效" in body


# --- Docs ------------------------------------------------------------------------------


def test_doc_names_every_kind_status_and_state():
    text = DOC.read_text(encoding="utf-8")
    codes = [*Kind.values, *Status.values, *State.values]
    missing = [code for code in codes if f"`{code}`" not in text]
    assert missing == [], "add these to docs/membership.md"
    for transition in TRANSITIONS.values():
        row = next((line for line in text.splitlines() if line.startswith(f"| `{transition.kind}`")), "")
        assert row, transition.kind
        for status in transition.from_statuses:
            assert f"`{status}`" in row.split("|")[2], (transition.kind, status)
        assert f"`{transition.to_status}`" in row.split("|")[3], transition.kind


# --- Concurrency (PostgreSQL) -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite has no row locks (select_for_update is a no-op) and its in-memory test database "
    "cannot be shared between threads; run with DATABASE_URL=postgres://…",
)
def test_two_approvers_at_once_exactly_one_succeeds(org, chair, committee_b, member_in_b, monkeypatch):
    change = _request(chair, member_in_b, Kind.WITHDRAW, org)
    real_audit = membership.services.audit_record

    def slow_audit(**kwargs):
        # Hold the locks a while, so the other approver really arrives while this one is inside.
        time.sleep(0.3)
        return real_audit(**kwargs)

    monkeypatch.setattr(membership.services, "audit_record", slow_audit)
    approvers = (chair, committee_b)
    outcomes = run_at_once(
        lambda n: membership.membership_approve(actor=approvers[n], change_id=change.pk),
        len(approvers),
        refusals=(MembershipError,),
    )
    assert sum(o.ok for o in outcomes) == 1, outcomes
    assert "不能重复处理" in next(o.message for o in outcomes if not o.ok)
    assert AuditEntry.objects.filter(action="membership.approve").count() == 1
    member_in_b.refresh_from_db()
    assert member_in_b.status == Status.WITHDRAWN


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite has no row locks (select_for_update is a no-op) and its in-memory test database "
    "cannot be shared between threads; run with DATABASE_URL=postgres://…",
)
def test_two_apply_runs_at_once_apply_each_change_once(org, chair, monkeypatch):
    members = MemberFactory.create_batch(4, org_unit=org.branch_b)
    for member in members:
        _scheduled_retirement(chair, member, org)
    real_audit = membership.services.audit_record

    def slow_audit(**kwargs):
        time.sleep(0.2)  # hold the member's lock while the other run arrives
        return real_audit(**kwargs)

    monkeypatch.setattr(membership.services, "audit_record", slow_audit)
    outcomes = run_at_once(lambda n: membership.membership_apply_due(today=NEXT_MONTH), 2, refusals=())
    counts = [o.value for o in outcomes]
    assert sum(counts) == 4, counts
    assert AuditEntry.objects.filter(action="membership.apply").count() == 4
    assert set(Member.objects.filter(pk__in=[m.pk for m in members]).values_list("status", flat=True)) == {
        Status.RETIRED
    }
    assert not MembershipChange.objects.filter(state=State.SCHEDULED).exists()
