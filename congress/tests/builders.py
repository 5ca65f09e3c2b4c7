"""Small builders for the congress tests: a session at the school with delegates who log in."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from congress import services
from congress.models import CongressSession, Delegate, Motion, MotionStatus
from members.models import Role
from members.tests.factories import DepartmentFactory, MemberFactory, RoleGrantFactory, UserFactory

TODAY = timezone.localdate()


def make_session(unit, **values) -> CongressSession:
    defaults = {
        "term": 2,
        "meeting": 1,
        "year": TODAY.year,
        "motions_open_on": TODAY - datetime.timedelta(days=10),
        "motions_close_on": TODAY + datetime.timedelta(days=10),
        "min_cosigners": 2,
        "reply_due_on": TODAY + datetime.timedelta(days=60),
    }
    return CongressSession.objects.create(org_unit=unit, **(defaults | values))


def make_delegate(session, unit, username, *, gender="M", category="frontline", group="第一代表团") -> Delegate:
    user = UserFactory(username=username, first_name=username)
    member = MemberFactory(name=username, org_unit=unit, user=user, gender=gender)
    return Delegate.objects.create(session=session, member=member, group=group, category=category, gender=gender)


def user_of(delegate: Delegate):
    return delegate.member.user


MOTION_TEXT = {
    "title": "改善教职工食堂就餐条件",
    "category": "life",
    "reason": "食堂就餐高峰排队时间长，菜品单一。",
    "proposal": "增加售饭窗口，每周公布菜谱，设立意见箱。",
}


def motion_draft(session, proposer: Delegate, **text) -> Motion:
    return services.motion_create(actor=user_of(proposer), session=session, values=MOTION_TEXT | text)


def motion_submitted(session, proposer: Delegate, cosigners: list[Delegate], **text) -> Motion:
    motion = motion_draft(session, proposer, **text)
    services.cosigners_invite(actor=user_of(proposer), motion_id=motion.pk, delegate_ids=[d.pk for d in cosigners])
    services.motion_move(actor=user_of(proposer), motion_id=motion.pk, action="collect")
    for d in cosigners:
        services.cosigner_confirm(actor=user_of(d), motion_id=motion.pk)
    services.motion_move(actor=user_of(proposer), motion_id=motion.pk, action="submit")
    motion.refresh_from_db()
    return motion


def motion_registered(world, **text) -> Motion:
    motion = motion_submitted(world.session, world.d1, [world.d2, world.d3], **text)
    services.motion_move(actor=world.motions, motion_id=motion.pk, action="review")
    return services.motion_register(actor=world.motions, motion_id=motion.pk)


def motion_assigned(world, **text) -> Motion:
    motion = motion_registered(world, **text)
    return services.motion_assign(
        actor=world.motions,
        motion_id=motion.pk,
        lead_department_id=world.general.pk,
        co_department_ids=[world.teaching.pk],
        due_on=TODAY + datetime.timedelta(days=30),
    )


@pytest.fixture
def world(org, chair, member, outsider):
    """The school's 第二届第一次 congress: three delegates (d1, d2, d3), the motions committee, a
    handler of 总务处, a handler of 教务处 and one of the hospital, the plain `member` (no delegate)."""
    session = make_session(org.school)
    general = DepartmentFactory(name="总务处", org_unit=org.school)
    teaching = DepartmentFactory(name="教务处", org_unit=org.school)
    ward_office = DepartmentFactory(name="医务科", org_unit=org.hospital)

    def persona(username, unit, role, department=None):
        user = UserFactory(username=username, first_name=username)
        MemberFactory(name=username, org_unit=unit, user=user)
        RoleGrantFactory(user=user, org_unit=unit, role=role, department=department)
        return user

    return SimpleNamespace(
        org=org,
        session=session,
        general=general,
        teaching=teaching,
        d1=make_delegate(session, org.branch_a, "delegate1", gender="F"),
        d2=make_delegate(session, org.branch_b, "delegate2", gender="F"),
        d3=make_delegate(session, org.branch_a, "delegate3", category="leader"),
        motions=persona("motions", org.school, Role.MOTIONS),
        handler=persona("handler", org.school, Role.HANDLER, general),
        teaching_handler=persona("teaching_handler", org.school, Role.HANDLER, teaching),
        hospital_handler=persona("hospital_handler", org.hospital, Role.HANDLER, ward_office),
        chair=chair,
        member=member,
        outsider=outsider,
        status=MotionStatus,
    )
