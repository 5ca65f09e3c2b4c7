"""The summary as a document, written by the plan's own PDF and Word writers.

`summary_document` builds the same structure as plans.exports.plan_document (title, meta line,
numbered headings with their text, items with labelled lines), so plans.exports.plan_pdf and
plan_docx print it in the plan's official layout: one look for the office's papers, one writer to
restyle.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from plans import exports as plan_exports
from plans.numbering import heading_number

from .fields import fill
from .models import Summary, SummarySection, SummaryStatus

DOCX_CONTENT_TYPE = plan_exports.DOCX_CONTENT_TYPE


def _figure_blocks(section: SummarySection) -> list[dict[str, Any]]:
    """The section's figures as items with labelled lines, as the plan prints an item."""
    f = section.figures or {}
    kind = section.key.split(":", 1)[0]
    blocks: list[dict[str, Any]] = []

    def item(content: str, lines: list[tuple[str, str]], number: str = "") -> None:
        blocks.append({"kind": "item", "level": 2, "number": number, "lead": False, "content": content, "lines": lines})

    if kind == "plan":
        for row in f.get("items", []):
            lines = [(_("完成情况"), row["status"])]
            if row["progress"]:
                lines.append((_("进展情况"), row["progress"]))
            item(row["content"], lines, row["number"])
    elif kind == "activities":
        for index, row in enumerate(f.get("events", []), start=1):
            attendance = _("报名 %(signed)s 人，签到 %(attended)s 人") % row
            if row["attendance"]:
                attendance += _("，出勤率 %(rate)s%%") % {"rate": row["attendance"]}
            lines = [(_("状态"), row["status"]), (_("参加"), attendance), (_("支出"), _("%s 元") % row["spent"])]
            item(f"{row['title']}（{row['date']}）", lines, f"{index}. ")
        for row in f.get("recurring", []):
            attendance = _("报名 %(signed)s 人次，签到 %(attended)s 人次") % row
            if row["attendance"]:
                attendance += _("，出勤率 %(rate)s%%") % {"rate": row["attendance"]}
            item(_("%(title)s（周期性活动）") % row, [(_("场次"), str(row["occurrences"])), (_("参加"), attendance)])
    elif kind == "welfare":
        rows = [(r["kind"], _("%(count)s 人次，%(amount)s 元") % r) for r in f.get("aid", [])]
        if rows:
            item(_("困难帮扶（按救助类型）"), rows)
        rows = [(r["tier"], _("%(count)s 名，%(amount)s 元") % r) for r in f.get("students", [])]
        if rows:
            item(_("金秋助学（按资助档次）"), rows)
        if f.get("visit_count"):
            item(_("慰问"), [(_("合计"), _("%(visit_count)s 人次，%(visit_amount)s 元") % f)])
    elif kind == "finance":
        rows = []
        for line in f.get("lines", []):
            text = _("实际 %(actual)s 元") % line
            if line["budget"]:
                text = _("预算 %(budget)s 元，") % line + text
            if line["rate"]:
                text += _("，完成率 %(rate)s%%") % line
            rows.append((f"{line['code']} {line['name']}", text))
        if rows:
            item(_("经费收支（按科目）"), rows)
    return blocks


def summary_document(summary: Summary, sections: list[SummarySection] | None = None) -> dict[str, Any]:
    """Everything the exported summary shows, shaped as plans.exports.plan_document's result."""
    if sections is None:
        sections = list(summary.sections.order_by("position", "pk"))
    blocks: list[dict[str, Any]] = []
    for index, section in enumerate(sections, start=1):
        blocks.append(
            {
                "kind": "heading",
                "level": 1,
                "number": heading_number(1, index),
                "title": section.title,
                "text": fill(section.text, section.key, section.figures or {}).strip(),
                "lines": [],
            }
        )
        blocks.extend(_figure_blocks(section))
    return {
        "title": summary.title,
        "unit": summary.org_unit.name,
        "year": summary.year,
        "version": 1,
        "status": summary.get_status_display(),
        "approved_at": summary.finalized_at,
        # The plan's official layout (docs/documents.md): a 草稿/审议稿 watermark until 定稿, then
        # the 落款 with the day it was finalised.
        "watermark": "" if summary.status == SummaryStatus.FINAL else str(plan_exports.WATERMARKS[summary.status]),
        "signature_unit": summary.org_unit.name,
        "signature_date": plan_exports.chinese_date(
            timezone.localdate(summary.finalized_at)
            if summary.status == SummaryStatus.FINAL and summary.finalized_at
            else None
        ),
        "meta": _("%(unit)s　%(year)s年度") % {"unit": summary.org_unit.name, "year": summary.year},
        "guiding_ideas": "",
        "blocks": blocks,
        "schedule": [],
    }


def summary_pdf(summary: Summary) -> bytes:
    return plan_exports.plan_pdf(None, summary_document(summary))


def summary_docx(summary: Summary) -> bytes:
    return plan_exports.plan_docx(None, summary_document(summary))


def export_filename(summary: Summary, extension: str) -> str:
    safe = "".join(ch for ch in summary.title if ch.isprintable() and ch not in '\\/:*?"<>|').strip()
    return f"{safe or _('年度工作总结')}.{extension}"
