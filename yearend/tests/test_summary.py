"""The summary: drafting, re-drafting keeps the chair's text, the workflow, exports, the views."""

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from activities.models import EventStatus
from activities.tests.factories import EventFactory
from plans.models import PlanStatus
from plans.tests.builders import build_plan
from union_office.models import AuditEntry
from union_office.paper_checks import broken_cells, office_to_pdf, read_pdf, soffice, write_artifact
from yearend import services
from yearend.exports import summary_docx, summary_pdf
from yearend.fields import fill
from yearend.models import SummaryStatus

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


@pytest.fixture
def summary(org, chair):
    build_plan(org.school, year=YEAR, status=PlanStatus.ACTIVE)
    return services.summary_draft(actor=chair, org_unit=org.school, year=YEAR)


def _section(summary, key):
    return summary.sections.get(key=key)


def test_the_draft_has_the_plan_s_sections_then_the_standard_ones(summary):
    keys = list(summary.sections.values_list("key", flat=True))
    assert keys[0].startswith("plan:")
    assert keys[-5:] == ["activities", "welfare", "congress", "finance", "membership"]
    plan_part = summary.sections.get(key=keys[0])
    assert plan_part.figures["items"], "the plan's items are listed with their status"


def test_redrafting_keeps_the_edited_text_and_refreshes_the_figures(org, chair, summary):
    section = _section(summary, "activities")
    services.summary_section_edit(
        actor=chair,
        section_id=section.pk,
        title="丰富职工文化生活",
        text="我们全年举办活动【已举办】项，职工踊跃参加。",
        expected_revision=summary.revision,
    )
    EventFactory(org_unit=org.school, title="教职工运动会", starts_at=timezone.now(), status=EventStatus.FINISHED)
    services.summary_draft(actor=chair, org_unit=org.school, year=YEAR)

    section.refresh_from_db()
    assert section.title == "丰富职工文化生活"
    assert section.text == "我们全年举办活动【已举办】项，职工踊跃参加。"
    assert section.figures["held_count"] == 1
    assert fill(section.text, section.key, section.figures) == "我们全年举办活动1项，职工踊跃参加。"
    assert AuditEntry.objects.filter(action="summary.redraft").count() == 1


def test_a_stale_edit_is_refused_and_nothing_changes(chair, summary):
    section = _section(summary, "welfare")
    stale = summary.revision
    services.summary_section_edit(actor=chair, section_id=section.pk, title="帮扶", text="一", expected_revision=stale)
    with pytest.raises(services.SummaryError, match="已被他人修改"):
        services.summary_section_edit(
            actor=chair, section_id=section.pk, title="帮扶", text="二", expected_revision=stale
        )
    section.refresh_from_db()
    assert section.text == "一"


def test_the_workflow_runs_draft_review_final_and_freezes_the_text(chair, committee, summary):
    with pytest.raises(services.SummaryError, match="不能“定稿”"):
        services.summary_transition(actor=chair, summary_id=summary.pk, action="finalize")
    services.summary_transition(actor=chair, summary_id=summary.pk, action="submit")
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.REVIEW and summary.submitted_at
    with pytest.raises(services.SummaryError, match="只有草稿"):
        section = _section(summary, "welfare")
        services.summary_section_edit(
            actor=chair, section_id=section.pk, title="x", text="y", expected_revision=summary.revision
        )
    with pytest.raises(services.SummaryError, match="不能重新提取"):
        services.summary_draft(actor=chair, org_unit=summary.org_unit, year=YEAR)
    from union_office.todo import todo_for

    assert [(i.title, i.actions) for i in todo_for(type(chair).objects.get(pk=chair.pk))] == [(str(summary), ("定稿",))]
    result = services.summary_transition(actor=chair, summary_id=summary.pk, action="finalize")
    assert result.message == "总结已定稿。"  # the chair submitted it himself: nobody else to tell
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.FINAL and summary.finalized_at
    assert todo_for(type(chair).objects.get(pk=chair.pk)) == []


def test_a_committee_member_of_a_branch_cannot_draft_the_school_s_summary(org, committee):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.summary_draft(actor=committee, org_unit=org.school, year=YEAR)


def test_a_bad_year_reads_as_a_message(org, chair):
    with pytest.raises(services.SummaryError, match="年度"):
        services.summary_draft(actor=chair, org_unit=org.school, year="明年")


def test_pdf_and_word_carry_the_chair_s_text_with_current_figures(login, chair, summary):
    section = _section(summary, "membership")
    services.summary_section_edit(
        actor=chair,
        section_id=section.pk,
        title="会员发展",
        text="在册会员【在册会员】人。",
        expected_revision=summary.revision,
    )
    client = login(chair)
    pdf = client.get(reverse("yearend:export_pdf", args=[summary.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    word = client.get(reverse("yearend:export_docx", args=[summary.pk]))
    assert word.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(word.content)).paragraphs)
    active = section.figures["active"]
    assert f"在册会员{active}人。" in text
    assert summary.title in text
    # In the plan's official layout: a draft carries the 草稿 watermark (plans.exports).
    with zipfile.ZipFile(io.BytesIO(word.content)) as archive:
        header = "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("word/header"))
    assert 'string="草稿"' in header


@pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed (install-system-packages --with-browser)")
def test_the_summary_docx_in_an_office_suite_runs_no_longer_than_the_pdf(summary):
    """Issue 18: each .docx converted by LibreOffice and read back; the summary's Word file runs
    no longer than its PDF, carries every section heading and the 草稿 watermark."""
    converted = read_pdf(write_artifact("summary-docx-office.pdf", office_to_pdf(summary_docx(summary), ".docx")))
    native = read_pdf(summary_pdf(summary))
    assert 0 < len(converted) <= len(native)
    text = "".join(page.text for page in converted)
    assert summary.title.replace(" ", "") in text
    for section in summary.sections.all():
        assert section.title.replace(" ", "") in text, section.title
    assert not broken_cells(converted)


def test_the_pages_work_and_outsiders_get_404(client, login, chair, outsider, member, summary):
    url = reverse("yearend:summary", args=[summary.pk])
    assert client.get(url).status_code == 302  # login first
    assert login(outsider).get(url).status_code == 404
    page = login(chair).get(url)
    assert page.status_code == 200 and "重新提取数据" in page.content.decode()
    reader = login(member).get(url)  # a member of the school reads it, without the buttons
    assert reader.status_code == 200 and "重新提取数据" not in reader.content.decode()
    section = _section(summary, "welfare")
    edit = reverse("yearend:section_edit", args=[section.pk])
    assert login(member).post(edit, {"title": "x", "text": "y", "revision": summary.revision}).status_code == 403
    assert login(outsider).post(edit, {"title": "x", "text": "y", "revision": summary.revision}).status_code == 404
    assert login(chair).get(edit).status_code == 405


def test_editing_in_place_returns_the_section(login, chair, summary):
    section = _section(summary, "welfare")
    response = login(chair).post(
        reverse("yearend:section_edit", args=[section.pk]),
        {"title": "困难帮扶", "text": "帮扶【帮扶人次】人次。", "revision": summary.revision},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "帮扶0人次。" in response.content.decode()
    assert "summaryRevision" in response["HX-Trigger"]


def test_drafting_from_the_index(login, chair, org):
    client = login(chair)
    assert client.get(reverse("yearend:index")).status_code == 200
    response = client.post(reverse("yearend:draft"), {"unit": org.school.pk, "year": YEAR})
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


def test_the_summary_table_is_in_the_docs():
    from pathlib import Path

    from union_office.workflow import markdown_table

    text = (Path(__file__).resolve().parents[2] / "docs" / "yearend.md").read_text(encoding="utf-8")
    assert markdown_table(services.SUMMARY) in text
