"""The PDF and the .docx of a plan: the same content, the official layout, fonts and page numbers."""

import io
import re
import shutil
import subprocess
import zipfile

import pytest
from django.urls import reverse
from docx import Document

from plans.exports import export_filename, plan_document, plan_docx, plan_pdf
from plans.models import PlanStatus
from plans.tests.builders import build_plan

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


@pytest.fixture
def plan(org):
    return build_plan(org.school, title="第一中学工会2026年工作计划", status=PlanStatus.APPROVED)


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "plan.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    # pdftotext keeps or drops the spaces around CJK text by layout; compare without them.
    return re.sub(r"[ \u3000]+", "", text)


def test_document_content_is_numbered_in_reading_order(plan):
    doc = plan_document(plan)
    headings = [f"{b['number']}{b['title']}" for b in doc["blocks"] if b["kind"] == "heading"]
    assert headings == ["一、加强组织建设", "二、开展文体活动", "（一）春季活动", "（二）秋季活动"]
    first_item = next(b for b in doc["blocks"] if b["kind"] == "item")
    assert first_item["number"] == "1、"
    assert ("目标", "按期换届") in first_item["lines"]
    assert ("时限", "3月25日前") in first_item["lines"]
    assert [row["month"] for row in doc["schedule"]] == ["元月", "三月", "十二月"]
    assert doc["meta"] == "第一中学工会　2026年度"
    assert doc["title"] == "第一中学工会2026年工作计划" and doc["unit"] == "第一中学工会" and doc["year"] == 2026


@needs_poppler
def test_pdf_has_title_numbered_headings_schedule_and_page_numbers(plan, tmp_path):
    pdf = plan_pdf(plan)
    text = _pdf_text(pdf, tmp_path)
    for expected in ["第一中学工会2026年工作计划", "指导思想", "一、加强组织建设", "（一）春季活动"]:
        assert expected in text
    assert "1、召开会员代表大会" in text
    for expected in ["目标：按期换届", "时限：3月25日前", "责任人：工会主席", "活动安排", "月份", "元月", "十二月"]:
        assert expected in text
    assert "第1页共2页" in text


@needs_poppler
def test_pdf_uses_noto_cjk_bold_for_title_and_headings(plan, tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(plan_pdf(plan))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    # The title in the Serif (宋体-like) Bold, the headings in the Sans (黑体-like) Bold: real faces, embedded.
    assert "Noto-Serif-CJK-SC-Bold" in fonts
    assert "Noto-Sans-CJK-SC-Bold" in fonts


@needs_poppler
def test_pdf_page_numbers_count_all_pages(org, tmp_path):
    long_items = [{"content": f"第{i}项工作" + "内容较长的说明文字。" * 20, "deadline_text": "6月"} for i in range(30)]
    plan = build_plan(org.school, tree=[{"title": "主要工作", "items": long_items}])
    text = _pdf_text(plan_pdf(plan), tmp_path)
    pages = text.count("\f")
    assert pages >= 2
    assert f"第1页共{pages}页" in text and f"第{pages}页共{pages}页" in text


def test_user_text_is_escaped_in_the_pdf_template(org):
    from django.template.loader import render_to_string

    plan = build_plan(org.school, tree=[{"title": "<b>标题</b>", "items": [{"content": "<img src=x>"}]}])
    html = render_to_string("plans/pdf/plan.html", {"doc": plan_document(plan)})
    assert "<img src=x>" not in html and "&lt;img src=x&gt;" in html


def _docx(plan):
    return Document(io.BytesIO(plan_docx(plan)))


def test_docx_has_styled_headings_schedule_table_and_page_field(plan):
    word = _docx(plan)
    headings = [(p.style.name, p.text) for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", "指导思想") in headings
    assert ("Heading 1", "一、加强组织建设") in headings
    assert ("Heading 2", "（一）春季活动") in headings
    assert ("Heading 1", "活动安排") in headings
    assert word.paragraphs[0].text == "第一中学工会2026年工作计划"
    assert any(p.text == "1、召开会员代表大会，完成换届选举" for p in word.paragraphs)
    assert any(p.text == "目标：按期换届" for p in word.paragraphs)

    (table,) = word.tables
    assert [c.text for c in table.rows[0].cells] == ["月份", "活动"]
    assert [row.cells[0].text for row in table.rows[1:]] == ["元月", "三月", "十二月"]
    assert table.style.name == "Table Grid"

    footer = word.sections[0].footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer and "第 " in footer

    section = word.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297


def test_docx_heading_styles_name_east_asian_fonts(plan):
    word = _docx(plan)
    from docx.oxml.ns import qn

    for name, font in [("Heading 1", "黑体"), ("Heading 2", "黑体"), ("Heading 3", "宋体"), ("Normal", "宋体")]:
        fonts = word.styles[name].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) == font, name
        assert fonts.get(qn("w:eastAsiaTheme")) is None
    assert word.styles["Heading 1"].font.bold


def test_docx_is_formula_free_and_keeps_user_text_as_text(org):
    plan = build_plan(org.school, tree=[{"title": "=SUM(A1:A9)", "items": [{"content": "=1+1 {PAGE} <w:fldSimple/>"}]}])
    data = plan_docx(plan)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        body = archive.read("word/document.xml").decode()
        footer = "".join(archive.read(n).decode() for n in names if n.startswith("word/footer"))
    assert not any(n.endswith(".bin") or "vbaProject" in n for n in names)  # no macros, no embedded objects
    assert "instrText" not in body and "fldSimple w" not in body  # no field in the body at all
    assert "&lt;w:fldSimple/&gt;" in body
    instructions = [part.split("<")[0].strip() for part in footer.split("<w:instrText")[1:]]
    assert [i.split(">")[1].strip() for i in instructions] == ["PAGE", "NUMPAGES"]
    word = Document(io.BytesIO(data))
    assert any(p.text == "1、=1+1 {PAGE} <w:fldSimple/>" for p in word.paragraphs)


def test_export_filename_is_safe_and_names_the_version(org):
    plan = build_plan(org.school, title="计划/2026:草案", version=2)
    assert export_filename(plan, "pdf") == "计划2026草案（第2版）.pdf"


def test_export_views(login, chair, member, outsider, plan):
    client = login(member)  # every member reads the plan of their 基层工会
    response = client.get(reverse("plans:export_pdf", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    response = client.get(reverse("plans:export_docx", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert response["Content-Disposition"].startswith("attachment;")
    Document(io.BytesIO(response.content))
    assert client.post(reverse("plans:export_pdf", args=[plan.pk])).status_code == 405
    other = login(outsider)
    assert other.get(reverse("plans:export_pdf", args=[plan.pk])).status_code == 404
    assert other.get(reverse("plans:export_docx", args=[plan.pk])).status_code == 404
