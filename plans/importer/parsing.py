"""parse_plan: one plan's text → lines → tree → the dataclasses the editor shows for review."""

from __future__ import annotations

import re

from .documents import _take_title
from .lines import _Line, _read_lines
from .parsed import ParsedItem, ParsedPlan, ParsedSection
from .reader import _Node, _PlanReader

# A 落款 at the end: "学校工会委员会", "2024年1月5日".
_SIGNATURE_RE = re.compile(
    r"(?!召开|开展|组织|举办|参加|成立)[^，。；,;：:]{2,16}(?:工会|委员会|办公室)|(?:\d{4}|\d{0,2}[xX_]{2})\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?"
)
_YEAR_IN_TITLE_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_YEAR_RE = re.compile(r"(?<![\dA-Za-z])(?:(?P<year>(?:19|20)\d{2})|\d{0,3}[xX×_＿]{1,2})\s*年")
_PLACEHOLDER_YEAR_RE = re.compile(r"(?<![\dA-Za-z])\d{0,3}[xX×_＿]{1,2}\s*年")


# ---------------------------------------------------------------------------------------------
# From the tree to the dataclasses


def parse_plan(text: str, *, year: int | None = None) -> ParsedPlan:
    """Parse one plan (a `PastedPlan.text`, or a whole paste holding a single plan).

    `year` is the year the user is drafting for: it is the plan's year when the text names none
    ("20xx年" names none), and a warning says so when the text names another.
    """
    lines = _read_lines(text)
    header, title, content, warnings = _take_title(lines)
    content, signature = _without_signature(content)
    warnings += [f"已略去落款“{line.text}”。" for line in signature]

    reader = _PlanReader()
    reader.read(content)
    warnings += reader.warnings
    guiding: list[str] = []
    preamble = [node.text for node in reader.root.children if node.kind == "paragraph"]
    _prune(reader.root, guiding)
    sections = []
    for node in reader.root.children:
        if node.kind == "heading":
            _apply_table_owner(node)
            sections.append(_section(node, 1, {}))

    found = _detect_year(title, content)
    if found is None and _PLACEHOLDER_YEAR_RE.search(text):
        warnings.append("文中的年份写作“20xx年”之类，保存前请改成实际年份。")
    if found and year and found != year:
        warnings.append(f"文中写的是{found}年，与所选的{year}年不同。")
    for entry in reader.schedule:
        if not entry.activities and not entry.theme:
            warnings.append(f"活动安排的“{entry.month_text}”下没有活动。")
    if not sections and not reader.schedule:
        warnings.append("没有识别出任何章节或活动安排。")
    return ParsedPlan(
        title=title,
        year=found or year,
        guiding_ideas="\n".join(preamble + guiding),
        sections=sections,
        schedule=reader.schedule,
        warnings=warnings,
    )


def _without_signature(lines: list[_Line]) -> tuple[list[_Line], list[_Line]]:
    end = len(lines)
    while end > 1 and lines[end - 1].kind == "paragraph" and _SIGNATURE_RE.fullmatch(lines[end - 1].text):
        end -= 1
    return lines[:end], lines[end:]


def _detect_year(title: str, lines: list[_Line]) -> int | None:
    """The year in the title ("工会2025工作规划"), else the first "2024年" of the opening lines."""
    if match := _YEAR_IN_TITLE_RE.search(title):
        return int(match[1])
    for text in [title, *(line.text for line in lines[:3])]:
        if match := _YEAR_RE.search(text):
            return int(match["year"]) if match["year"] else None
    return None


def _prune(node: _Node, guiding: list[str]) -> None:
    """Take the 指导思想 out of the tree into `guiding`; drop the 活动安排's heading and the preamble."""
    kept = []
    for child in node.children:
        if child.role == "guiding":
            guiding.extend(_texts(child))
        elif child.role == "schedule" or (node.parent is None and child.kind == "paragraph"):
            continue
        else:
            _prune(child, guiding)
            kept.append(child)
    node.children = kept


def _texts(node: _Node) -> list[str]:
    texts = []
    for child in node.children:
        texts.append(child.text if child.kind == "paragraph" else f"{child.marker}{child.text}")
        texts.extend(_texts(child))
    return texts


def _apply_table_owner(top: _Node) -> None:
    """A 责任人 written once, as the last line of a part, is that part's (a Word table's merged cell)."""
    if len(top.owner_targets) == 1 and top.trail and top.trail[-1] == "owner":
        target = top.owner_targets[0]
        top.attrs.setdefault("owner_text", target.attrs.pop("owner_text"))


def _section(node: _Node, level: int, defaults: dict[str, str]) -> ParsedSection:
    inherited = {**defaults, **node.attrs}
    section = ParsedSection(title=node.title, level=level)
    for child in node.children:
        # a heading with nothing under it is an item, unless a section came before it: "(四)…" after
        # (一)…(三) stays a section so the order of the four survives
        if child.kind == "heading" and (child.children or section.children):
            section.children.append(_section(child, level + 1, inherited))
        else:
            section.items.append(_item(child, inherited))
    if not node.children and node.attrs:
        section.items.append(_item(node, defaults))  # a row of a table: "三、…" then only "目标：…"
    return section


def _item(node: _Node, defaults: dict[str, str]) -> ParsedItem:
    values = {**defaults, **{name: value for name, value in node.attrs.items() if value}}
    return ParsedItem(content=node.text, **values)
