"""parse_plan: one plan's text → lines → tree → the dataclasses the editor shows for review."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from plans.deadlines import parse_deadline

from .cleaning import clean_line
from .dates import find_date
from .documents import _take_title
from .lines import _Line, _read_lines
from .parsed import FlaggedLine, ParsedItem, ParsedPlan, ParsedSection
from .reader import _Node, _PlanReader
from .script import to_simplified

# A 落款 at the end: "学校工会委员会", "2024年1月5日".
_SIGNATURE_RE = re.compile(
    r"(?!召开|开展|组织|举办|参加|成立)[^，。；,;：:]{2,16}(?:工会|委员会|办公室)|(?:\d{4}|\d{0,2}[xX_]{2})\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?"
)
_YEAR_IN_TITLE_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_YEAR_RE = re.compile(r"(?<![\dA-Za-z])(?:(?P<year>(?:19|20)\d{2})|\d{0,3}[xX×_＿]{1,2})\s*年")
_PLACEHOLDER_YEAR_RE = re.compile(r"(?<![\dA-Za-z])\d{0,3}[xX×_＿]{1,2}\s*年")
# A notice says it is one in its title or its opening ("现将有关事项通知如下：").
_NOTICE_RE = re.compile(r"通知|通告|启事")
_NOTICE_PREAMBLE_RE = re.compile(r"通知如下|特此通知|通知如下")
# The part of a notice listing what to hand in: its lines become one checklist item.
_MATERIALS_RE = re.compile(r"(?:所需|需要?提交的?|需提供的?|申报|报送|申请|推荐|报名|提交|相关)?材料(?:清单|要求)?")
_NOT_MATERIAL_RE = re.compile(r"联系|附件|咨询|电话|邮箱|地址")
_FLAG_WARNINGS = {
    "mojibake": "有 %d 行含乱码，已去掉乱码部分，请在下方“需要核对的行”中查看。",
    "romanisation": "有 %d 行的汉字后夹有拼音注音，已去掉。",
    "title_run": "有 %d 段像是网页上的文章标题列表，没有作为条目导入。",
}


# ---------------------------------------------------------------------------------------------
# From the tree to the dataclasses


def parse_plan(text: str, *, year: int | None = None, simplify: bool | None = None) -> ParsedPlan:
    """Parse one plan (a `PastedPlan.text`, or a whole paste holding a single plan).

    `year` is the year the user is drafting for: it is the plan's year when the text names none
    ("20xx年" names none), and a warning says so when the text names another.

    The text is read in simplified characters; the plan comes back converted when `simplify` says
    so, by default when the paste is in traditional characters, and otherwise in the user's own.
    """
    flagged: list[FlaggedLine] = []
    # cut before the conversion, which would turn mojibake into other mojibake
    text = "\n".join(clean_line(line, flagged) for line in text.splitlines())
    converted, script = to_simplified(text)
    plan = _parse_simplified(converted, year, flagged)
    plan.flagged = flagged
    plan.traditional, plan.conversions = script.traditional, script.conversions
    counts = {reason: sum(1 for flag in flagged if flag.reason == reason) for reason in _FLAG_WARNINGS}
    plan.warnings += [_FLAG_WARNINGS[reason] % count for reason, count in counts.items() if count]
    if script.conversions and not (script.traditional if simplify is None else simplify):
        _restore(plan, script.restore)
    return plan


def _parse_simplified(text: str, year: int | None, flagged: list[FlaggedLine]) -> ParsedPlan:
    lines = _read_lines(text, flagged)
    header, title, content, warnings = _take_title(lines)
    content, signature = _without_signature(content)
    warnings += [f"已略去落款“{line.text}”。" for line in signature]

    reader = _PlanReader()
    reader.read(content)
    warnings += reader.warnings
    guiding: list[str] = []
    preamble = [node.text for node in reader.root.children if node.kind == "paragraph"]
    notice = bool(_NOTICE_RE.search(title)) or any(_NOTICE_PREAMBLE_RE.search(line) for line in preamble)
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
    plan = ParsedPlan(
        title=title,
        year=found or year,
        # a notice's opening (to whom, why) is no 指导思想: shown apart, not saved
        guiding_ideas="\n".join(guiding if notice else preamble + guiding),
        preamble="\n".join(preamble) if notice else "",
        sections=sections,
        schedule=reader.schedule,
        warnings=warnings,
    )
    _propose_deadlines(plan, plan.year or date.today().year)
    return plan


def _propose_deadlines(plan: ParsedPlan, year: int) -> None:
    """An item without a 时限 whose text names a date or a range gets it proposed (the review asks)."""
    for section in plan.walk():
        for item in section.items:
            if item.deadline_text or not (match := find_date(item.content)):
                continue
            if parse_deadline(match[0], year).ok:
                item.deadline_proposed = match[0]


def _restore(value: Any, restore: Callable[[str], str]) -> Any:
    """Every string of the parsed plan put back in the user's characters."""
    if isinstance(value, str):
        return restore(value)
    if isinstance(value, list):
        value[:] = [_restore(element, restore) for element in value]
    elif isinstance(value, tuple):
        return tuple(_restore(element, restore) for element in value)
    elif dataclasses.is_dataclass(value):
        for each in dataclasses.fields(value):
            if each.name != "conversions":
                setattr(value, each.name, _restore(getattr(value, each.name), restore))
    return value


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
        elif child.role in ("schedule", "deadline") or (node.parent is None and child.kind == "paragraph"):
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
    section = ParsedSection(title=node.title, level=level, deadline_text=node.attrs.get("deadline_text", ""))
    for child in node.children:
        # a heading with nothing under it is an item, unless a section came before it: "(四)…" after
        # (一)…(三) stays a section so the order of the four survives
        if child.kind == "heading" and (child.children or section.children):
            section.children.append(_section(child, level + 1, inherited))
        else:
            section.items.append(_item(child, inherited))
    if not node.children and node.attrs:
        section.items.append(_item(node, defaults))  # a row of a table: "三、…" then only "目标：…"
    if _MATERIALS_RE.fullmatch(section.title):
        section.items = _checklist(section.items)
    return section


def _checklist(items: list[ParsedItem]) -> list[ParsedItem]:
    """所需材料's lines as one item, a checklist ("☐ 申请表"), so handing them in can be followed.

    A single line listing them ("报名表、身份证复印件。") is split at its 、; the contact and the
    附件 lines after the list stay items of their own.
    """
    materials = []
    for item in items:
        if _NOT_MATERIAL_RE.match(item.content):
            break
        materials.append(item)
    if not materials:
        return items
    names = [item.content for item in materials]
    if len(names) == 1 and "、" in names[0] and not re.search(r"[，,；;]", names[0]):
        names = names[0].split("、")
    checklist = ParsedItem(content="\n".join(f"☐ {name.strip().rstrip('。.；;')}" for name in names if name.strip()))
    for item in materials:
        for name in ("goal", "measures", "deadline_text", "owner_text"):
            if value := getattr(item, name):
                setattr(
                    checklist,
                    name,
                    value if name in ("deadline_text", "owner_text") else _join(getattr(checklist, name), value),
                )
    return [checklist, *items[len(materials) :]]


def _join(first: str, second: str) -> str:
    return f"{first}；{second}" if first and second and second not in first else first or second


def _item(node: _Node, defaults: dict[str, str]) -> ParsedItem:
    values = {**defaults, **{name: value for name, value in node.attrs.items() if value}}
    return ParsedItem(content=node.text, **values)
