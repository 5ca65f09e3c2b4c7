"""Issue 16: who is told at each congress handoff — an invited co-signer (and the link works), the
suggestion's author, the proposer at 立案 / 不予立案 / 交办, and the departments it went to."""

import pytest
from django.urls import reverse

from congress import services
from congress.models import MotionStatus
from union_office.notifications import Notification

from .builders import motion_assigned, motion_draft, motion_submitted, user_of

pytestmark = pytest.mark.django_db


def test_the_invited_delegate_is_told_once_and_can_open_the_motion(world, login):
    motion = motion_draft(world.session, world.d1)
    proposer, invited = user_of(world.d1), user_of(world.d2)
    services.cosigners_invite(actor=proposer, motion_id=motion.pk, delegate_ids=[world.d2.pk])
    services.cosigners_invite(actor=proposer, motion_id=motion.pk, delegate_ids=[world.d2.pk])  # again: no new notice
    [notice] = Notification.objects.filter(recipient=invited)
    assert notice.kind == "congress.cosign_invited"
    assert motion.title in notice.subject
    assert notice.url == reverse("congress:motion_detail", args=[motion.pk])
    # Following the link works before the proposer starts collecting (it was a 404).
    assert login(invited).get(notice.url).status_code == 200
    services.motion_move(actor=proposer, motion_id=motion.pk, action="collect")
    services.cosigner_confirm(actor=invited, motion_id=motion.pk)
    motion.refresh_from_db()
    assert motion.status == MotionStatus.COLLECTING
    assert not Notification.objects.filter(recipient=user_of(world.d3)).exists()


def _told(user):
    return sorted((n.kind, n.subject) for n in Notification.objects.filter(recipient=user))


def test_the_suggestion_author_is_told_when_a_delegate_adopts_it(world):
    member = world.member
    suggestion = services.suggestion_create(
        actor=member, session=world.session, title="食堂增加晚餐窗口", content="晚自习教师用餐不便"
    )
    services.suggestion_adopt(actor=user_of(world.d1), suggestion_id=suggestion.pk, category="life")
    assert _told(member) == [
        ("congress.motion_decided", "您的意见建议《食堂增加晚餐窗口》已由职工代表delegate1转为提案")
    ]


def test_registration_and_assignment_tell_the_proposer_and_the_departments(world, django_capture_on_commit_callbacks):
    # The kernel writes each notice once the step has committed.
    with django_capture_on_commit_callbacks(execute=True):
        motion = motion_assigned(world, title="改善教师停车")
    proposer = user_of(world.d1)
    kinds = [kind for kind, _subject in _told(proposer) if kind == "congress.motion_decided"]
    assert len(kinds) == 2  # 立案, 交办: once each
    assert any("已立案" in subject for _kind, subject in _told(proposer))
    assert any("已交办总务处办理" in subject for _kind, subject in _told(proposer))
    for handler in (world.handler, world.teaching_handler):
        [assigned] = [n for n in _told(handler) if n[0] == "congress.motion_assigned"]
        assert "已交办贵部门" in assigned[1] and motion.title in assigned[1]
    assert not Notification.objects.filter(recipient=world.hospital_handler).exists()


def test_rejection_tells_the_proposer(world, django_capture_on_commit_callbacks):
    motion = motion_submitted(world.session, world.d1, [world.d2, world.d3], title="发放过节费")
    services.motion_move(actor=world.motions, motion_id=motion.pk, action="review")
    with django_capture_on_commit_callbacks(execute=True):
        services.motion_reject(actor=world.motions, motion_id=motion.pk, reason="not_scope")
    assert ("congress.motion_decided", "您的提案《发放过节费》不予立案，已转为意见建议") in _told(user_of(world.d1))
