"""Splitting a pasted page into the plans it holds ("篇1", "篇一", "第一篇"), and finding a plan's title."""

from __future__ import annotations

import re

from .cleaning import has_mojibake
from .lines import _TAIL_RES, _TITLE_WORD_RE, _classify_header, _is_junk, _Line, _read_lines, normalise_line
from .parsed import DEFAULT_TITLE, PastedPlan
from .script import to_simplified

_SEQUENCE_RE = re.compile(r"\d{1,3}")
_LABEL_LINES = 12
# What a page's title adds to a plan's: "工会工作计划范文", "…（精选3篇）", "…模板"
_PAGE_TITLE_TAIL_RE = re.compile(r"\s*(?:[（(【]?精选\s*\d+\s*篇[）)】]?|\d+篇|范文大全|范文|模板)$")


def split_documents(text: str) -> list[PastedPlan]:
    """The plans in a pasted text: one per header (篇N, 范文二, 模板二, 报告一, a title with <二>…),
    or the whole text when it has none.

    Whatever comes before the first header (the page's title, 时间:, 分享, the blurb) is dropped,
    and so are junk lines inside the plans and the site's text after the last one. Headers are
    found in simplified characters; each plan's text, label and title stay in the user's.
    """
    converted, script = to_simplified(text)
    raws, simple = text.splitlines(), converted.splitlines()
    if len(raws) != len(simple):  # the converter changed the lines: read and keep its text
        raws = simple
    chunks: list[list[int]] = []
    page_title = ""
    for index, line in enumerate(simple):
        clean = normalise_line(line)
        if _classify_header(clean) is not None:
            chunks.append([index])
        elif chunks:
            chunks[-1].append(index)
        elif not page_title and _TITLE_WORD_RE.search(clean) and not _is_junk(clean) and len(clean) <= 40:
            page_title = raws[index].strip()[: len(_PAGE_TITLE_TAIL_RE.sub("", simple[index].strip()))]
    headed = bool(chunks)
    if not headed:
        chunks = [list(range(len(simple)))]
    plans = []
    for chunk in chunks:
        kept: list[int] = []
        for index in chunk:
            clean = normalise_line(simple[index])
            if any(pattern.fullmatch(clean) for pattern in _TAIL_RES):
                break
            # a bare number is a table's 序号 cell; mojibake is cut and flagged when the plan is read
            if clean and (
                not _is_junk(clean)
                or (headed and index == chunk[0])  # its header: "【范文二】" looks like a page's button
                or _SEQUENCE_RE.fullmatch(clean)
                or has_mojibake(raws[index])
            ):
                kept.append(index)
        kept_raw = [raws[index].strip() for index in kept]
        header = _classify_header(normalise_line(simple[kept[0]])) if kept else None
        if header is not None and not header.title and not header.prefix and page_title:
            # "【范文二】" names no title: the page's ("工会工作计划范文", less 范文) is the plan's
            kept_raw[0] = f"{kept_raw[0]} {page_title}"
        # The label needs the title and the first line of content: a dozen lines hold them.
        lines = _read_lines(to_simplified("\n".join(kept_raw[:_LABEL_LINES]))[0])
        header_line, title, content, _ = _take_title(lines)
        if not content:
            continue
        first = content[0].text if content[0].kind != "heading" else f"{content[0].marker}{content[0].text}"
        preview = first if len(first) <= 40 else first[:40] + "…"
        label = f"{header_line.text}：{title}" if header_line else title
        plans.append(
            PastedPlan(
                label=script.restore(label),
                title=script.restore(title),
                text="\n".join(kept_raw),
                preview=script.restore(preview),
            )
        )
    return plans


def _take_title(lines: list[_Line]) -> tuple[_Line | None, str, list[_Line], list[str]]:
    """(the plan's header, its title, the lines after them, warnings)."""
    warnings = []
    header = lines[0] if lines and lines[0].kind == "header" else None
    content = lines[1:] if header else lines
    if any(line.kind == "header" for line in content):
        warnings.append("文中有多篇计划，只读了第一篇；请先选择要导入的一篇。")
        content = content[: next(i for i, line in enumerate(content) if line.kind == "header")]
    first = content[0] if content else None
    if header and header.title:
        title = header.title
    elif (
        first
        and first.kind in ("paragraph", "schedule_title")
        and len(first.text) <= 40
        and not re.search(r"[，。；,;：:]", first.text)
        and _TITLE_WORD_RE.search(first.text)
    ):
        title, content = first.text, content[1:]
    elif header and header.prefix:
        title = header.prefix
    else:
        title = DEFAULT_TITLE
        warnings.append(f"没有找到计划的标题，暂用“{DEFAULT_TITLE}”。")
    return header, title, content, warnings
