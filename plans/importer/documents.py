"""Splitting a pasted page into the plans it holds ("篇1", "篇一", "第一篇"), and finding a plan's title."""

from __future__ import annotations

import re

from .lines import _TAIL_RES, _classify_header, _is_junk, _Line, _read_lines, normalise_line
from .parsed import DEFAULT_TITLE, PastedPlan

_TITLE_WORD_RE = re.compile(r"计划|规划|要点|安排|打算|方案|思路")


def split_documents(text: str) -> list[PastedPlan]:
    """The plans in a pasted text: one per "篇N" header, or the whole text when it has none.

    Whatever comes before the first header (the page's title, 时间:, 分享, the blurb) is dropped,
    and so are junk lines inside the plans and the site's text after the last one.
    """
    chunks: list[list[str]] = []
    for raw in text.splitlines():
        if _classify_header(normalise_line(raw)) is not None:
            chunks.append([raw])
        elif chunks:
            chunks[-1].append(raw)
    if not chunks:
        chunks = [text.splitlines()]
    plans = []
    for chunk in chunks:
        kept = []
        for raw in chunk:
            clean = normalise_line(raw)
            if any(pattern.fullmatch(clean) for pattern in _TAIL_RES):
                break
            if clean and not _is_junk(clean):
                kept.append(raw.strip())
        lines = _read_lines("\n".join(kept))
        header, title, content, _ = _take_title(lines)
        if not content:
            continue
        first = content[0].text if content[0].kind != "heading" else f"{content[0].marker}{content[0].text}"
        preview = first if len(first) <= 40 else first[:40] + "…"
        label = f"{header.text}：{title}" if header else title
        plans.append(PastedPlan(label=label, title=title, text="\n".join(kept), preview=preview))
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
