"""The motion workflow through the services: who may make each move, and when (DESIGN.md §3.4)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from congress import services
from congress.models import CoSigner, Motion, MotionStatus, Satisfaction, Suggestion, SuggestionStatus
from union_office.models import AuditEntry, Reminder

from .builders import (
    MOTION_TEXT,
    TODAY,
    motion_assigned,
    motion_draft,
    motion_registered,
    motion_submitted,
    user_of,
)

pytestmark = pytest.mark.django_db


def test_the_whole_way_with_the_permission_checked_at_each_step(world):
    # A member who is not a delegate cannot start a motion, but can write a suggestion.
    with pytest.raises(PermissionDenied, match="职工代表"):
        services.motion_create(actor=world.member, session=world.session, values=MOTION_TEXT)
    suggestion = services.suggestion_create(
        actor=world.member, session=world.session, title="食堂排队太久", content="中午排队二十分钟。"
    )
    assert suggestion.author.user == world.member

    # A delegate adopts it into their own draft, linked.
    motion = services.suggestion_adopt(actor=user_of(world.d1), suggestion_id=suggestion.pk, category="life")
    assert motion.from_suggestion == suggestion and motion.status == MotionStatus.DRAFT
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ADOPTED
    motion = services.motion_update(actor=user_of(world.d1), motion_id=motion.pk, values=MOTION_TEXT)

    # Only the proposer invites and collects; only invited delegates confirm.
    with pytest.raises(PermissionDenied):
        services.cosigners_invite(actor=user_of(world.d2), motion_id=motion.pk, delegate_ids=[world.d3.pk])
    services.cosigners_invite(actor=user_of(world.d1), motion_id=motion.pk, delegate_ids=[world.d2.pk, world.d3.pk])
    with pytest.raises(PermissionDenied):
        services.motion_move(actor=user_of(world.d2), motion_id=motion.pk, action="collect")
    services.motion_move(actor=user_of(world.d1), motion_id=motion.pk, action="collect")
    with pytest.raises(PermissionDenied, match="没有被邀请"):
        services.cosigner_confirm(actor=world.member, motion_id=motion.pk)
    services.cosigner_confirm(actor=user_of(world.d2), motion_id=motion.pk)
    services.cosigner_confirm(actor=user_of(world.d3), motion_id=motion.pk)
    services.motion_move(actor=user_of(world.d1), motion_id=motion.pk, action="submit")

    # The committee reviews and registers; the proposer and the handler may not.
    for outsider in (user_of(world.d1), world.handler):
        with pytest.raises(PermissionDenied):
            services.motion_move(actor=outsider, motion_id=motion.pk, action="review")
    services.motion_move(actor=world.motions, motion_id=motion.pk, action="review")
    with pytest.raises(PermissionDenied):
        services.motion_register(actor=user_of(world.d1), motion_id=motion.pk)
    motion = services.motion_register(actor=world.motions, motion_id=motion.pk)
    assert motion.number_display == f"{TODAY.year}-001"

    # 交办 to 总务处 (主办) and 教务处 (会办).
    with pytest.raises(PermissionDenied):
        services.motion_assign(
            actor=world.handler,
            motion_id=motion.pk,
            lead_department_id=world.general.pk,
            co_department_ids=[],
            due_on=TODAY + datetime.timedelta(days=30),
        )
    services.motion_assign(
        actor=world.motions,
        motion_id=motion.pk,
        lead_department_id=world.general.pk,
        co_department_ids=[world.teaching.pk],
        due_on=TODAY + datetime.timedelta(days=30),
    )
    # The 会办 department adds its opinion without moving the motion; another unit's handler cannot.
    services.motion_reply(
        actor=world.teaching_handler, motion_id=motion.pk, department_id=world.teaching.pk, text="教务处配合调整课表。"
    )
    assert Motion.objects.get(pk=motion.pk).status == MotionStatus.ASSIGNED
    with pytest.raises(PermissionDenied):
        services.motion_reply(
            actor=world.hospital_handler,
            motion_id=motion.pk,
            department_id=world.hospital_handler.role_grants.get().department_id,
            text="x",
        )
    services.motion_reply(
        actor=world.handler, motion_id=motion.pk, department_id=world.general.pk, text="已增设两个窗口。"
    )
    assert Motion.objects.get(pk=motion.pk).status == MotionStatus.REPLIED

    # Only the proposer rates; 满意 → 已评价 → the committee closes it.
    with pytest.raises(PermissionDenied):
        services.motion_rate(actor=user_of(world.d2), motion_id=motion.pk, rating=Satisfaction.SATISFIED)
    services.motion_rate(actor=user_of(world.d1), motion_id=motion.pk, rating=Satisfaction.SATISFIED)
    motion = services.motion_close(actor=world.motions, motion_id=motion.pk)
    assert motion.status == MotionStatus.CLOSED and motion.satisfaction == Satisfaction.SATISFIED

    actions = list(
        AuditEntry.objects.filter(object_id=str(motion.pk), action__startswith="congress.motion")
        .values_list("action", flat=True)
        .order_by("at", "pk")
    )
    # The kernel names each step's entry after the workflow ("congress.motion.<action>").
    for action in (
        "motion_create",
        "motion.collect",
        "motion.cosign",
        "motion.submit",
        "motion.review",
        "motion.register",
        "motion.assign",
        "motion_reply",  # the 会办 department's opinion, outside the table
        "motion.reply",
        "motion.rate",
        "motion.close",
    ):
        assert f"congress.{action}" in actions


def test_submission_outside_the_window_is_refused(world):
    motion = motion_draft(world.session, world.d1)
    services.cosigners_invite(actor=user_of(world.d1), motion_id=motion.pk, delegate_ids=[world.d2.pk, world.d3.pk])
    services.motion_move(actor=user_of(world.d1), motion_id=motion.pk, action="collect")
    for d in (world.d2, world.d3):
        services.cosigner_confirm(actor=user_of(d), motion_id=motion.pk)
    for day in (
        world.session.motions_open_on - datetime.timedelta(days=1),
        world.session.motions_close_on + datetime.timedelta(days=1),
    ):
        with pytest.raises(services.CongressError, match="不在征集期内"):
            services.motion_move(actor=user_of(world.d1), motion_id=motion.pk, action="submit", today=day)
    assert Motion.objects.get(pk=motion.pk).status == MotionStatus.COLLECTING
    # On the last day of the window it goes.
    services.motion_move(
        actor=user_of(world.d1), motion_id=motion.pk, action="submit", today=world.session.motions_close_on
    )
    assert Motion.objects.get(pk=motion.pk).status == MotionStatus.SUBMITTED


def test_co_signer_threshold_counts_only_confirmed_co_signers(world):
    motion = motion_draft(world.session, world.d1)
    services.cosigners_invite(actor=user_of(world.d1), motion_id=motion.pk, delegate_ids=[world.d2.pk, world.d3.pk])
    services.motion_move(actor=user_of(world.d1), motion_id=motion.pk, action="collect")
    services.cosigner_confirm(actor=user_of(world.d2), motion_id=motion.pk)
    with pytest.raises(services.CongressError, match="至少 2 名代表附议，目前已确认 1 名"):
        services.motion_move(actor=user_of(world.d1), motion_id=motion.pk, action="submit")
    # Straight from the draft, with nobody confirmed, neither.
    services.motion_move(actor=user_of(world.d1), motion_id=motion.pk, action="recall")
    with pytest.raises(services.CongressError, match="目前已确认 1 名"):
        services.motion_move(actor=user_of(world.d1), motion_id=motion.pk, action="submit")
    services.motion_move(actor=user_of(world.d1), motion_id=motion.pk, action="collect")
    services.cosigner_confirm(actor=user_of(world.d3), motion_id=motion.pk)
    services.motion_move(actor=user_of(world.d1), motion_id=motion.pk, action="submit")
    assert CoSigner.objects.filter(motion=motion, confirmed_at__isnull=False).count() == 2


def test_the_proposer_cannot_co_sign_nor_invite_delegates_of_another_session(world, org):
    from .builders import make_delegate, make_session

    other = make_session(org.school, term=2, meeting=2)
    stranger = make_delegate(other, org.branch_a, "other_session_delegate")
    motion = motion_draft(world.session, world.d1)
    with pytest.raises(services.CongressError, match="其他职工代表"):
        services.cosigners_invite(actor=user_of(world.d1), motion_id=motion.pk, delegate_ids=[stranger.pk])
    assert services.cosigners_invite(actor=user_of(world.d1), motion_id=motion.pk, delegate_ids=[world.d1.pk]) == 0


def test_merge_keeps_both_proposers(world):
    first = motion_registered(world)
    # d2 proposes much the same; d1 and d3 co-sign.
    second = motion_submitted(world.session, world.d2, [world.d1, world.d3], title="改善职工食堂就餐条件")
    services.motion_move(actor=world.motions, motion_id=second.pk, action="review")
    from congress.selectors import similar_motions

    assert [s.motion.pk for s in similar_motions(second)] == [first.pk]
    target = services.motion_merge(actor=world.motions, motion_id=second.pk, into_id=first.pk)
    second.refresh_from_db()
    assert second.status == MotionStatus.MERGED and second.merged_into_id == first.pk
    assert target.proposer == world.d1
    assert list(target.joint_proposers.all()) == [world.d2]
    # Merging does not use a number: the next registration is 002.
    third = motion_registered(
        world, title="增加教师培训经费", reason="培训经费不足。", proposal="每年按工资总额1.5%列支。"
    )
    assert third.number == 2


def test_rejection_needs_a_reason_and_turns_the_motion_into_a_suggestion(world):
    motion = motion_submitted(world.session, world.d1, [world.d2, world.d3])
    services.motion_move(actor=world.motions, motion_id=motion.pk, action="review")
    with pytest.raises(services.CongressError, match="写明说明"):
        services.motion_reject(actor=world.motions, motion_id=motion.pk, reason="other")
    suggestion = services.motion_reject(
        actor=world.motions, motion_id=motion.pk, reason="personal", note="属个人待遇问题"
    )
    motion.refresh_from_db()
    assert motion.status == MotionStatus.REJECTED and motion.number is None
    assert suggestion.from_motion == motion and suggestion.author == world.d1.member
    assert Suggestion.objects.filter(status=SuggestionStatus.OPEN).count() == 1


def test_unsatisfied_rating_reopens_handling_once(world):
    motion = motion_assigned(world)
    services.motion_reply(actor=world.handler, motion_id=motion.pk, department_id=world.general.pk, text="研究中。")
    with pytest.raises(services.CongressError, match="写明理由"):
        services.motion_rate(actor=user_of(world.d1), motion_id=motion.pk, rating=Satisfaction.UNSATISFIED)
    motion = services.motion_rate(
        actor=user_of(world.d1), motion_id=motion.pk, rating=Satisfaction.UNSATISFIED, comment="没有具体措施"
    )
    assert motion.status == MotionStatus.ASSIGNED and motion.round == 2
    assert motion.due_on == TODAY + datetime.timedelta(days=15)
    # The second round is reminded again.
    assert Reminder.objects.filter(recipient=world.handler, key="overdue:r2").exists()
    services.motion_reply(actor=world.handler, motion_id=motion.pk, department_id=world.general.pk, text="已增设窗口。")
    # A second 不满意 is recorded; the committee decides.
    motion = services.motion_rate(
        actor=user_of(world.d1), motion_id=motion.pk, rating=Satisfaction.UNSATISFIED, comment="仍不满意"
    )
    assert motion.status == MotionStatus.EVALUATED
    assert list(motion.evaluations.values_list("round", "rating")) == [(1, "unsatisfied"), (2, "unsatisfied")]
    assert motion.replies.filter(is_lead=True).count() == 2


def test_reply_deadline_reminders_go_to_the_handlers_and_stop_with_the_reply(world, django_capture_on_commit_callbacks):
    from union_office.models import Delivery, Notification
    from union_office.notifications.dispatch import reminders_dispatch_due

    motion = motion_assigned(world)
    reminders = Reminder.objects.filter(kind="congress.reply_due").order_by("recipient_id", "due_at")
    assert {r.recipient for r in reminders} == {world.handler, world.teaching_handler}
    before, after = [r.due_at.date() for r in reminders.filter(recipient=world.handler)]
    assert before == motion.due_on - datetime.timedelta(days=3)
    assert after == motion.due_on + datetime.timedelta(days=1)
    # The day after the deadline without a reply: both handlers get the 催办 in their inbox.
    from django.utils import timezone

    reminders_dispatch_due(now=timezone.now() + datetime.timedelta(days=32))
    assert Notification.objects.filter(recipient=world.handler, subject__startswith="催办").count() == 1
    # Once replied, nothing further is sent for this round.
    motion2 = motion_assigned(world, title="增加教师培训经费", reason="培训经费不足。", proposal="按比例列支。")
    with django_capture_on_commit_callbacks(execute=True):  # the kernel tells on commit
        services.motion_reply(
            actor=world.handler, motion_id=motion2.pk, department_id=world.general.pk, text="已列入预算。"
        )
    pending = Delivery.objects.filter(
        reminder__kind="congress.reply_due", reminder__source_id=str(motion2.pk), state=Delivery.State.PENDING
    )
    assert not pending.exists()
    assert Notification.objects.filter(recipient=user_of(world.d1), kind="congress.motion_replied").count() == 1


def test_illegal_moves_say_so(world):
    motion = motion_draft(world.session, world.d1)
    with pytest.raises(services.CongressError, match="当前状态为“草稿”，不能“立案”"):
        services.motion_register(actor=world.motions, motion_id=motion.pk)
    assigned = motion_assigned(world, title="另一件提案")
    services.motion_reply(actor=world.handler, motion_id=assigned.pk, department_id=world.general.pk, text="已办。")
    with pytest.raises(services.CongressError, match="“已答复”，不能答复"):
        services.motion_reply(actor=world.handler, motion_id=assigned.pk, department_id=world.general.pk, text="再答")
    with pytest.raises(services.CongressError, match="提案已提交，不能再修改"):
        services.motion_update(actor=user_of(world.d1), motion_id=assigned.pk, values=MOTION_TEXT)


def test_flags_only_on_registered_motions(world):
    draft = motion_draft(world.session, world.d1)
    with pytest.raises(services.CongressError):
        services.motion_set_flags(actor=world.motions, motion_id=draft.pk, is_key=True, is_excellent=False)
    motion = motion_registered(world, title="另一件提案")
    with pytest.raises(PermissionDenied):
        services.motion_set_flags(actor=user_of(world.d1), motion_id=motion.pk, is_key=True, is_excellent=True)
    motion = services.motion_set_flags(actor=world.motions, motion_id=motion.pk, is_key=True, is_excellent=True)
    assert motion.is_key and motion.is_excellent
    assert AuditEntry.objects.filter(action="congress.motion_flags").count() == 1


def test_the_workflow_table_is_drawn_in_the_docs():
    from pathlib import Path

    from congress.services.common import MOTION
    from union_office.workflow import markdown_table

    text = (Path(__file__).resolve().parents[2] / "docs" / "congress.md").read_text(encoding="utf-8")
    assert markdown_table(MOTION) in text
