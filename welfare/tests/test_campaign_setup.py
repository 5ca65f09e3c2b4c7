"""Setting up a 金秋助学 campaign in the app (issue 21), and documents asked of one applicant type."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from union_office.models import AuditEntry
from welfare.models import Campaign, StudentState
from welfare.services import campaign as services
from welfare.services.campaign import CampaignError

from .campaign_builders import campaign, county_chair
from .test_campaign import PDF, apply

pytestmark = pytest.mark.django_db

MIGRANT_ONLY = ["书面申请", {"label": "扶贫手册", "applicant_types": ["migrant"]}]


@pytest.fixture
def boss(org):
    return county_chair(org)


def _paper(label):
    return (label, SimpleUploadedFile(f"{label}.pdf", PDF))


def test_a_conditional_document_is_required_only_of_its_applicant_type(org, boss, member):
    c = campaign(org, boss, required=MIGRANT_ONLY)
    employee = apply(member, c, n=1, applicant_type="employee", documents=[_paper("书面申请")])
    assert employee.state == StudentState.SUBMITTED
    with pytest.raises(CampaignError, match="还缺少以下材料：扶贫手册"):
        apply(member, c, n=2, applicant_type="migrant", documents=[_paper("书面申请")])
    migrant = apply(member, c, n=3, applicant_type="migrant", documents=[_paper("书面申请"), _paper("扶贫手册")])
    assert migrant.state == StudentState.SUBMITTED


def test_the_notice_names_whom_a_document_is_asked_of(org, boss):
    assert campaign(org, boss, required=MIGRANT_ONLY).documents_display() == ["书面申请", "扶贫手册（农民工）"]


def test_the_application_form_asks_the_migrant_document_of_migrants_only(login, org, boss, member):
    c = campaign(org, boss, required=MIGRANT_ONLY)
    client = login(member)
    form = {
        "student_name": "吴小雨",
        "student_id": "",
        "school": "河北师范大学",
        "admission": "二本",
        "reason": "父亲去世",
        "applicant_type": "migrant",
        "doc_0": SimpleUploadedFile("a.pdf", PDF),
    }
    response = client.post(reverse("welfare:student_apply", args=[c.pk]), form)
    assert "该类别的申请人须提供此材料" in response.text


def _setup(**overrides):
    today = timezone.localdate()
    values = {
        "title": "2027年金秋助学",
        "year": today.year,
        "opens_on": today,
        "deadline": today + dt.timedelta(days=30),
        "closes_on": today + dt.timedelta(days=60),
        "eligibility": "当年考入二本及以上院校",
        "documents": [("书面申请", []), ("扶贫手册", ["migrant"])],
        "tiers": [("一档", 5, Decimal("5000.00"), 4)],
    }
    return values | overrides


def test_the_county_chair_sets_up_a_campaign(org, boss):
    c = services.campaign_create(actor=boss, org_unit=org.county, **_setup())
    assert c.required_documents == ["书面申请", {"label": "扶贫手册", "applicant_types": ["migrant"]}]
    assert c.tiers.get().years == 4
    assert AuditEntry.objects.filter(action="welfare.campaign.create", object_id=str(c.pk)).exists()


def test_a_committee_member_cannot_set_one_up(org, committee):
    with pytest.raises(Exception, match="权限"):
        services.campaign_create(actor=committee, org_unit=org.branch_a, **_setup())


def test_dates_out_of_order_are_a_chinese_message(org, boss):
    today = timezone.localdate()
    with pytest.raises(CampaignError, match="开始日期 ≤ 申请截止"):
        services.campaign_create(actor=boss, org_unit=org.county, **_setup(deadline=today - dt.timedelta(days=1)))


def test_the_setup_page(login, org, boss):
    client = login(boss)
    assert client.get(reverse("welfare:campaign_create")).status_code == 200
    today = timezone.localdate()
    response = client.post(
        reverse("welfare:campaign_create"),
        {
            "org_unit": org.county.pk,
            "title": "金秋助学（补报）",
            "year": today.year,
            "opens_on": today.isoformat(),
            "deadline": (today + dt.timedelta(days=20)).isoformat(),
            "closes_on": (today + dt.timedelta(days=40)).isoformat(),
            "documents": "书面申请\n扶贫手册：农民工、劳务派遣",
            "tiers": "一档，5，5000，4\n二档,15,2000,1",
        },
    )
    assert response.status_code == 302
    c = Campaign.objects.get(title="金秋助学（补报）")
    assert c.documents_for("dispatched") == ["书面申请", "扶贫手册"]
    assert c.documents_for("employee") == ["书面申请"]
    assert c.tiers.count() == 2


def test_bad_lines_are_explained(login, org, boss):
    response = login(boss).post(
        reverse("welfare:campaign_create"),
        {"org_unit": org.county.pk, "documents": "扶贫手册：外星人", "tiers": "一档，五，5000"},
    )
    assert response.status_code == 400
    assert "申请人类别只能是职工、农民工、劳务派遣" in response.text
    assert "应写成：名称，名额，每年金额，资助年数" in response.text


def test_the_setup_page_is_403_for_other_roles(login, member, committee):
    assert login(member).get(reverse("welfare:campaign_create")).status_code == 403
    assert login(committee).get(reverse("welfare:campaign_create")).status_code == 403
