"""金秋助学 screens: 404 outside, the applicant table and payment list in Excel, masked 公示 list."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from welfare.models import StudentApplication
from welfare.services import campaign as services

from .campaign_builders import campaign, county_chair, ready_for_approval, student_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(org):
    return county_chair(org)


@pytest.fixture
def jinqiu(org, boss):
    return campaign(org, boss, required=["录取通知书"])


def test_apply_through_the_form(login, member, jinqiu):
    response = login(member).post(
        reverse("welfare:student_apply", args=[jinqiu.pk]),
        {
            "student_name": "吴小雨",
            "student_id": student_id(3),
            "school": "河北大学",
            "admission": "二本",
            "reason": "困难",
            "doc_0": SimpleUploadedFile("录取通知书.pdf", b"%PDF-1.4\n"),
        },
    )
    application = StudentApplication.objects.get()
    assert response.status_code == 302 and application.state == "submitted"


def test_fake_document_is_refused(login, member, jinqiu):
    response = login(member).post(
        reverse("welfare:student_apply", args=[jinqiu.pk]),
        {
            "student_name": "吴小雨",
            "student_id": student_id(3),
            "school": "河北大学",
            "admission": "二本",
            "reason": "困难",
            "doc_0": SimpleUploadedFile("录取通知书.pdf", b"MZ\x90\x00"),
        },
    )
    assert "内容不是 PDF、JPG 或 PNG" in response.content.decode()
    assert not StudentApplication.objects.exists()


@pytest.mark.parametrize("who", ["neighbour", "outsider", "treasurer", "committee"])
def test_student_application_is_404_for_others(request, login, member, boss, jinqiu, who):
    a = ready_for_approval(jinqiu, member.member, boss, 1)
    user = request.getfixturevalue(who)
    assert login(user).get(reverse("welfare:student_detail", args=[a.pk])).status_code == 404


def test_county_chair_exports_applicants_and_payments(login, member, boss, jinqiu):
    a = ready_for_approval(jinqiu, member.member, boss, 1)
    services.student_transition(
        actor=boss, application_id=a.pk, action="approve", tier_id=jinqiu.tiers.get(name="一档").pk
    )
    client = login(boss)
    for fmt, expect in (("applicants", "学生1"), ("payments", "20000")):
        response = client.get(reverse("welfare:campaign_detail", args=[jinqiu.pk]) + f"?format={fmt}")
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml").decode()
        assert expect in sheet, fmt
        assert a.student_id not in sheet
    assert (
        login(member).get(reverse("welfare:campaign_detail", args=[jinqiu.pk]) + "?format=payments").status_code == 404
    )


def test_notice_list_is_masked(login, member, boss, jinqiu, neighbour):
    a = ready_for_approval(jinqiu, member.member, boss, 1)
    services.student_transition(
        actor=boss, application_id=a.pk, action="approve", tier_id=jinqiu.tiers.get(name="二档").pk
    )
    services.student_transition(actor=boss, application_id=a.pk, action="publish")
    page = login(neighbour).get(reverse("welfare:campaign_notice", args=[jinqiu.pk])).content.decode()
    assert "学*1" in page and a.student_id_masked in page and a.student_id not in page


def test_hospital_members_see_the_county_campaign_but_not_school_applications(login, outsider, member, boss, jinqiu):
    ready_for_approval(jinqiu, member.member, boss, 1)
    page = login(outsider).get(reverse("welfare:campaign_detail", args=[jinqiu.pk])).content.decode()
    assert "学生1" not in page


def test_the_base_union_records_the_home_visit_through_the_form(login, member, chair, boss, jinqiu):
    from welfare.models import StudentState

    a = ready_for_approval(jinqiu, member.member, boss, 7)
    StudentApplication.objects.filter(pk=a.pk).update(state="base_ok", visited_on=None, visitors="", visit_findings="")
    client = login(chair)
    page = client.get(reverse("welfare:student_detail", args=[a.pk])).content.decode()
    assert 'data-action="home_visit"' in page and 'name="visited_on"' in page
    url = reverse("welfare:student_act", args=[a.pk, "home_visit"])
    response = client.post(url, {"visited_on": "昨天", "visitors": "王主席", "findings": "属实"}, follow=True)
    assert "请按“年-月-日”填写入户日期" in response.content.decode()
    a.refresh_from_db()
    assert a.state == StudentState.BASE_REVIEWED
    today = timezone.localdate().isoformat()
    response = client.post(
        url, {"visited_on": today, "visitors": "王主席、李委员", "findings": "住房简陋"}, follow=True
    )
    a.refresh_from_db()
    assert a.state == StudentState.VISITED and a.visit_recorded_by == chair
    assert "住房简陋" in response.content.decode()


def test_student_form_is_one_a4_page_with_the_files_and_signatures(login, member, chair, boss, jinqiu, outsider):
    from union_office.paper_checks import broken_cells, read_pdf, write_artifact

    application = ready_for_approval(jinqiu, member.member, boss, 7)
    application.student_name = "欧阳晓明"
    application.school = "河北师范大学汇华学院（本科一批）"
    application.reason = "父亲长期患病不能工作，母亲为学校食堂临时工，家庭人均月收入低于当地最低生活保障标准。" * 2
    application.save()
    services.student_transition(
        actor=boss, application_id=application.pk, action="approve", tier_id=jinqiu.tiers.first().pk
    )
    response = login(boss).get(reverse("welfare:student_pdf", args=[application.pk]))
    assert response["Cache-Control"] == "private, no-store"
    pages = read_pdf(write_artifact("student-form.pdf", response.content))
    assert len(pages) == 1 and broken_cells(pages) == []
    text = pages[0].text
    assert "金秋助学申请审批表" in text and "欧阳晓明" in text and "河北师范大学汇华学院" in text
    assert student_id(7) not in text and application.student_id_masked in text
    assert "同意资助（一档），每年5000.00元，共4年。" in text
    for line in ("申请人（签字）", "核实人（签字）", "基层工会主席（签字）", "上级工会（签字）", "领款人（签字）"):
        assert line in text
    # the parent reads their application on screen; the union prints the form
    assert login(member).get(reverse("welfare:student_pdf", args=[application.pk])).status_code == 403
    assert login(outsider).get(reverse("welfare:student_pdf", args=[application.pk])).status_code == 404
