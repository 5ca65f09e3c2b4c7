"""A table pasted from Word, turned back into the lines a plan is written in.

Word gives a table either as one cell per line (序号 / 工作内容 / 完成时限 / 责任人, then "1" /
"召开…" / "3月底前" / "李明" …) or as one row per line with tabs between the cells. Each row
becomes "1、召开…" followed by "时限：3月底前" and "责任人：李明", which the line kinds already
read; a table that is not under a numbered part gets its content column's title as its part.
"""

from __future__ import annotations

import re

# The column titles, by the attribute line each column becomes ("" for the work itself).
_COLUMNS = {
    "序号": "number",
    "编号": "number",
    **dict.fromkeys(
        ("工作内容", "工作项目", "项目", "内容", "具体内容", "活动内容", "工作任务", "任务", "重点工作"), ""
    ),
    **dict.fromkeys(("时限", "完成时限", "时间", "完成时间", "日期", "时间安排", "时间节点"), "时限"),
    **dict.fromkeys(("责任人", "负责人", "责任部门", "负责部门", "牵头部门", "责任单位", "牵头单位"), "责任人"),
    **dict.fromkeys(("目标", "工作目标"), "目标"),
    **dict.fromkeys(("措施", "具体措施", "工作措施"), "措施"),
}
_SEQUENCE_RE = re.compile(r"\d{1,3}")
_NUMBERED_RE = re.compile(r"[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]")


def _columns(cells: list[str]) -> list[str] | None:
    names = [cell.strip() for cell in cells]
    if len(names) < 3 or names[0] not in ("序号", "编号") or any(name not in _COLUMNS for name in names):
        return None
    if "" not in (_COLUMNS[name] for name in names):
        return None  # no column holds the work
    return names


def _row_lines(columns: list[str], cells: list[str]) -> list[str]:
    cells = [cell.strip() for cell in cells]
    work = next(index for index, name in enumerate(columns) if _COLUMNS[name] == "")
    if len(cells) > len(columns):
        # More lines than columns: the work ran over several lines (the short cells after it, a
        # 时限 and a 责任人, do not). The columns before and after it take their cells from each end.
        after = len(columns) - work - 1
        middle = cells[work : len(cells) - after]
        cells = [*cells[:work], "".join(middle), *cells[len(cells) - after :]]
    values = dict(zip(columns, cells, strict=False))
    number = next((values[name] for name in columns if _COLUMNS[name] == "number"), "")
    content = values.get(columns[work], "")
    if not content:
        return []
    lines = [f"{number}、{content}" if number else content]
    for name in columns:
        label = _COLUMNS[name]
        if label not in ("", "number") and values.get(name):
            lines.append(f"{label}：{values[name]}")
    return lines


def untable(lines: list[str]) -> list[str]:
    """The lines with every table pasted from Word rewritten as numbered lines and attribute lines."""
    result: list[str] = []
    under_a_part = False
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if _NUMBERED_RE.match(stripped):
            under_a_part = True
        columns = _columns(stripped.split("\t")) if "\t" in stripped else None
        width = 1
        if columns is None and stripped in ("序号", "编号"):
            width = 0
            while index + width < len(lines) and lines[index + width].strip() in _COLUMNS:
                width += 1
            columns = _columns([cell.strip() for cell in lines[index : index + width]])
        if columns is None:
            result.append(line)
            index += 1
            continue
        index += width
        rows: list[str] = []
        if "\t" in stripped:
            while index < len(lines) and "\t" in lines[index]:
                rows.extend(_row_lines(columns, lines[index].split("\t")))
                index += 1
        else:
            # One cell per line: a row starts at its number; an empty cell is simply missing.
            expected = 1
            while index < len(lines) and lines[index].strip() == str(expected):
                end = index + 1
                while (
                    end < len(lines)
                    and lines[end].strip() != str(expected + 1)
                    and not _NUMBERED_RE.match(lines[end].strip())
                ):
                    end += 1
                rows.extend(_row_lines(columns, [lines[index], *lines[index + 1 : end]]))
                index, expected = end, expected + 1
        if rows and not under_a_part:
            result.append(next(f"{name}：" for name in columns if _COLUMNS[name] == ""))
        result.extend(rows)
    return result
