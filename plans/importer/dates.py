"""A date or a range written inside a line ("4月中旬至5月中旬开展…"), for phases, deadlines and 时限 proposals.

Only finding it: plans/deadlines.py says what it means (and whether it means anything).
"""

from __future__ import annotations

import re

_DAY = r"(?:(?:19|20)\d{2}\s*年\s*)?\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号]|上旬|中旬|下旬|初|底|中)?"
_POINT = rf"(?:{_DAY}|年初|年中|年底|年末)"
_RANGE_SEP = r"(?:\s*(?:至|到|[—–\-－~～]{1,2})\s*)"
_BEFORE = r"(?:前|以前|之前)?"
_DATE_RE = re.compile(
    rf"(?:{_POINT}{_RANGE_SEP}{_POINT}|{_POINT}){_BEFORE}"
    r"|每(?:季度|月|学期|半年|周|年)|上半年|下半年|全年"
    r"|第?[一二三四1-4]季度|[春秋]季学期",  # a season: a quarter, a school term
)
# A range of whole years only ("2025—2027年") is a plan's span, not a 时限.
_YEARS_ONLY_RE = re.compile(r"(?:19|20)\d{2}\s*年?\s*(?:[—–\-－~～至到]{1,2})\s*(?:19|20)\d{2}\s*年")


def find_date(text: str) -> re.Match[str] | None:
    """The first date, range or recurring period written in `text`."""
    for match in _DATE_RE.finditer(text):
        if not _YEARS_ONLY_RE.fullmatch(match[0]):
            return match
    return None
