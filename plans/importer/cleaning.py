"""Cleaning what web converters and page layouts leave in a paste, before its lines are read.

- romanisation a converter put in parentheses after characters ("工(gōng)会(huì)") is removed;
- mojibake (UTF-8 read as GBK: "鍏ㄤ綋鏁欒亴", as Latin-1: "åŠ³åŠ¨", "锟斤拷", "�") is cut out of
  its line, and the line is flagged for the review rather than dropped unseen;
- a line that is a run of article titles (a page's "热门文章" strip pasted as one line) never
  becomes an item: it is flagged;
- a word broken over two lines by the paste ("…自学相" / "结合，每月…") is joined again, before
  headings are looked for, so the first half is not taken for a title.
"""

from __future__ import annotations

import re

from .parsed import FlaggedLine

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PINYIN = "a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
# "指(zhǐ)导(dǎo)", "职工(zhi gong)": lower-case syllables (with tones, or tone digits) after a character.
_ROMANISATION_RE = re.compile(rf"(?<=[{_CJK}])\s*[（(]\s*[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü][{_PINYIN}1-5' ]{{0,40}}[）)]")

# Latin-1 or Windows-1252 readings of UTF-8 ("â€œ", "åŠ³"), the GBK reading of U+FFFD ("锟斤拷"), U+FFFD.
_MOJIBAKE_RES = (
    re.compile(r"(?:锟斤拷|烫烫烫|屯屯屯)+"),
    re.compile("\ufffd+"),
    re.compile(
        r"[\u00c0-\u00ff][\u0080-\u02ff\u2010-\u203a\u20ac\u2122]{2,}[\u0080-\u02ff\u2010-\u203a\u20ac\u2122 ]*"
    ),
)
# Runs of anything but ASCII and the punctuation Chinese text is written with: GBK mojibake mixes
# characters with kana and bopomofo ("鍏ㄤ綋", "宸ュ弬").
_CJK_RUN_RE = re.compile(r"[^\x00-\x7f\s，。；：！？、“”‘’（）《》【】〈〉「」『』—…·]{4,}")

# A run of titles: long, and no sentence in it.
_TITLE_RUN_MIN = 80
_SENTENCE_MARK_RE = re.compile(r"[，。；！？,;!?：:]")

# Where a clause that starts a line is too short to be a paragraph's own start ("结合，" / "扶工作。"),
# unless it is one of the words paragraphs open with.
_CLAUSE_RE = re.compile(r"([^，。；、！？,;!?]{1,3})[，。；、！？,;!?]")
_OPENERS = frozenset(
    ("同时", "其次", "首先", "此外", "另外", "总之", "因此", "为此", "对此", "目前", "当前", "其中", "例如", "比如")
    + ("所以", "但是", "然而", "并且", "而且", "以及", "今年", "去年", "明年", "近年来", "一是", "二是", "三是")
    + ("四是", "五是", "第一", "第二", "第三", "第四", "一方面", "另一方面", "具体", "主要", "重点", "要求")
)
_LINE_END_MARKS = tuple('，。；、！？,;!?：:…”"）)」』》】.')


def _is_gbk_mojibake(run: str) -> bool:
    """A run of characters that is UTF-8 bytes read as GBK: encoded back, it decodes as UTF-8 text.

    Chinese text written back in GBK almost never reads as UTF-8; a converter's bytes do, but for a
    byte it lost here and there, hence the share rather than a strict decode.
    """
    try:
        raw = run.encode("gbk")
    except UnicodeError:
        return False
    decoded = raw.decode("utf-8", errors="replace")
    cjk = len(re.findall(rf"[{_CJK}]", decoded))
    return cjk >= 2 and cjk >= 2 * decoded.count("\ufffd")


def _gbk_leads() -> re.Pattern[str]:
    """The characters whose GBK code starts with a UTF-8 lead byte of Chinese (E4–E9): every run of
    GBK mojibake holds one, and ordinary text seldom does (they are rare characters), so only runs
    with one are decoded."""
    chars = set()
    for lead in range(0xE4, 0xEA):
        for trail in range(0x40, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gbk"))
            except UnicodeDecodeError:
                continue
    return re.compile(f"[{re.escape(''.join(sorted(chars)))}]")


_GBK_LEADS_RE = _gbk_leads()


def _gbk_mojibake_spans(text: str) -> list[tuple[int, int]]:
    if not _GBK_LEADS_RE.search(text):
        return []
    return [match.span() for match in _CJK_RUN_RE.finditer(text) if _is_gbk_mojibake(match[0])]


def clean_line(text: str, flagged: list[FlaggedLine]) -> str:
    """The line without romanisation and mojibake; what was cut is recorded in `flagged`."""
    if "(" in text or "（" in text:
        cleaned = _ROMANISATION_RE.sub("", text)
        if cleaned != text:
            flagged.append(FlaggedLine(text, "romanisation"))
            text = cleaned
    spans = [match.span() for pattern in _MOJIBAKE_RES for match in pattern.finditer(text)]
    spans += _gbk_mojibake_spans(text)
    if spans:
        flagged.append(FlaggedLine(text, "mojibake"))
        for start, end in sorted(spans, reverse=True):
            text = text[:start] + text[end:]
        text = text.strip()
    return text


def has_mojibake(text: str) -> bool:
    return any(pattern.search(text) for pattern in _MOJIBAKE_RES) or bool(_gbk_mojibake_spans(text))


def is_title_run(text: str) -> bool:
    """A long line without a sentence in it: a list of article titles, not a plan's text."""
    return len(text) >= _TITLE_RUN_MIN and not _SENTENCE_MARK_RE.search(text)


def continues_previous(previous: str, line: str) -> bool:
    """Whether `line` is the rest of a word `previous` was broken in ("…自学相" / "结合，每月…")."""
    if len(previous) < 8 or previous.endswith(_LINE_END_MARKS) or not re.search(rf"[{_CJK}]$", previous):
        return False
    match = _CLAUSE_RE.match(line)
    return bool(match) and match[1] not in _OPENERS and bool(re.match(rf"[{_CJK}]", line))
