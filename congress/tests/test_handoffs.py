"""Issue 16 for motions: each handoff tells the next person exactly once, the 待办 list shows each
person the step while it is theirs (in a flat number of queries), nobody acts on their own motion,
and a committee member invited to co-sign a draft can open it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from congress import services
from congress.models import MotionStatus, Satisfaction
from members.models import Role
from members.tests.factories import RoleGrantFactory
from union_office.notifications import Notification
from union_office.todo import todo_for

from .builders import MOTION_TEXT, TODAY, make_delegate, motion_draft, motion_submitted, user_of

pytestmark = pytest.mark.django_db


def _fresh(user):
    """The user as a new request sees them (grants are cached on the object)."""
    return type(user).objects.get(pk=user.pk)


def _todo(user):
    return [(item.title, item.actions) for item in todo_for(_fresh(user)) if item.label == "提案"]


def test_a_committee_member_invited_to_a_draft_can_open_it(world, login):
    # The exact path of the issue: the proposer invites before 征集附议, and the invited delegate
    # (who also sits on the motions committee) follows the notice: it was a 404.
    colleague = make_delegate(world.session, world.org.school, "committee_delegate")
    RoleGrantFactory(user=user_of(colleague), org_unit=world.org.school, role=Role.MOTIONS)
    motion = motion_draft(world.session, world.d1)
    services.cosigners_invite(actor=user_of(world.d1), motion_id=motion.pk, delegate_ids=[colleague.pk])
    [notice] = Notification.objects.filter(recipient=user_of(colleague))
    page = login(user_of(colleague)).get(notice.url)
    assert page.status_code == 200 and MOTION_TEXT["title"] in page.content.decode()
    # Another committee member, not invited, still does not read someone else's draft.
    assert login(world.motions).get(notice.url).status_code == 404


def test_nobody_registers_or_closes_their_own_motion(world):
    proposer = user_of(world.d1)
    RoleGrantFactory(user=proposer, org_unit=world.org.school, role=Role.MOTIONS)
    motion = motion_submitted(world.session, world.d1, [world.d2, world.d3])
    with pytest.raises(services.CongressError, match="本人.*须由其他人办理"):
        services.motion_move(actor=_fresh(proposer), motion_id=motion.pk, action="review")
    services.motion_move(actor=world.motions, motion_id=motion.pk, action="review")
    with pytest.raises(services.CongressError, match="须由其他人办理"):
        services.motion_register(actor=_fresh(proposer), motion_id=motion.pk)
    assert _todo(proposer) == []  # not offered either
    assert _todo(world.motions) == [(motion.title, ("立案",))]


def test_every_guard_refuses_in_chinese(world):
    motion = motion_draft(world.session, world.d1, proposal=" ")
    proposer = user_of(world.d1)
    services.cosigners_invite(actor=proposer, motion_id=motion.pk, delegate_ids=[world.d2.pk])
    services.motion_move(actor=proposer, motion_id=motion.pk, action="collect")
    with pytest.raises(services.CongressError, match="至少 2 名代表附议"):
        services.motion_move(actor=proposer, motion_id=motion.pk, action="submit")
    services.cosigner_confirm(actor=user_of(world.d2), motion_id=motion.pk)
    with pytest.raises(services.CongressError, match="您已确认附议"):
        services.cosigner_confirm(actor=user_of(world.d2), motion_id=motion.pk)
    world.session.min_cosigners = 1
    world.session.save()
    with pytest.raises(services.CongressError, match="请先填写“建议与措施”"):
        services.motion_move(actor=proposer, motion_id=motion.pk, action="submit")
    late = world.session.motions_close_on + datetime.timedelta(days=1)
    with pytest.raises(services.CongressError, match="不在征集期内"):
        services.motion_move(actor=proposer, motion_id=motion.pk, action="submit", today=late)


def _new_notices(before):
    return sorted(
        (n.recipient.username, n.kind) for n in Notification.objects.exclude(pk__in=before).select_related("recipient")
    )


def test_each_handoff_tells_each_person_once_and_waits_on_their_list(world, django_capture_on_commit_callbacks):
    proposer, d2, d3 = user_of(world.d1), user_of(world.d2), user_of(world.d3)
    member = world.member
    suggestion = services.suggestion_create(actor=member, session=world.session, title="增加晚餐窗口", content="晚自习")
    motion = services.suggestion_adopt(actor=proposer, suggestion_id=suggestion.pk, category="life")
    services.motion_update(actor=proposer, motion_id=motion.pk, values=MOTION_TEXT | {"title": "增加晚餐窗口"})
    services.cosigners_invite(actor=proposer, motion_id=motion.pk, delegate_ids=[world.d2.pk, world.d3.pk])
    title = "增加晚餐窗口"

    def step(call, **kwargs):
        before = list(Notification.objects.values_list("pk", flat=True))
        with django_capture_on_commit_callbacks(execute=True):
            call(**kwargs)
        return _new_notices(before)

    # 征集附议: each invited delegate is told now they can co-sign, and it waits on their list.
    told = step(services.motion_move, actor=proposer, motion_id=motion.pk, action="collect")
    assert told == [("delegate2", "congress.cosign_invited"), ("delegate3", "congress.cosign_invited")]
    assert _todo(d2) == [(title, ("附议",))] and _todo(d3) == [(title, ("附议",))]
    assert step(services.cosigner_confirm, actor=d2, motion_id=motion.pk) == []
    assert _todo(d2) == []  # done: off their list
    step(services.cosigner_confirm, actor=d3, motion_id=motion.pk)

    # 提交: the committee's turn.
    told = step(services.motion_move, actor=proposer, motion_id=motion.pk, action="submit")
    committee = {u for u, _kind in told}
    assert "motions" in committee and all(kind == "congress.motion_turn" for _u, kind in told)
    assert len(told) == len(committee)
    assert _todo(world.motions) == [(title, ("开始审查",))]
    step(services.motion_move, actor=world.motions, motion_id=motion.pk, action="review")
    assert _todo(world.motions) == [(title, ("立案",))]

    # 立案: the proposer and the suggestion's author, once each.
    told = step(services.motion_register, actor=world.motions, motion_id=motion.pk)
    assert told == [("delegate1", "congress.motion_decided"), ("member", "congress.motion_decided")]
    assert _todo(world.motions) == [(title, ("交办",))]

    # 交办: both departments' handlers (their turn), the proposer and the author.
    told = step(
        services.motion_assign,
        actor=world.motions,
        motion_id=motion.pk,
        lead_department_id=world.general.pk,
        co_department_ids=[world.teaching.pk],
        due_on=TODAY + datetime.timedelta(days=30),
    )
    assert told == [
        ("delegate1", "congress.motion_decided"),
        ("handler", "congress.motion_assigned"),
        ("member", "congress.motion_decided"),
        ("teaching_handler", "congress.motion_assigned"),
    ]
    assert _todo(world.handler) == [(title, ("答复",))]
    assert _todo(world.teaching_handler) == []  # 会办: the lead department's reply moves it
    assert _todo(world.motions) == []

    # 答复: the proposer is asked to rate it; the author hears of it.
    told = step(
        services.motion_reply,
        actor=world.handler,
        motion_id=motion.pk,
        department_id=world.general.pk,
        text="已增设窗口。",
    )
    assert told == [("delegate1", "congress.motion_replied"), ("member", "congress.motion_decided")]
    assert _todo(proposer) == [(title, ("评价答复",))]
    assert _todo(world.handler) == []

    # 不满意: back to the departments for a second round.
    told = step(
        services.motion_rate, actor=proposer, motion_id=motion.pk, rating=Satisfaction.UNSATISFIED, comment="不够"
    )
    assert told == [("handler", "congress.motion_assigned"), ("teaching_handler", "congress.motion_assigned")]
    step(services.motion_reply, actor=world.handler, motion_id=motion.pk, department_id=world.general.pk, text="再办")
    with pytest.raises(services.CongressError, match="不能再要求再次办理"):
        services.motion_step(actor=proposer, motion_id=motion.pk, action="reopen", rating="unsatisfied")
    # 评价: the committee's turn to close; 办结 tells the proposer.
    told = step(services.motion_rate, actor=proposer, motion_id=motion.pk, rating=Satisfaction.SATISFIED)
    assert {kind for _u, kind in told} == {"congress.motion_turn"} and ("motions", "congress.motion_turn") in told
    assert _todo(world.motions) == [(title, ("办结",))]
    told = step(services.motion_close, actor=world.motions, motion_id=motion.pk)
    assert told == [("delegate1", "congress.motion_decided")]
    motion.refresh_from_db()
    assert motion.status == MotionStatus.CLOSED
    assert all(_todo(u) == [] for u in (proposer, d2, d3, world.motions, world.handler))


def test_the_todo_list_reads_the_same_queries_for_1_and_20_motions(world):
    def make(n):
        for i in range(n):
            motion_submitted(world.session, world.d1, [world.d2, world.d3], title=f"提案{i}")

    make(1)
    with CaptureQueriesContext(connection) as few:
        assert len(_todo(world.motions)) == 1
    make(20)
    with CaptureQueriesContext(connection) as many:
        assert len(_todo(world.motions)) == 21
    assert len(many.captured_queries) == len(few.captured_queries)
