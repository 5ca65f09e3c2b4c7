"""The workflow kernel (union_office/workflow.py) on a toy table over the aid application model:
the order of its checks, separation of duties, guards, the step + audit in one transaction and
the notices sent only once the step has committed, once per person."""

import pytest
from django.db import transaction

from members.tests.factories import MemberFactory, UserFactory
from union_office.models import AuditEntry
from union_office.notifications import Notification
from union_office.workflow import (
    SUBJECT,
    Guard,
    Notice,
    Recipients,
    Transition,
    Workflow,
    WorkflowError,
    available,
    buttons,
    confirm_text,
    options,
    perform,
)
from welfare.models import AidApplication

pytestmark = pytest.mark.django_db

REVIEW, PAY = "review", "pay"


@pytest.fixture
def people(org):
    def person(name):
        user = UserFactory(username=name, first_name=name)
        MemberFactory(name=name, org_unit=org.branch_b, user=user)
        return user

    return {name: person(name) for name in ("applicant", "reviewer", "payer", "both")}


@pytest.fixture
def case(people):
    applicant = people["applicant"]
    return AidApplication.objects.create(
        member=applicant.member,
        org_unit=applicant.member.org_unit,
        kind="illness",
        amount_requested="10",
        reason="x",
        created_by=applicant,
    )


def toy(people, guard_message=None, calls=None):
    holders = {REVIEW: {"reviewer", "both", "applicant"}, PAY: {"payer", "both"}}
    steps = calls if calls is not None else []
    return Workflow(
        name="toy.case",
        model=AidApplication,
        transitions=(
            Transition(
                "submit", ("draft",), "submitted", SUBJECT, "提交", notify=(Notice("reviewers", "待审：%(obj)s"),)
            ),
            Transition(
                "screen",
                ("submitted",),
                "screened",
                REVIEW,
                "初审通过",
                notify=(Notice("applicant", "已初审"), Notice("reviewers", "待核实"), Notice("payers", "待发放")),
            ),
            Transition(
                "pay",
                ("screened",),
                "verified",  # any state the model allows
                PAY,
                "发放",
                guards=(Guard("window", "窗口已开", lambda obj, fields: guard_message),),
                not_by=("screen",),
                confirm="发放后不能撤销。",
                done="已发放",
            ),
        ),
        can=lambda user, perm, obj, at: user.username in holders[perm],
        is_subject=lambda user, obj: obj.member.user_id == user.pk,
        notice_kind="union_office.notice",
        url=lambda obj: f"/case/{obj.pk}/",
        recipients={
            "applicant": Recipients("申请人", lambda obj: [obj.member.user]),
            "reviewers": Recipients("审核人", lambda obj: [people["reviewer"], people["both"]]),
            "payers": Recipients("财务", lambda obj: [people["payer"], people["both"]]),
        },
        record_step=lambda obj, **kw: steps.append((kw["transition"].action, kw["source"], kw["actor"].username)),
        related=("member",),
        noun="申请",
    )


def test_a_move_records_step_and_audit_and_tells_once_after_commit(people, case, django_capture_on_commit_callbacks):
    calls = []
    flow = toy(people, calls=calls)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = perform(flow, actor=people["applicant"], pk=case.pk, action="submit")
        assert not Notification.objects.exists()  # nothing is sent before the commit
    for callback in callbacks:
        callback()
    assert result.obj.state == "submitted"
    assert calls == [("submit", "draft", "applicant")]
    entry = AuditEntry.objects.get(action="toy.case.submit")
    assert entry.changes == {"state": ["draft", "submitted"]}
    assert sorted(Notification.objects.values_list("recipient__username", "subject")) == [
        ("both", f"待审：{case}"),
        ("reviewer", f"待审：{case}"),
    ]
    assert result.message == "提交，已通知审核人。"
    for callback in callbacks:  # the task running twice sends nothing twice
        callback()
    assert Notification.objects.count() == 2


def test_each_person_is_told_once_and_never_the_actor(people, case, django_capture_on_commit_callbacks):
    flow = toy(people)
    case.state = "submitted"
    case.save()
    with django_capture_on_commit_callbacks(execute=True):
        result = perform(flow, actor=people["reviewer"], pk=case.pk, action="screen")
    # "both" is a reviewer and a payer: told once, in the first group that names them.
    assert sorted(Notification.objects.values_list("recipient__username", "subject")) == [
        ("applicant", "已初审"),
        ("both", "待核实"),
        ("payer", "待发放"),
    ]
    assert result.notified == ("申请人", "审核人", "财务")


def test_a_rolled_back_move_tells_nobody(people, case, django_capture_on_commit_callbacks):
    flow = toy(people)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        perform(flow, actor=people["applicant"], pk=case.pk, action="submit")
        raise RuntimeError("the request failed later")
    assert not Notification.objects.exists()
    assert not AuditEntry.objects.filter(action="toy.case.submit").exists()


def test_permission_then_own_case_then_earlier_actor_then_guards(people, case):
    flow = toy(people, guard_message="窗口未开")
    case.state = "submitted"
    case.save()
    with pytest.raises(WorkflowError, match="只有本人可以“提交”"):
        perform(flow, actor=people["reviewer"], pk=case.pk, action="submit")
    with pytest.raises(WorkflowError, match="这是您本人（或家属）的申请，“初审通过”须由其他人办理"):
        perform(flow, actor=people["applicant"], pk=case.pk, action="screen")
    perform(flow, actor=people["both"], pk=case.pk, action="screen")
    with pytest.raises(WorkflowError, match="这一步由"):
        perform(flow, actor=people["reviewer"], pk=case.pk, action="pay")
    with pytest.raises(WorkflowError, match="您已办理“初审通过”，“发放”须由另一人办理"):
        perform(flow, actor=people["both"], pk=case.pk, action="pay")
    with pytest.raises(WorkflowError, match="窗口未开"):
        perform(flow, actor=people["payer"], pk=case.pk, action="pay")
    with pytest.raises(WorkflowError, match="申请当前状态为“.*”，不能“提交”"):
        perform(flow, actor=people["applicant"], pk=case.pk, action="submit")
    with pytest.raises(WorkflowError, match="未知的操作"):
        perform(flow, actor=people["payer"], pk=case.pk, action="teleport")
    case.refresh_from_db()
    assert case.state == "screened"


def test_options_show_who_may_act_and_what_stops_them(people, case):
    flow = toy(people, guard_message="3 日后开放")
    case.state = "screened"
    case.save()
    assert options(flow, people["reviewer"], case) == []
    [(t, why)] = options(flow, people["payer"], case)
    assert (t.action, why) == ("pay", "3 日后开放")
    assert available(flow, people["payer"], case) == []
    [button] = buttons(toy(people), people["payer"], case)
    assert (button.action, button.blocked, button.confirm) == ("pay", None, "发放后不能撤销。")
    assert confirm_text(flow, flow.transitions[0]) == "办理后将通知审核人。"
