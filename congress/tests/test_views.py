"""The congress screens: each works, needs login, 404 outside the unit, 403 for a reader who may not
write, 405 for the wrong method; lists cost the same number of queries for 1 row and for 30."""

import datetime
import re

import pytest
from django.urls import reverse

from congress.models import Motion, MotionStatus, Satisfaction, Suggestion

from .builders import MOTION_TEXT, TODAY, motion_assigned, motion_draft, motion_registered, motion_submitted, user_of

pytestmark = pytest.mark.django_db


def test_pages_need_a_login(client, world):
    for url in (
        reverse("congress:index"),
        reverse("congress:session_detail", args=[world.session.pk]),
        reverse("congress:motion_list", args=[world.session.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_another_unit_gets_404_everywhere(login, world):
    motion = motion_registered(world)
    client = login(world.outsider)
    for name, args in (
        ("session_detail", [world.session.pk]),
        ("motion_list", [world.session.pk]),
        ("suggestions", [world.session.pk]),
        ("composition", [world.session.pk]),
        ("ballots", [world.session.pk]),
        ("statistics", [world.session.pk]),
        ("handling_xlsx", [world.session.pk]),
        ("motion_detail", [motion.pk]),
    ):
        assert client.get(reverse(f"congress:{name}", args=args)).status_code == 404, name
    assert client.post(reverse("congress:motion_act", args=[motion.pk, "assign"])).status_code == 404
    assert client.post(reverse("congress:compilation_request", args=[world.session.pk])).status_code == 404
    # The hospital's handler has an inbox, with nothing of the school in it.
    response = login(world.hospital_handler).get(reverse("congress:inbox"))
    assert response.status_code == 200 and motion.title not in response.content.decode()


def test_a_member_who_is_not_a_delegate_writes_a_suggestion_but_no_motion(login, world):
    client = login(world.member)
    assert client.get(reverse("congress:motion_create", args=[world.session.pk])).status_code == 403
    assert client.post(reverse("congress:motion_create", args=[world.session.pk]), MOTION_TEXT).status_code == 403
    assert not Motion.objects.exists()
    response = client.post(
        reverse("congress:suggestions", args=[world.session.pk]),
        {"title": "增加午休室", "content": "教师午休无处可去。"},
    )
    assert response.status_code == 302
    assert Suggestion.objects.get().author.user == world.member
    page = client.get(reverse("congress:suggestions", args=[world.session.pk])).content.decode()
    assert "增加午休室" in page


def test_drafts_are_private_to_the_proposer_until_they_go_out(login, world):
    motion = motion_draft(world.session, world.d1)
    url = reverse("congress:motion_detail", args=[motion.pk])
    assert login(user_of(world.d1)).get(url).status_code == 200
    for user in (user_of(world.d2), world.motions, world.member):
        assert login(user).get(url).status_code == 404
    submitted = motion_submitted(world.session, world.d1, [world.d2, world.d3], title="另一件")
    url = reverse("congress:motion_detail", args=[submitted.pk])
    assert login(world.motions).get(url).status_code == 200
    assert login(user_of(world.d2)).get(url).status_code == 200  # a co-signer
    assert login(world.member).get(url).status_code == 404
    # Once registered the motion is public to the unit.
    registered = motion_registered(world, title="第三件")
    assert login(world.member).get(reverse("congress:motion_detail", args=[registered.pk])).status_code == 200


def test_a_handler_sees_only_motions_assigned_to_their_department(login, world):
    ours = motion_assigned(world, title="总务处的提案")
    theirs = motion_registered(world, title="教务处的提案")
    from congress import services

    services.motion_assign(
        actor=world.motions,
        motion_id=theirs.pk,
        lead_department_id=world.teaching.pk,
        co_department_ids=[],
        due_on=TODAY + datetime.timedelta(days=5),
    )
    client = login(world.handler)
    page = client.get(reverse("congress:inbox")).content.decode()
    assert "总务处的提案" in page and "教务处的提案" not in page
    # The reply form only on their own motion; posting a reply to the other one is refused.
    assert 'data-testid="reply-form"' in client.get(reverse("congress:motion_detail", args=[ours.pk])).content.decode()
    assert (
        'data-testid="reply-form"'
        not in client.get(reverse("congress:motion_detail", args=[theirs.pk])).content.decode()
    )
    response = client.post(
        reverse("congress:motion_act", args=[theirs.pk, "reply"]), {"department": world.general.pk, "text": "越权答复"}
    )
    assert response.status_code == 404
    assert not theirs.replies.exists()


def test_the_motion_walks_through_the_pages(login, world):
    proposer = login(user_of(world.d1))
    response = proposer.post(reverse("congress:motion_create", args=[world.session.pk]), MOTION_TEXT)
    motion = Motion.objects.get()
    assert response["Location"] == reverse("congress:motion_detail", args=[motion.pk])
    proposer.post(reverse("congress:cosigners_invite", args=[motion.pk]), {"delegates": [world.d2.pk, world.d3.pk]})
    proposer.post(reverse("congress:motion_act", args=[motion.pk, "collect"]))
    for d in (world.d2, world.d3):
        login(user_of(d)).post(reverse("congress:cosign", args=[motion.pk]))
    proposer = login(user_of(world.d1))
    proposer.post(reverse("congress:motion_act", args=[motion.pk, "submit"]))
    committee = login(world.motions)
    committee.post(reverse("congress:motion_act", args=[motion.pk, "review"]))
    committee.post(reverse("congress:motion_act", args=[motion.pk, "register"]))
    committee.post(
        reverse("congress:motion_act", args=[motion.pk, "assign"]),
        {"lead_department": world.general.pk, "due_on": (TODAY + datetime.timedelta(days=20)).isoformat()},
    )
    login(world.handler).post(
        reverse("congress:motion_act", args=[motion.pk, "reply"]), {"department": world.general.pk, "text": "已办理。"}
    )
    login(user_of(world.d1)).post(
        reverse("congress:motion_act", args=[motion.pk, "rate"]), {"rating": Satisfaction.BASIC}
    )
    motion.refresh_from_db()
    assert motion.status == MotionStatus.EVALUATED and motion.number == 1
    page = login(world.member).get(reverse("congress:motion_detail", args=[motion.pk])).content.decode()
    assert "已办理。" in page and "基本满意" in page


def test_the_review_opinion_is_shown_on_the_motion_page_once_registered(login, world):
    """Issue 18: the committee's 立案审查意见 was printed in the 提案汇编 but not on the motion page."""
    motion = motion_submitted(world.session, world.d1, [world.d2, world.d3])
    url = reverse("congress:motion_detail", args=[motion.pk])
    committee = login(world.motions)
    committee.post(reverse("congress:motion_act", args=[motion.pk, "review"]))
    assert 'data-testid="review-opinion"' not in committee.get(url).content.decode()
    opinion = "同意立案，建议由<总务处>主办。"
    committee.post(reverse("congress:motion_act", args=[motion.pk, "register"]), {"opinion": opinion})
    page = login(world.member).get(url).content.decode()
    shown = re.search(r'data-testid="review-opinion">(.*?)</dd>', page).group(1)
    assert shown == "同意立案，建议由&lt;总务处&gt;主办。"
    # Registered without one written: the committee's standard sentence, as the 提案汇编 prints it.
    other = motion_registered(world, title="第二件")
    page = login(world.member).get(reverse("congress:motion_detail", args=[other.pk])).content.decode()
    assert re.search(r'data-testid="review-opinion">经提案工作委员会审查，符合立案条件，同意立案。</dd>', page)


def test_an_illegal_move_is_a_message_not_a_crash(login, world):
    motion = motion_draft(world.session, world.d1)
    client = login(user_of(world.d1))
    response = client.post(reverse("congress:motion_act", args=[motion.pk, "submit"]), follow=True)
    assert "至少 2 名代表附议" in response.content.decode()
    assert client.post(reverse("congress:motion_act", args=[motion.pk, "fly"])).status_code == 404


def test_committee_only_actions_are_403_for_readers(login, world):
    motion = motion_submitted(world.session, world.d1, [world.d2, world.d3])
    response = login(user_of(world.d2)).post(reverse("congress:motion_act", args=[motion.pk, "review"]))
    assert response.status_code == 403
    assert (
        login(world.member).post(reverse("congress:delegates", args=[world.session.pk]), {"text": "x"}).status_code
        == 404
    )
    assert (
        login(user_of(world.d1)).post(reverse("congress:delegates", args=[world.session.pk]), {"text": "x"}).status_code
        == 403
    )
    assert login(world.member).get(reverse("congress:session_edit", args=[world.session.pk])).status_code == 403


def test_wrong_method_is_405(login, world):
    motion = motion_registered(world)
    client = login(world.motions)
    assert client.get(reverse("congress:motion_act", args=[motion.pk, "assign"])).status_code == 405
    assert client.post(reverse("congress:motion_detail", args=[motion.pk])).status_code == 405
    assert client.post(reverse("congress:inbox")).status_code == 405


def test_every_page_of_the_session_renders_for_the_committee(login, world):
    motion_assigned(world)
    client = login(world.motions)
    for name in ("session_detail", "motion_list", "suggestions", "delegates", "composition", "ballots", "statistics"):
        response = client.get(reverse(f"congress:{name}", args=[world.session.pk]))
        assert response.status_code == 200, name
    assert client.get(reverse("congress:index")).status_code == 200
    assert client.get(reverse("congress:session_create")).status_code == 200


def test_the_committee_creates_a_session(login, world):
    client = login(world.chair)
    data = {
        "kind": "teachers",
        "term": 3,
        "meeting": 1,
        "year": 2027,
        "motions_open_on": "2027-03-01",
        "motions_close_on": "2027-02-01",
        "min_cosigners": 2,
        "reply_due_on": "2027-06-30",
        "frontline_min_percent": 50,
        "leaders_max_percent": 20,
        "women_margin_percent": 0,
        "org_unit": world.org.school.pk,
    }
    response = client.post(reverse("congress:session_create"), data)
    assert "征集截止日期不能早于开始日期" in response.content.decode()
    response = client.post(reverse("congress:session_create"), data | {"motions_close_on": "2027-03-31"})
    assert response.status_code == 302
    assert login(world.member).get(reverse("congress:session_create")).status_code == 404


@pytest.mark.parametrize("rows", [1, 30])
def test_the_motion_list_costs_the_same_for_1_and_30_rows(login, world, django_assert_num_queries, rows):
    for i in range(rows):
        Motion.objects.create(
            session=world.session,
            proposer=world.d1,
            title=f"提案{i}",
            category="life",
            reason="r",
            proposal="p",
            status=MotionStatus.REGISTERED,
            number=i + 1,
        )
    client = login(world.member)
    url = reverse("congress:motion_list", args=[world.session.pk])
    client.get(url)  # warm the session and the user
    with django_assert_num_queries(6):
        response = client.get(url)
    assert response.content.decode().count('data-status="registered"') == rows


def test_attachments_are_checked_and_served_only_to_readers(login, world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client = login(user_of(world.d1))
    url = reverse("congress:motion_create", args=[world.session.pk])
    fake = SimpleUploadedFile("方案.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(url, MOTION_TEXT | {"attachment": fake})
    assert "附件内容与扩展名 .pdf 不符" in response.content.decode()
    exe = SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    assert "附件只能是" in client.post(url, MOTION_TEXT | {"attachment": exe}).content.decode()
    assert not Motion.objects.exists()
    pdf = SimpleUploadedFile("调研报告.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    client.post(url, MOTION_TEXT | {"attachment": pdf})
    motion = Motion.objects.get()
    assert motion.attachment_name == "调研报告.pdf" and "调研报告" not in motion.attachment.name
    download = reverse("congress:motion_attachment", args=[motion.pk])
    response = client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert login(world.member).get(download).status_code == 404  # a draft is the proposer's
    assert login(world.outsider).get(download).status_code == 404


@pytest.mark.parametrize("rows", [1, 30])
def test_the_inbox_and_the_suggestions_cost_the_same_for_1_and_30_rows(login, world, django_assert_num_queries, rows):
    for i in range(rows):
        motion = Motion.objects.create(
            session=world.session,
            proposer=world.d1,
            title=f"提案{i}",
            category="life",
            reason="r",
            proposal="p",
            status=MotionStatus.ASSIGNED,
            number=i + 1,
            lead_department=world.general,
            due_on=TODAY,
        )
        motion.co_departments.add(world.teaching)
        Suggestion.objects.create(session=world.session, author=world.d2.member, title=f"建议{i}", content="c")
    client = login(world.handler)
    client.get(reverse("congress:inbox"))
    with django_assert_num_queries(4):
        response = client.get(reverse("congress:inbox"))
    assert response.content.decode().count('data-status="assigned"') == rows
    client = login(world.motions)
    url = reverse("congress:suggestions", args=[world.session.pk])
    client.get(url)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.content.decode().count("建议") >= rows


def test_the_committee_imports_delegates_on_the_page(login, world, org):
    from members.tests.factories import MemberFactory

    MemberFactory(name="孙丽", gender="F", org_unit=org.branch_b, member_no="S100")
    client = login(world.motions)
    url = reverse("congress:delegates", args=[world.session.pk])
    response = client.post(url, {"text": "S100 第二代表团 一线职工\n查无此人 第一代表团"})
    assert "第2行：本单位在册会员中没有“查无此人”。" in response.content.decode()
    response = client.post(url, {"text": "S100 第二代表团 一线职工"}, follow=True)
    assert "新增 1 名" in response.content.decode() and "孙丽" in response.content.decode()


def test_a_ballot_on_a_registered_motion(login, world):
    motion = motion_registered(world)
    client = login(world.motions)
    response = client.post(
        reverse("congress:ballots", args=[world.session.pk]),
        {"title": "表决提案", "kind": "resolution", "secret": "on", "motion": motion.pk, "items": ""},
    )
    from congress.models import Ballot

    ballot = Ballot.objects.get()
    assert response["Location"] == reverse("congress:ballot_detail", args=[ballot.pk])
    assert (
        ballot.motion == motion and ballot.secret and list(ballot.items.values_list("label", flat=True)) == ["表决提案"]
    )
    assert motion.title in client.get(response["Location"]).content.decode()
