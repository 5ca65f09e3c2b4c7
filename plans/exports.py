"""A plan as a document: one content builder, written out as PDF (WeasyPrint) and Word (.docx).

`plan_document` decides what the document says and in which order; the PDF template and the Word
writer only lay it out, so the two files never disagree. The layout is the official one of
GB/T 9704-2012 (党政机关公文格式), which offices expect a 工作计划 to follow: A4, margins 37 mm top,
35 mm bottom, 28 mm left, 26 mm right; 22 lines of 三号 (16 pt) 仿宋 a page; the title in 二号
小标宋; headings 一、 in 黑体, （一） in 楷体, 1、 in bold 仿宋; page numbers "— X —" in 四号 on the
outer side (right on odd pages, left on even ones); the 落款 (the union's name and the approval
date) at the end; a 草稿/审议稿 watermark on every page until the plan is approved. docs/documents.md
names the faces each file uses and why.
"""

import io
from collections.abc import Iterable
from datetime import date
from html import escape
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from lxml import etree

from union_office.docx_properties import clean_properties
from union_office.pdf import render_pdf

from .models import Plan, PlanStatus, ScheduleEntry
from .numbering import child_offset
from .selectors import ItemNode, SectionNode, plan_tree

PDF_TEMPLATE = "plans/pdf/plan.html"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# The faces GB/T 9704 names, as Word and WPS on Chinese office machines have them (Windows with the
# 方正 and GB2312 fonts, or WPS, which ships them). LibreOffice on Linux maps them through fontconfig.
# Latin text and digits in Times New Roman, as offices expect.
TITLE_FACE = "方正小标宋简体"
FANGSONG = "仿宋_GB2312"
HEI = "黑体"
KAI = "楷体_GB2312"
SONG = "宋体"
LATIN = "Times New Roman"
BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
PAGE_NUMBER_PT = 14  # 四号
# 22 lines in the 225 mm type area: a line pitch of 225 mm / 22 = 29 pt.
LINE_PITCH_PT = 29

WATERMARKS = {PlanStatus.DRAFT: gettext_lazy("草稿"), PlanStatus.REVIEW: gettext_lazy("审议稿")}

# The lines of an item, in the order they print, with the attribute that holds them.
_LINE_FIELDS = (
    ("goal", gettext_lazy("目标")),
    ("measures", gettext_lazy("措施")),
    ("deadline", gettext_lazy("时限")),
    ("owner", gettext_lazy("责任人")),
)


def _item_values(item: Any) -> dict[str, str]:
    owner = item.owner_text or (item.owner.name if item.owner_id else "")
    values = {"goal": item.goal, "measures": item.measures, "deadline": item.deadline_text, "owner": owner}
    return {key: (value or "").strip() for key, value in values.items()}


def _shared_values(items: list[ItemNode]) -> dict[str, str]:
    """The lines every item of a section has alike: the importer copies a part's 目标 or 责任人
    written once above its items into each of them, and the paper prints it once, above them."""
    if len(items) < 2:
        return {}
    values = [_item_values(node.item) for node in items]
    first = values[0]
    return {key: first[key] for key in first if first[key] and all(other[key] == first[key] for other in values)}


def _lines(values: dict[str, str], skip: dict[str, str] | None = None) -> list[tuple[str, str]]:
    skip = skip or {}
    return [(str(label), values[key]) for key, label in _LINE_FIELDS if values.get(key) and key not in skip]


def _blocks(nodes: Iterable[SectionNode]) -> Iterable[dict[str, Any]]:
    """The tree in reading order: each heading, then its items, then its sub-headings.

    A section's only item with nothing but its text is the section's lead paragraph ("一、提高素养"
    then a paragraph): it prints as a paragraph, not as a lone "1、" — unless sub-sections go on
    counting after it (they would start at 2、).
    """
    for node in nodes:
        shared = _shared_values(node.items)
        yield {
            "kind": "heading",
            "level": node.depth,
            "number": node.number,
            "title": node.section.title,
            "text": node.section.text.strip(),
            "lines": _lines(shared) if shared else [],
        }
        for item_node in node.items:
            lines = _lines(_item_values(item_node.item), shared)
            lead = len(node.items) == 1 and not lines and not (node.children and child_offset(node.depth, 1))
            yield {
                "kind": "item",
                "level": item_node.depth,
                "number": "" if lead else item_node.number,
                "lead": lead,
                "content": item_node.item.content.strip(),
                "lines": lines,
            }
        yield from _blocks(node.children)


def _signature_date(plan: Plan) -> date | None:
    """The 成文日期 of the 落款: the day the plan was approved (none while it is not)."""
    if plan.status in WATERMARKS or plan.approved_at is None:
        return None
    return timezone.localdate(plan.approved_at)


def chinese_date(day: date | None) -> str:
    """2026年3月1日, as GB/T 9704 writes the 成文日期 (Arabic numerals, no leading zeros)."""
    if day is None:
        return _("　　年　　月　　日")
    return _("%(year)s年%(month)s月%(day)s日") % {"year": day.year, "month": day.month, "day": day.day}


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
        "watermark": str(WATERMARKS.get(plan.status, "")),
        "signature_unit": plan.org_unit.name,
        "signature_date": chinese_date(_signature_date(plan)),
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


def _exact_lines(paragraph_format: Any, points: float = LINE_PITCH_PT) -> None:
    paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph_format.line_spacing = Pt(points)


def _setup_styles(document: Any) -> None:
    normal = document.styles["Normal"]
    _set_fonts(normal.element, FANGSONG, size=BODY_PT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)
    _exact_lines(normal.paragraph_format)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.widow_control = True
    # 一、 黑体, （一） 楷体, 1、 bold 仿宋, （1） 仿宋: all 三号, on the body's line pitch.
    for level, (font, bold) in enumerate([(HEI, False), (KAI, False), (FANGSONG, True), (FANGSONG, False)], start=1):
        style = document.styles[f"Heading {level}"]
        _set_fonts(style.element, font, size=BODY_PT, bold=bold)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.italic = False
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
        style.paragraph_format.keep_with_next = True
        _exact_lines(style.paragraph_format)
    footer = document.styles["Footer"]
    _set_fonts(footer.element, SONG, size=PAGE_NUMBER_PT)


def _setup_page(document: Any) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    # The page number sits about 7 mm under the type area.
    section.footer_distance = Mm(28)
    section.header_distance = Mm(15)


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A complex field (PAGE): Word and WPS fill it in on every page."""
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


def _page_footers(document: Any) -> None:
    """ "— X —" on the outer side: right on odd pages, left on even ones, one character in."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, alignment in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = alignment
        if alignment == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = Pt(PAGE_NUMBER_PT)
        else:
            paragraph.paragraph_format.left_indent = Pt(PAGE_NUMBER_PT)
        paragraph.add_run("— ")
        _field(paragraph, "PAGE")
        paragraph.add_run(" —")


def _watermark(document: Any, text: str) -> None:
    """A grey diagonal text watermark in both headers: the VML shape Word's own 水印 writes, which
    WPS and LibreOffice read as well."""
    section = document.sections[0]
    for header in (section.header, section.even_page_header):
        run = header.paragraphs[0].add_run()
        pict = OxmlElement("w:pict")
        pict.append(etree.fromstring(_WATERMARK_VML.format(text=escape(text), font=HEI)))
        run._r.append(pict)


_WATERMARK_VML = (
    '<v:shape xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
    ' id="PowerPlusWaterMarkObject1" o:spid="_x0000_s2049" o:spt="136" type="#_x0000_t136"'
    ' style="position:absolute;margin-left:0;margin-top:0;width:400pt;height:130pt;rotation:315;'
    "z-index:-251654144;mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
    'mso-position-vertical:center;mso-position-vertical-relative:margin"'
    ' o:allowincell="f" fillcolor="#c8c8c8" stroked="f">'
    '<v:fill opacity=".5"/><v:textpath style="font-family:&quot;{font}&quot;;font-size:1pt" string="{text}"/>'
    "</v:shape>"
)


def _single_spaced(paragraph: Paragraph) -> None:
    """Table text on single lines: the body's fixed 29 pt pitch would make every row a page line."""
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    paragraph.paragraph_format.first_line_indent = Pt(0)


def _text_paragraph(document: Any, text: str, *, indent: bool = True) -> Paragraph:
    paragraph = document.add_paragraph()
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
    lines = text.splitlines() or [""]
    run = paragraph.add_run(lines[0])
    for line in lines[1:]:
        run.add_break()
        run = paragraph.add_run(line)
    return paragraph


def _labelled(document: Any, label: str, text: str, *, keep_with_next: bool) -> None:
    paragraph = _text_paragraph(document, "")
    paragraph.paragraph_format.keep_with_next = keep_with_next
    head = paragraph.runs[0]
    head.text = _("%(label)s：") % {"label": label}
    head.bold = True
    lines = text.splitlines()
    run = paragraph.add_run(lines[0] if lines else "")
    for line in lines[1:]:
        run.add_break()
        run = paragraph.add_run(line)


def _row_properties(row: Any, *, header: bool = False) -> None:
    """Rows never split across pages (a continued row would show an empty 月份 cell); the header
    row repeats on each page."""
    properties = row._tr.get_or_add_trPr()
    cant_split = OxmlElement("w:cantSplit")
    cant_split.set(qn("w:val"), "true")
    properties.append(cant_split)
    if header:
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        properties.append(repeat)


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
    _row_properties(header, header=True)
    for cell, label, width in zip(header.cells, (_("月份"), _("活动")), widths, strict=True):
        cell.width = width
        paragraph = cell.paragraphs[0]
        _single_spaced(paragraph)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(label)
        _set_fonts(run._r, HEI)
        _shade(cell, "EEEEEE")
    for entry in rows:
        row = table.add_row()
        _row_properties(row)
        for cell, text, width in zip(row.cells, (entry["month"], entry["activity"]), widths, strict=True):
            cell.width = width
            lines = text.splitlines() or [""]
            cell.paragraphs[0].add_run(lines[0])
            for line in lines[1:]:
                cell.add_paragraph(line)
            for paragraph in cell.paragraphs:
                _single_spaced(paragraph)
        row.cells[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _signature(word: Any, doc: dict[str, Any]) -> None:
    """The 落款: the union's name over the date, both right-aligned four characters in (GB/T 9704)."""
    spacer = word.add_paragraph()
    spacer.paragraph_format.keep_with_next = True
    for text, keep in ((doc["signature_unit"], True), (doc["signature_date"], False)):
        paragraph = word.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = Pt(4 * BODY_PT)
        paragraph.paragraph_format.keep_with_next = keep
        paragraph.add_run(text)


def plan_docx(plan: Plan, document: dict[str, Any] | None = None) -> bytes:
    """The same document as `plan_pdf`, as a .docx that opens cleanly in Word and WPS.

    Text is only ever added as runs (never parsed as fields or markup), so an item that starts
    with "=" or contains "{PAGE}" stays text; the only fields are the page numbers in the footers.
    """
    doc = document or plan_document(plan)
    word = Document()
    _setup_page(word)
    _setup_styles(word)
    _page_footers(word)
    if doc["watermark"]:
        _watermark(word, doc["watermark"])
    clean_properties(word, title=doc["title"], author=doc["unit"])

    title = word.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _exact_lines(title.paragraph_format, 36)
    run = title.add_run(doc["title"])
    _set_fonts(run._r, TITLE_FACE, size=TITLE_PT)
    meta = word.add_paragraph()
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER
    meta.add_run(doc["meta"])
    word.add_paragraph()  # one empty line between the title block and the body, as in 公文

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
            for label, text in block["lines"]:
                _labelled(word, label, text, keep_with_next=False)
            continue
        paragraph = _text_paragraph(word, "")
        # An item and its 目标/时限/责任人 lines stay on one page.
        paragraph.paragraph_format.keep_with_next = bool(block["lines"])
        paragraph.paragraph_format.keep_together = True
        if block["number"]:
            number = paragraph.runs[0]
            number.text = block["number"]
            number.bold = True
        content = block["content"].splitlines() or [""]
        run = paragraph.add_run(content[0])
        for line in content[1:]:
            run.add_break()
            run = paragraph.add_run(line)
        for index, (label, text) in enumerate(block["lines"], start=1):
            _labelled(word, label, text, keep_with_next=index < len(block["lines"]))
    if doc["schedule"]:
        word.add_heading(_("活动安排"), level=1)
        _schedule_table(word, doc["schedule"])
    _signature(word, doc)

    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()
