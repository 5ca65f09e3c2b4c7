"""Traditional characters: read through OpenCC's simplified form, shown as the user wrote them or converted.

Every rule of the importer (line kinds, junk, 时限) is written once, in simplified characters. A
paste in traditional characters (Hong Kong, Macau and Taiwan pages, or mainland pages a site
converted) is converted with OpenCC's "t2s" table before it is read; what the user is shown is the
converted plan when they ask for it (the review's default for a traditional paste) and otherwise
their own characters, put back one character at a time from the lines the conversion kept aligned.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

import opencc

_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# A mainland page holds a stray traditional character now and then (a name, a quoted title); a
# paste is traditional when enough of it is.
_TRADITIONAL_MIN_CHARS = 4
_TRADITIONAL_MIN_SHARE = 0.03


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@dataclass
class Script:
    """What converting a text to simplified characters changed, and how to put the user's back."""

    traditional: bool = False
    conversions: list[tuple[str, str]] = field(default_factory=list)  # (traditional, simplified), first seen first
    changed: int = 0  # characters converted
    _back: dict[str, str] = field(default_factory=dict)

    def restore(self, text: str) -> str:
        """`text` (read from the converted paste) in the user's own characters."""
        if not self._back:
            return text
        return "".join(self._back.get(char, char) for char in text)


def to_simplified(text: str) -> tuple[str, Script]:
    """(the text in simplified characters, what the conversion changed)."""
    converted = _converter().convert(text)
    script = Script()
    if converted == text:
        return text, script
    seen: dict[tuple[str, str], int] = Counter()
    for source_line, target_line in zip(text.splitlines(), converted.splitlines(), strict=False):
        if len(source_line) != len(target_line):
            continue  # a phrase converted to a longer or shorter one: not aligned, nothing to learn
        for source, target in zip(source_line, target_line, strict=True):
            if source != target:
                seen[(source, target)] += 1
    script.conversions = list(seen)
    script.changed = sum(seen.values())
    cjk = len(_CJK_RE.findall(text)) or 1
    script.traditional = script.changed >= _TRADITIONAL_MIN_CHARS and script.changed / cjk >= _TRADITIONAL_MIN_SHARE
    # The most frequent source of a simplified character wins (发 from 發, rarely from 髮).
    for (source, target), _count in sorted(seen.items(), key=lambda pair: -pair[1]):
        script._back.setdefault(target, source)
    return converted, script
