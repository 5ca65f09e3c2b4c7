"""A plan as a document: one content builder, written out as PDF (WeasyPrint) and Word (.docx).

`plan_document` decides what the document says and in which order; the PDF template and the Word
writer only lay it out, so the two files never disagree. The layout follows the official style of
a 工作计划 (GB/T 9704 in spirit, not to the millimetre): a centred title in a Song-style bold face,
the unit and year under it, headings 一、（一）1、（1） in a Hei-style bold face, the 活动安排 as a
bordered table, and "第 X 页 共 Y 页" at the foot of every page.
"""

import io
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from union_office.pdf import render_pdf

from .models import Plan, ScheduleEntry
from .selectors import SectionNode, plan_tree

PDF_TEMPLATE = "plans/pdf/plan.html"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Word/WPS on the users' machines have these (Windows and WPS ship them); LibreOffice on Linux maps
# them to Noto CJK through fontconfig. Latin text and digits in Times New Roman, as offices expect.
SONG = "宋体"
HEI = "黑体"
LATIN = "Times New Roman"


def _item_lines(item: Any) -> list[tuple[str, str]]:
    lines = [(_("目标"), item.goal), (_("措施"), item.measures), (_("时限"), item.deadline_text)]
    lines.append((_("责任人"), item.owner_text or (item.owner.name if item.owner_id else "")))
    return [(label, text.strip()) for label, text in lines if text and text.strip()]


def _blocks(nodes: Iterable[SectionNode]) -> Iterable[dict[str, Any]]:
    """The tree in reading order: each heading, then its items, then its sub-headings."""
    for node in nodes:
        yield {
            "kind": "heading",
            "level": node.depth,
            "number": node.number,
            "title": node.section.title,
            "text": node.section.text.strip(),
        }
        for item_node in node.items:
            yield {
                "kind": "item",
                "level": item_node.depth,
                "number": item_node.number,
                "content": item_node.item.content.strip(),
                "lines": _item_lines(item_node.item),
            }
        yield from _blocks(node.children)


def plan_document(plan: Plan) -> dict[str, Any]:
    """Everything the exported document shows, in order; the PDF template and the .docx read this."""
    schedule = ScheduleEntry.objects.filter(plan=plan).order_by("position", "pk")
    return {
        "title": plan.title,
        "unit": plan.org_unit.name,
        "year": plan.year,
        "version": plan.version,
        "status": plan.get_status_display(),
        "approved_at": plan.approved_at,
        "meta": _meta_line(plan),
        "guiding_ideas": plan.guiding_ideas.strip(),
        "blocks": list(_blocks(plan_tree(plan))),
        "schedule": [{"month": entry.month_text, "activity": entry.activity.strip()} for entry in schedule],
    }


def _meta_line(plan: Plan) -> str:
    """The line under the title: 第一中学工会　2026年度（第2版）."""
    line = _("%(unit)s　%(year)s年度") % {"unit": plan.org_unit.name, "year": plan.year}
    if plan.version > 1:
        line += _("（第%(version)s版）") % {"version": plan.version}
    return line


def export_filename(plan: Plan, extension: str) -> str:
    if plan.version > 1:
        name = _("%(title)s（第%(version)s版）") % {"title": plan.title, "version": plan.version}
    else:
        name = plan.title
    # Keep the name a name on every system: no path separators or control characters.
    safe = "".join(ch for ch in name if ch.isprintable() and ch not in '\\/:*?"<>|').strip() or _("工作计划")
    return f"{safe}.{extension}"


# PDF ---------------------------------------------------------------------------------------------


def plan_pdf(plan: Plan, document: dict[str, Any] | None = None) -> bytes:
    return render_pdf(PDF_TEMPLATE, {"doc": document or plan_document(plan)})


# Word --------------------------------------------------------------------------------------------


def _set_fonts(rpr_owner: Any, east_asia: str, *, size: float | None = None, bold: bool | None = None) -> None:
    """Name the East Asian font explicitly: without w:eastAsia Word falls back to the theme font,
    and WPS to whatever its default is, which mixes faces within one heading."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)
    fonts.set(qn("w:cs"), LATIN)
    fonts.set(qn("w:eastAsia"), east_asia)
    if size is not None:
        for tag in ("w:sz", "w:szCs"):
            element = rpr.find(qn(tag))
            if element is None:
                element = OxmlElement(tag)
                rpr.append(element)
            element.set(qn("w:val"), str(int(size * 2)))
    if bold is not None:
        for tag in ("w:b", "w:bCs"):
            element = rpr.find(qn(tag))
            if element is not None:
                rpr.remove(element)
            if bold:
                rpr.append(OxmlElement(tag))


def _setup_styles(document: Any) -> None:
    normal = document.styles["Normal"]
    _set_fonts(normal.element, SONG, size=12)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)
    normal.paragraph_format.line_spacing = 1.5
    normal.paragraph_format.space_after = Pt(0)
    for level, (font, size) in enumerate([(HEI, 16), (HEI, 14), (SONG, 12), (SONG, 12)], start=1):
        style = document.styles[f"Heading {level}"]
        _set_fonts(style.element, font, size=size, bold=True)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.italic = False
        style.paragraph_format.space_before = Pt(12 if level == 1 else 6)
        style.paragraph_format.space_after = Pt(6 if level == 1 else 3)
        style.paragraph_format.line_spacing = 1.5
    footer = document.styles["Footer"]
    _set_fonts(footer.element, SONG, size=10.5)


def _setup_page(document: Any) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    # GB/T 9704: top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; a little less at top and bottom
    # so the page number has room in the footer.
    section.top_margin, section.bottom_margin = Mm(30), Mm(28)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(15)


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A complex field (PAGE, NUMPAGES): Word and WPS fill it in on every page."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None), ("text", "1"), ("end", None)):
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {text} "
        elif kind == "text":
            element = OxmlElement("w:t")
            element.text = text
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)


def _page_footer(document: Any) -> None:
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(_("第 "))
    _field(paragraph, "PAGE")
    paragraph.add_run(_(" 页 共 "))
    _field(paragraph, "NUMPAGES")
    paragraph.add_run(_(" 页"))


def _text_paragraph(document: Any, text: str, *, indent: bool = True) -> Paragraph:
    paragraph = document.add_paragraph()
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(24)  # two characters of 12 pt
    lines = text.splitlines() or [""]
    run = paragraph.add_run(lines[0])
    for line in lines[1:]:
        run.add_break()
        run = paragraph.add_run(line)
    return paragraph


def _labelled(document: Any, label: str, text: str) -> None:
    paragraph = _text_paragraph(document, "")
    head = paragraph.runs[0]
    head.text = _("%(label)s：") % {"label": label}
    head.bold = True
    lines = text.splitlines()
    run = paragraph.add_run(lines[0] if lines else "")
    for line in lines[1:]:
        run.add_break()
        run = paragraph.add_run(line)


def _repeat_header(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _shade(cell: Any, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _schedule_table(document: Any, rows: list[dict[str, str]]) -> None:
    table = document.add_table(rows=1, cols=2)
    table.style = document.styles["Table Grid"]  # single black borders on every cell
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Mm(32), Mm(124))
    # Word reads the cell widths, LibreOffice the grid's column widths: set both.
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    header = table.rows[0]
    _repeat_header(header)
    for cell, label, width in zip(header.cells, (_("月份"), _("活动")), widths, strict=True):
        cell.width = width
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(label)
        run.bold = True
        _set_fonts(run._r, HEI)
        _shade(cell, "EEEEEE")
    for entry in rows:
        cells = table.add_row().cells
        for cell, text, width in zip(cells, (entry["month"], entry["activity"]), widths, strict=True):
            cell.width = width
            lines = text.splitlines() or [""]
            cell.paragraphs[0].add_run(lines[0])
            for line in lines[1:]:
                cell.add_paragraph(line)
        cells[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def plan_docx(plan: Plan, document: dict[str, Any] | None = None) -> bytes:
    """The same document as `plan_pdf`, as a .docx that opens cleanly in Word and WPS.

    Text is only ever added as runs (never parsed as fields or markup), so an item that starts
    with "=" or contains "{PAGE}" stays text; the only fields are the page numbers in the footer.
    """
    doc = document or plan_document(plan)
    word = Document()
    _setup_page(word)
    _setup_styles(word)
    _page_footer(word)
    core = word.core_properties
    core.title, core.author, core.language = doc["title"], doc["unit"], "zh-CN"

    title = word.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(6)
    run = title.add_run(doc["title"])
    _set_fonts(run._r, SONG, size=22, bold=True)
    meta = word.add_paragraph()
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER
    meta.paragraph_format.space_after = Pt(12)
    meta.add_run(doc["meta"])

    if doc["guiding_ideas"]:
        word.add_heading(_("指导思想"), level=1)
        for line in doc["guiding_ideas"].splitlines():
            if line.strip():
                _text_paragraph(word, line.strip())
    for block in doc["blocks"]:
        level = min(block["level"], 4)
        if block["kind"] == "heading":
            word.add_heading(f"{block['number']}{block['title']}", level=level)
            if block["text"]:
                _text_paragraph(word, block["text"])
            continue
        paragraph = _text_paragraph(word, "")
        number = paragraph.runs[0]
        number.text = block["number"]
        number.bold = True
        content = block["content"].splitlines() or [""]
        run = paragraph.add_run(content[0])
        for line in content[1:]:
            run.add_break()
            run = paragraph.add_run(line)
        for label, text in block["lines"]:
            _labelled(word, label, text)
    if doc["schedule"]:
        word.add_heading(_("活动安排"), level=1)
        _schedule_table(word, doc["schedule"])

    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()
