"""Delegates imported from the roster; the composition check against the session's targets."""

import pytest

from congress import selectors, services
from congress.models import Delegate
from members.tests.factories import MemberFactory
from union_office.models import AuditEntry

from .builders import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster(org):
    people = {
        "王芳": MemberFactory(name="王芳", gender="F", org_unit=org.branch_a, frontline=True, member_no="S001"),
        "李明": MemberFactory(name="李明", gender="M", org_unit=org.branch_b, frontline=True, member_no="S002"),
        "赵敏": MemberFactory(name="赵敏", gender="F", org_unit=org.group_a, member_no="S003"),
        "刘强": MemberFactory(name="刘强", gender="M", org_unit=org.school, member_no="S004"),
    }
    MemberFactory(name="张伟", org_unit=org.branch_a, member_no="S005")
    MemberFactory(name="张伟", org_unit=org.branch_b, member_no="S006")
    MemberFactory(name="陈医生", org_unit=org.ward, member_no="H001")
    return people


def test_delegates_are_imported_from_the_roster_with_group_category_and_gender(org, chair, roster):
    session = make_session(org.school)
    text = "王芳 第一代表团\nS002，第二代表团，一线职工\n赵敏\t第一代表团\t专业技术人员\n刘强 第二代表团 领导干部\n"
    assert services.delegates_import(actor=chair, session_id=session.pk, text=text) == 4
    rows = {d.member.name: (d.group, d.category, d.gender) for d in Delegate.objects.select_related("member")}
    assert rows == {
        "王芳": ("第一代表团", "frontline", "F"),
        "李明": ("第二代表团", "frontline", "M"),
        "赵敏": ("第一代表团", "technical", "F"),
        "刘强": ("第二代表团", "leader", "M"),
    }
    # Again: nothing new, the group is updated.
    assert services.delegates_import(actor=chair, session_id=session.pk, text="王芳 第三代表团") == 0
    assert Delegate.objects.get(member=roster["王芳"]).group == "第三代表团"
    assert AuditEntry.objects.filter(action="congress.delegates_import").count() == 2


def test_a_bad_line_saves_nothing_and_says_which(org, chair, roster):
    session = make_session(org.school)
    text = "王芳 第一代表团\n张伟 第一代表团\n陈医生 第二代表团\n李明 第二代表团 工人\n王芳 第一代表团\n无名氏"
    with pytest.raises(services.CongressError) as caught:
        services.delegates_import(actor=chair, session_id=session.pk, text=text)
    assert caught.value.messages == [
        "第2行：有多名会员叫“张伟”，请改用会员编号。",
        "第3行：本单位在册会员中没有“陈医生”。",
        "第4行：类别“工人”无效，应为一线职工、专业技术人员、管理人员或领导干部。",
        "第5行：王芳重复出现。",
        "第6行：应为“会员编号或姓名 代表团 [类别]”，以空格、逗号或制表符分隔。",
    ]
    assert not Delegate.objects.exists()


def test_only_the_committee_imports(org, committee, roster):
    from django.core.exceptions import PermissionDenied

    session = make_session(org.school)
    with pytest.raises(PermissionDenied):
        services.delegates_import(actor=committee, session_id=session.pk, text="王芳 第一代表团")


def test_composition_flags_what_is_off(org, chair, roster):
    session = make_session(org.school, frontline_min_percent=60, leaders_max_percent=20)
    services.delegates_import(
        actor=chair, session_id=session.pk, text="王芳 一团\n李明 一团\n赵敏 二团 专业技术人员\n刘强 二团 领导干部"
    )
    result = selectors.composition(session)
    women, frontline, leaders = result.shares
    # Members of the school: the 4 above, two 张伟 and whatever the factory gave them; women share
    # among delegates is 50 %.
    assert (women.count, women.total) == (2, 4)
    assert (frontline.count, frontline.ok) == (2, False)  # 50 % < 60 %
    assert (leaders.count, leaders.ok) == (1, False)  # 25 % > 20 %
    assert result.quorum == 3
    assert {s.label for s in result.problems} >= {"一线职工代表", "领导干部代表"}


def test_composition_women_share_against_the_members(org):
    session = make_session(org.school)
    women = [MemberFactory(name=f"女{i}", gender="F", org_unit=org.branch_a) for i in range(6)]
    men = [MemberFactory(name=f"男{i}", gender="M", org_unit=org.branch_a) for i in range(4)]
    # 60 % of the members are women; 1 woman of 3 delegates (33 %) is too few.
    for member in (women[0], men[0], men[1]):
        Delegate.objects.create(
            session=session, member=member, group="一团", category="frontline", gender=member.gender
        )
    share = selectors.composition(session).shares[0]
    assert not share.ok and "60.0%" in share.note
    session.women_margin_percent = 30
    assert selectors.composition(session).shares[0].ok
