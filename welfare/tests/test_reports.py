"""帮扶资金发放情况 (page + Excel) and the printable application form."""

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from welfare.services import aid as aid_services
from welfare.services import visits

from .conftest import advance, end_notice

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
