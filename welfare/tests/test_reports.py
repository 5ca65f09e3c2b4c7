"""帮扶资金发放情况 (page + Excel) and the printable application form."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from members.tests.factories import MemberFactory
from union_office.paper_checks import broken_cells, read_pdf, write_artifact
from welfare.services import aid as aid_services
from welfare.services import visits

from .conftest import advance, end_notice
from .test_uploads import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(applicant, member, chair, treasurer, budget):
    application = aid_services.aid_create(
        actor=member, member=applicant, kind="illness", amount_requested="5000", reason="住院", submit=True
    )
    application = end_notice(advance(application, "notice", chair=chair))
    return aid_services.aid_transition(actor=treasurer, application_id=application.pk, action="pay")


def test_report_by_type_and_unit(login, chair, paid, member_in_b):
    visits.visit_record(
        actor=chair,
        member=member_in_b,
        kind="illness",
        cause="住院",
        visited_on=timezone.localdate(),
        amount="800",
        is_cash=True,
        visitors="王建国",
    )
    response = login(chair).get(reverse("welfare:report"))
    page = response.content.decode()
    assert "大病救助" in page and "生病住院" in page
    assert response.context["report"].total_amount == paid.amount_granted + 800
    assert response.context["report"].total_count == 2


def test_report_excel(login, chair, paid):
    response = login(chair).get(reverse("welfare:report") + "?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in response["Cache-Control"]
    sheet = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml").decode()
    assert "大病救助" in sheet and "3000" in sheet


def test_report_is_for_reviewers(login, member, treasurer):
    assert login(member).get(reverse("welfare:report")).status_code == 404
    assert login(treasurer).get(reverse("welfare:report")).status_code == 404


def test_application_form_pdf(login, chair, member, paid):
    response = login(chair).get(reverse("welfare:aid_pdf", args=[paid.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]
    # The applicant reads their application, but the form is printed by the union.
    assert login(member).get(reverse("welfare:aid_pdf", args=[paid.pk])).status_code == 403


def test_application_form_is_one_a4_page_a_reader_can_fill(login, chair, treasurer, member, applicant, budget):
    """As printed: one page, names and departments on one line, the files by name, the level that
    screened it, signature and date blocks."""
    applicant.name = "欧阳晓明"
    applicant.save(update_fields=["name"])
    application = aid_services.aid_create(
        actor=member,
        member=applicant,
        kind="illness",
        amount_requested="5000",
        reason="本人今年三月确诊重病住院，手术及后续治疗费用较高，医保报销后自付部分仍超过家庭一年收入。" * 3,
        submit=True,
    )
    for name, label in (("诊断证明.pdf", "诊断证明"), ("住院发票.pdf", "")):
        aid_services.aid_attach(
            actor=member,
            application_id=application.pk,
            upload=SimpleUploadedFile(name, PDF, content_type="application/pdf"),
            label=label,
        )
    paid = aid_services.aid_transition(
        actor=treasurer,  # 发放 is the paying unit's finance role, never who decided (docs/workflow.md)
        application_id=end_notice(advance(application, "notice", chair=chair)).pk,
        action="pay",
    )
    response = login(chair).get(reverse("welfare:aid_pdf", args=[paid.pk]))
    pages = read_pdf(write_artifact("aid-form.pdf", response.content))
    assert len(pages) == 1
    (page,) = pages
    assert round(page.width) == 595 and round(page.height) == 842  # A4 portrait
    assert broken_cells(pages) == []
    assert "欧阳晓明" in page.text and "诊断证明" in page.text and "住院发票.pdf" in page.text
    assert "申请材料" not in page.text
    # The applicant is in 分工会 B: the 分工会 screened it.
    assert "分工会初审意见" in page.text
    for line in ("申请人（签字）", "核实人（签字）", "负责人（签字）", "工会主席（签字）", "领款人（签字）"):
        assert line in page.text
    assert page.text.count("年月日") >= 5


def test_application_form_names_the_base_union_when_it_screened(login, chair, org, budget):
    direct = MemberFactory(name="李四", org_unit=org.school)
    application = aid_services.aid_create(
        actor=chair, member=direct, kind="illness", amount_requested="3000", reason="住院", submit=True
    )
    response = login(chair).get(reverse("welfare:aid_pdf", args=[application.pk]))
    (page,) = read_pdf(response.content)
    assert "基层工会初审意见" in page.text and "分工会初审意见" not in page.text
