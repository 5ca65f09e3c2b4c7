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
from union_office.paper_checks import office_to_pdf, read_pdf, soffice, write_artifact

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
    assert "—1—" in text and "—2—" in text and "第1页" not in text


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
    assert "—1—" in text and f"—{pages}—" in text


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
    assert "PAGE" in footer and "— " in footer

    section = word.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297


def test_docx_heading_styles_name_east_asian_fonts(plan):
    word = _docx(plan)
    from docx.oxml.ns import qn

    for name, font in [
        ("Heading 1", "黑体"),
        ("Heading 2", "楷体_GB2312"),
        ("Heading 3", "仿宋_GB2312"),
        ("Normal", "仿宋_GB2312"),
    ]:
        fonts = word.styles[name].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) == font, name
        assert fonts.get(qn("w:eastAsiaTheme")) is None
    assert word.styles["Heading 3"].font.bold


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
    assert [i.split(">")[1].strip() for i in instructions] == ["PAGE", "PAGE"]  # odd and even footers
    word = Document(io.BytesIO(data))
    assert any(p.text == "=1+1 {PAGE} <w:fldSimple/>" for p in word.paragraphs)  # a lone item: a paragraph


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


# As a reader sees the paper (GB/T 9704 layout, 落款, watermark, defaults once, lead paragraphs) ---


def _approved(org, **fields):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    approved_at = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    return build_plan(
        org.school, title="第一中学工会2026年工作计划", status=PlanStatus.APPROVED, approved_at=approved_at, **fields
    )


def test_approved_plan_pdf_has_signature_page_numbers_outside_and_no_watermark(org):
    pages = read_pdf(write_artifact("plan-approved.pdf", plan_pdf(_approved(org))))
    last = pages[-1]
    assert last.body_lines[-2:] == ["第一中学工会", "2026年3月2日"]
    assert not any(page.display_text for page in pages)
    for page in pages:
        (number,) = [w for w in page.words if w["text"] == str(page.number)]
        dashes = [w for w in page.words if w["text"] in ("—", "—" + str(page.number) + "—")]
        assert dashes, page.lines[-1]
        # odd pages: right of the type area's centre, near the bottom; even pages: left
        if page.number % 2:
            assert number["x0"] > page.width * 0.75
        else:
            assert number["x1"] < page.width * 0.25
        assert number["top"] > page.height - 35 / 25.4 * 72
    assert f"—{len(pages)}—" in last.lines[-1] or f"—{len(pages)}—" in last.text


def test_official_page_geometry_fonts_and_line_pitch(org, tmp_path):
    pdf = plan_pdf(_approved(org))
    first = read_pdf(pdf)[0]
    mm = 72 / 25.4
    (body,) = [w for w in first.words if w["text"].startswith("以习近平")]
    assert abs(body["x0"] / mm - (28 + 2 * 16 / mm)) < 1  # left margin 28 mm, then a 2-character indent
    title = next(w for w in first.words if w["text"].startswith("第一中学工会2026"))
    assert 37 <= title["top"] / mm < 37 + 10  # the type area starts 37 mm down
    assert round(title["bottom"] - title["top"]) in range(20, 25)  # 二号 (22 pt)
    assert round(body["bottom"] - body["top"]) in range(15, 18)  # 三号 (16 pt)
    # 22 lines in the 225 mm type area: successive body lines 29 pt apart
    tops = sorted({round(w["top"]) for w in first.words if w["x0"] < 40 * mm and w["top"] > body["top"]})
    assert any(round(b - a) == 29 for a, b in zip(tops, tops[1:], strict=False))
    path = tmp_path / "plan.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "AR-PL-KaitiM-GB" in fonts.replace(" ", "-")  # （一） in 楷体


def test_a_full_body_line_holds_28_characters(org):
    """GB/T 9704: 28 characters of 三号 a line in the 156 mm type area (16 pt is 5.64 mm, so the
    characters sit 156/28 mm apart); the PDF printed 27."""
    text = "推动工会工作高质量发展" * 12  # 120 characters, no punctuation to shift a line break
    plan = build_plan(org.school, tree=[{"title": "主要工作", "items": [{"content": text}, {"content": "另一项。"}]}])
    lines = [line for page in read_pdf(plan_pdf(plan)) for line in page.body_lines]
    full = [line for line in lines if len(line) > 20 and set(line) <= set(text)]
    assert full and max(len(line) for line in full) == 28, full


def test_draft_and_review_plans_carry_a_watermark_on_every_page(org):
    long_items = [{"content": f"第{i}项工作" + "内容较长的说明文字。" * 12, "deadline_text": "6月"} for i in range(20)]
    for year, status, mark in ((2026, PlanStatus.DRAFT, "草稿"), (2027, PlanStatus.REVIEW, "审议稿")):
        plan = build_plan(org.school, year=year, status=status, tree=[{"title": "主要工作", "items": long_items}])
        pages = read_pdf(write_artifact(f"plan-{status}.pdf", plan_pdf(plan)))
        assert len(pages) >= 2
        assert all(page.display_text == mark for page in pages)
        # the 落款 of a plan not yet approved leaves the date blank
        assert pages[-1].body_lines[-1] == "年月日"


def test_defaults_written_once_print_once_and_a_lone_paragraph_is_not_numbered(org):
    tree = [
        {"title": "提高素养", "items": [{"content": "通过开展政治理论学习，进一步提升思想境界。"}]},
        {
            "title": "文体活动",
            "items": [
                {"content": "组织春季运动会", "goal": "全员参与", "owner_text": "文体委员", "deadline_text": "4月"},
                {"content": "组织秋游", "goal": "全员参与", "owner_text": "文体委员", "deadline_text": "10月"},
            ],
        },
    ]
    plan = _approved(org, tree=tree)
    doc = plan_document(plan)
    lead = doc["blocks"][1]
    assert lead["lead"] and lead["number"] == ""
    text = "".join(page.text for page in read_pdf(plan_pdf(plan, doc)))
    assert "1、通过开展" not in text and "通过开展政治理论学习" in text
    assert text.count("目标：全员参与") == 1 and text.count("责任人：文体委员") == 1
    assert "时限：4月" in text and "时限：10月" in text
    assert text.index("目标：全员参与") < text.index("1、组织春季运动会")
    words = [p.text for p in _docx(plan).paragraphs]
    assert words.count("目标：全员参与") == 1 and "通过开展政治理论学习，进一步提升思想境界。" in words


def test_an_item_never_splits_from_its_lines(org):
    items = [
        {
            "content": f"第{i}项" + "工作内容说明。" * 9,
            "goal": f"目标{i}",
            "deadline_text": "6月",
            "owner_text": f"委员{i}",
        }
        for i in range(14)
    ]
    pages = read_pdf(plan_pdf(_approved(org, tree=[{"title": "主要工作", "items": items}])))
    assert len(pages) >= 2
    for page in pages:
        first_line = page.body_lines[0]
        assert not first_line.startswith(("目标", "时限", "责任人")), (page.number, first_line)


def test_docx_is_official_layout_with_properties_of_its_own(org):
    from docx.oxml.ns import qn

    data = plan_docx(_approved(org))
    word = Document(io.BytesIO(data))
    section = word.sections[0]
    assert [
        round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    ] == [37, 35, 28, 26]
    for name, font in [("Normal", "仿宋_GB2312"), ("Heading 1", "黑体"), ("Heading 2", "楷体_GB2312")]:
        assert word.styles[name].element.rPr.rFonts.get(qn("w:eastAsia")) == font
    assert word.styles["Normal"].font.size.pt == 16
    assert word.paragraphs[0].runs[0].element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert [p.text for p in word.paragraphs[-2:]] == ["第一中学工会", "2026年3月2日"]
    assert word.settings.odd_and_even_pages_header_footer
    assert "— " in section.footer.paragraphs[0].text and section.even_page_footer.paragraphs[0].text.startswith("— ")
    core = word.core_properties
    assert core.author == "第一中学工会" and core.title == "第一中学工会2026年工作计划"
    assert core.created.year >= 2026 and core.last_modified_by == "第一中学工会"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        app = archive.read("docProps/app.xml").decode()
        header = "".join(archive.read(n).decode() for n in names if n.startswith("word/header"))
    assert not any("thumbnail" in n for n in names)
    assert "Macintosh" not in app and "python-docx" not in archive_core(data)
    assert "草稿" not in header
    table = word.tables[0]
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)


def archive_core(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("docProps/core.xml").decode()


def test_draft_docx_has_a_watermark(org):
    plan = build_plan(org.school, status=PlanStatus.DRAFT)
    with zipfile.ZipFile(io.BytesIO(plan_docx(plan))) as archive:
        header = "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("word/header"))
    assert 'string="草稿"' in header


needs_office = pytest.mark.skipif(
    soffice() is None, reason="LibreOffice not installed (install-system-packages --with-browser)"
)


@needs_office
def test_docx_in_an_office_suite_keeps_rows_whole_and_matches_the_pdf(org):
    activity = "；".join(f"活动{k}：组织教职工参加专题学习与文体活动" for k in range(4))
    schedule = [(f"{m}月", activity) for m in range(1, 13)]
    plan = _approved(org, schedule=schedule)
    converted = read_pdf(write_artifact("plan-docx-office.pdf", office_to_pdf(plan_docx(plan), ".docx")))
    native = read_pdf(plan_pdf(plan))
    # single-spaced table text: the Word file runs no longer than the PDF
    assert len(converted) <= len(native)
    rows = [row for page in converted for table in page.tables for row in table]
    assert len(rows) >= 12
    # a row split across pages would continue with an empty 月份 cell
    assert all(row[0].strip() for row in rows), rows
    assert [row[0].replace(" ", "") for row in rows if row[0] != "月份"] == [f"{m}月" for m in range(1, 13)]
    assert converted[-1].body_lines[-1].replace(" ", "") == "2026年3月2日"
