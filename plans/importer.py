"""Read a 工会工作计划 pasted from Word or a web page into a tree the editor shows for review.

Pasted plans are messy. A web page wraps one or several plans ("篇1", "篇一" headers) in site junk
(时间:, 分享, 下载本文, a "小编为您推荐" blurb, related articles); numbering mixes full- and
half-width forms ("一,", "一。", "1.", "１、", "(1)、"); documents skip levels or reuse "一、" for a
list inside a section; a table pasted from Word arrives as one cell per line (目标 / 措施 / 时限 /
责任人 under each row); the 活动安排 is a month-by-month list; newlines get lost ("…成果。二、开展…").

How it reads: every line is normalised (`normalise_line`) and classified by one table of line kinds
(`_LINE_KINDS`), then a small state machine (`_PlanReader`, states "body" and "schedule") builds a
tree of headings and paragraphs, which `parse_plan` turns into dataclasses:

- a numbered line with something under it is a section, a numbered line with nothing under it or
  an un-numbered paragraph is an item (DESIGN.md §3.1: sections whose leaves are items); a top-level
  heading, or one after a sibling section, stays a section even when empty, so the order survives;
- a numbered line that is itself a paragraph (too long for a title, or a sentence inside) has no
  "under": the paragraphs after it are its siblings, except those before the next number of its
  list ("2、…。", a paragraph, "3、"), which go on with it (one item of several paragraphs) — read as
  siblings they would renumber every item after them, read as 2、's children 2、 would become a
  section numbered （一） after the item 1、;
- a heading whose siblings before it were titles over paragraphs is a title too, even when long:
  its paragraph lost the newline, and the title ends at its first sentence break or where a
  paragraph's opening word (围绕, 按照, 坚持 …) follows a character directly;
- a heading's level is its depth: a heading nests under the nearest open heading of an outer
  numbering style, so "一、" → "(1)" (a skipped level) or a plan numbered only "1、" both read right;
- 目标/措施/时限/责任人 lines belong to the line above them; under a heading they are defaults for
  the items that follow; a 责任人 written once as a part's last line is the whole part's;
- paragraphs before the first heading and the 指导思想 part become `guiding_ideas`; a 落款 at the
  end ("学校工会委员会") is left out with a warning.

Pure Python, no database: the editor saves what the user accepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

__all__ = [
    "ParsedItem",
    "ParsedPlan",
    "ParsedSection",
    "PastedPlan",
    "ScheduleEntry",
    "normalise_line",
    "parse_plan",
    "split_documents",
]

DEFAULT_TITLE = "工会工作计划"


@dataclass
class PastedPlan:
    """One plan found in a pasted text, for the user to pick."""

    label: str  # "篇1：2024年学校工会工作计划"
    title: str
    text: str  # the plan's own lines (its header first), site junk removed, otherwise as pasted
    preview: str = ""  # its first line of content: several plans of one page often share a title


@dataclass
class ParsedItem:
    content: str
    goal: str = ""
    measures: str = ""
    deadline_text: str = ""
    owner_text: str = ""


@dataclass
class ParsedSection:
    title: str
    level: int  # 1 for the outermost sections, the depth in the tree below that
    children: list[ParsedSection] = field(default_factory=list)
    items: list[ParsedItem] = field(default_factory=list)

    def walk(self) -> Iterator[ParsedSection]:
        """This section and all the sections under it, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class ScheduleEntry:
    month_text: str  # as written: 元月, 三月份, 七、八月份, 9-10月
    activities: list[str] = field(default_factory=list)
    months: list[int] = field(default_factory=list)  # 七、八月份 → [7, 8]; empty if unreadable
    theme: str = ""  # a month's heading in a table: "2月新学期新面貌" → 新学期新面貌


@dataclass
class ParsedPlan:
    title: str
    year: int | None
    guiding_ideas: str = ""
    sections: list[ParsedSection] = field(default_factory=list)
    schedule: list[ScheduleEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def walk(self) -> Iterator[ParsedSection]:
        for section in self.sections:
            yield from section.walk()


# ---------------------------------------------------------------------------------------------
# Normalising a line

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CN_DIGITS = "一二三四五六七八九十"
_TRANSLATION = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},  # full-width digits
        **{chr(0x2474 + i): f"({i + 1})" for i in range(20)},  # ⑴ … ⒇
        "\u200b": "",
        "\ufeff": "",
    }
)
# A backquote or apostrophe next to a Chinese character is left over from a web page's markup
# ("的`特点", "的'创新性"); no Chinese text uses them.
_STRAY_QUOTE_RE = re.compile(rf"`|(?<=[{_CJK}])'|'(?=[{_CJK}])")
_WHITESPACE_RE = re.compile(r"\s+")  # includes the ideographic space and the no-break space


def normalise_line(line: str) -> str:
    """Half-width digits, no stray quotes, one space between words, nothing else changed."""
    line = _STRAY_QUOTE_RE.sub("", line.translate(_TRANSLATION))
    return _WHITESPACE_RE.sub(" ", line).strip()


def _cn_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十一 → 21; None for what is not a number ("五一" is May Day)."""
    digits = {c: i for i, c in enumerate(_CN_DIGITS[:9], start=1)}
    if len(text) == 1:
        return 10 if text == "十" else digits.get(text)
    tens, ten, units = text.partition("十")
    if not ten or len(text) > 3 or (tens and tens not in digits) or (units and units not in digits):
        return None
    return (digits[tens] if tens else 1) * 10 + (digits[units] if units else 0)


# ---------------------------------------------------------------------------------------------
# The kinds of line

# (style, rank, pattern of the numbering): rank orders the styles from the outermost to the innermost.
_HEADING_STYLES = (
    ("一、", 1, rf"(?P<n>[{_CN_DIGITS}]{{1,3}})\s*(?:[、,，]|[。.．](?![{_CN_DIGITS}\d]))"),  # not "三。八"节
    ("（一）", 2, rf"[（(]\s*(?P<n>[{_CN_DIGITS}]{{1,3}})\s*[）)]\s*[、,，.．]?"),
    ("1、", 3, r"(?P<n>\d{1,2})\s*(?:[、．。]|[.,，](?!\d))"),  # not "5.12护士节", "2,000元"
    ("（1）", 4, r"[（(]\s*(?P<n>\d{1,2})\s*[）)]\s*[、,，.．]?"),
    ("1）", 5, r"(?P<n>\d{1,2})\s*[）)]"),
    ("①", 6, r"(?P<n>[①-⑳])\s*[、,，.．]?"),
)
_HEADING_RES = [
    (style, rank, re.compile(rf"(?P<marker>{pattern})\s*(?P<text>\S.*)")) for style, rank, pattern in _HEADING_STYLES
]

# A month label: 元月, 二 月, 三月份, 七、八月份, 七—八月份, 一二月份, 9-10月, 12月.
_MONTH_TOKEN = r"(?:十[一二]?|[元正一二三四五六七八九]|1[0-2]|0?[1-9])"
_MONTH_RANGE = r"[\-—–~～至到]"
_MONTH_RE = re.compile(
    rf"(?P<label>{_MONTH_TOKEN}(?:\s*(?:[、，,]|{_MONTH_RANGE}{{1,2}})?\s*{_MONTH_TOKEN})*\s*月份?)"
    r"\s*(?P<colon>[:：]?)\s*(?P<rest>.*)"
)
# 正月 is a lunar month, its dates move every year: read as written, with no month number (as plans/deadlines.py).
_MONTH_VALUES = {"元": 1, **{c: i for i, c in enumerate(_CN_DIGITS, start=1)}, "十一": 11, "十二": 12}
# "3月底前完成", "3月25日" start with a month but are not a month's entry.
_NOT_A_MONTH_RE = re.compile(r"\d|[日号底初中前后以起至内间]|上旬|下旬")

# 目标/措施/时限/责任人 and the other words people use for them.
_ATTRIBUTE_KEYS = {
    "goal": ("目标", "工作目标", "预期目标"),
    "measures": ("措施", "工作措施", "具体措施", "主要措施"),
    "deadline_text": ("时限", "时间", "完成时间", "完成时限", "时间节点", "完成期限"),
    "owner_text": ("责任人", "负责人", "责任部门", "责任单位", "负责部门", "牵头部门", "牵头单位", "责任领导"),
}
_FIELD_OF_KEY = {key: name for name, keys in _ATTRIBUTE_KEYS.items() for key in keys}
_KEY = "|".join(sorted(_FIELD_OF_KEY, key=len, reverse=True))
_PAIR_RE = re.compile(rf"(?:^|(?<=[\s，,；;。]))({_KEY})\s*[:：]\s*")
# "…召开教代会（时间：3月，责任人：工会主席）" and "…召开教代会。时限：3月"
_TRAILING_PAIRS_RE = re.compile(
    rf"[（(]\s*((?:{_KEY})\s*[:：][^（）()]*)[）)][\s。.；;]*$|(?<=[。；;])\s*((?:{_KEY})\s*[:：].*)$"
)

# Plan headers of a page holding several plans: "党工会工作计划篇1", "工会2025工作规划 篇一",
# "第一篇", "【篇三】", "篇1：2024年学校工会工作计划".
_HEADER_RE = re.compile(
    r"(?P<prefix>[^，。；,;:：【]{0,40}?)\s*【?(?P<marker>篇\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
    r"|第\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*篇)】?(?:[\s:：、.．]+(?P<title>[^，。；,;]{1,40}))?"
)

# Web-page junk, each pattern matching a whole line.
_JUNK_RES = [
    re.compile(pattern)
    for pattern in (
        r"分享|收藏|打印|举报|复制|点赞|评论|返回顶部|下载本文|阅读全文|展开全文|打开翻译",
        r"(?:时间|来源|作者|编辑|推荐度|阅读|浏览|字数)\s*[:：]?\s*\d*\s*次?",  # labels that lost their value
        r"(?:当前位置|您的位置|本文地址|来源|作者|发布时间|更新时间)\s*[:：].*",
        r"\d{4}-\d{1,2}-\d{1,2}\s*\d{1,2}:\d{2}.*",  # "2025-07-16 23:45:01工作计划访问手机版打开翻译"
        rf"[^{_CJK}]*",  # nothing Chinese: a site's id, a view count
        # the collection's own title: "党工会工作计划8篇"
        r"[^，。；,;]{0,40}?(?:计划|规划|方案|范文|总结)[^，。；,;]{0,10}?(?:\d+|[一二三四五六七八九十]+)篇",
    )
]
_BLURB_RE = re.compile(
    r"小编|为您(?:推荐|整理|收集|精心)|供大家参考|供您参考|仅供参考|希望对(?:您|你|大家)|欢迎(?:阅读|参考|借鉴)"
    r"|下载(?:本文|文档)|文档为doc格式|Word文档|手机版"
)
# Where a page's own text ends: everything after it in the plan is the site's.
_TAIL_RES = [
    re.compile(pattern)
    for pattern in (
        r".{0,30}(?:相关文章|相关推荐|猜你喜欢|延伸阅读|热门推荐)[:：]?",
        r"(?:上面|以上)(?:内容)?就是.*(?:为您|为大家|整理|参考).*",
        r"(?:将本文|点击下载).*",
    )
]

# Un-numbered lines that are headings.
_BARE_HEADINGS = frozenset(
    ("指导思想", "总体要求", "总体思路", "工作思路", "工作目标", "目标任务", "主要工作", "工作要点", "重点工作")
    + ("主要任务", "工作任务", "工作内容", "工作措施", "具体措施", "主要措施", "保障措施", "活动安排", "工作安排")
    + ("具体安排", "主要活动安排", "具体工作安排", "月份安排", "每月工作安排", "行事历", "工作行事历", "日程安排")
)
_SCHEDULE_TITLE_RE = re.compile(r".{0,8}(?:安排|行事历|日程|月历)")
_GUIDING_TITLE = "指导思想"
# Column titles of a table pasted one cell per line.
_TABLE_HEADER_RE = re.compile(
    r"(?:(?:月份|月|时间|日期|活动主题|主题|具体内容|活动内容|内容|工作项目|项目|目标|措施|时限|负责人"
    r"|责任人|备注|参加人员|参与人员|地点)\s*)+"
)
# A 落款 at the end: "学校工会委员会", "2024年1月5日".
_SIGNATURE_RE = re.compile(
    r"(?!召开|开展|组织|举办|参加|成立)[^，。；,;：:]{2,16}(?:工会|委员会|办公室)|(?:\d{4}|\d{0,2}[xX_]{2})\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?"
)
_TITLE_WORD_RE = re.compile(r"计划|规划|要点|安排|打算|方案|思路")
_YEAR_IN_TITLE_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_YEAR_RE = re.compile(r"(?<![\dA-Za-z])(?:(?P<year>(?:19|20)\d{2})|\d{0,3}[xX×_＿]{1,2})\s*年")
_PLACEHOLDER_YEAR_RE = re.compile(r"(?<![\dA-Za-z])\d{0,3}[xX×_＿]{1,2}\s*年")
_SENTENCE_END_RE = re.compile(r"[。；;！!？?]")
_ENDS_A_SENTENCE = tuple('。！？!?；;：:…”"）)」』.')


@dataclass
class _Month:
    text: str
    values: list[int]
    rest: str
    strict: bool  # "三月：…", "九月份", "九月 1、…": a month's entry wherever it stands
    theme: bool  # "2月新学期新面貌": a month's entry only inside a schedule


@dataclass
class _Line:
    kind: str
    text: str  # for a heading: the text after its numbering
    style: str = ""
    rank: int = 0
    number: int = 0
    marker: str = ""  # the numbering as written: "7,"
    title: str = ""  # a heading's title when its line also holds its first paragraph
    body: str = ""
    pairs: dict[str, str] = field(default_factory=dict)
    month: _Month | None = None
    prefix: str = ""  # a plan header's: "党工会工作计划" in "党工会工作计划篇1"


def _match_heading(text: str, pos: int = 0) -> _Line | None:
    for style, rank, pattern in _HEADING_RES:
        match = pattern.match(text, pos)
        if match is None:
            continue
        raw = match["n"]
        number = ord(raw) - ord("①") + 1 if style == "①" else int(raw) if raw.isdigit() else _cn_number(raw)
        if number is None:
            return None
        marker = match["marker"].strip()
        return _Line("heading", match["text"], style=style, rank=rank, number=number, marker=marker)
    return None


def _match_month(text: str) -> _Month | None:
    match = _MONTH_RE.fullmatch(text)
    if match is None:
        return None
    rest = match["rest"]
    numbered = _match_heading(rest) is not None
    strict = bool(match["colon"]) or not rest or numbered
    theme = not strict and len(rest) <= 20 and not _NOT_A_MONTH_RE.match(rest) and not re.search(r"[，。；,;：:]", rest)
    if not (strict or theme):
        return None
    label = match["label"].replace(" ", "")
    return _Month(label, _month_values(label), rest, strict=strict, theme=theme)


def _month_values(label: str) -> list[int]:
    values: list[int] = []
    in_range = False
    for match in re.finditer(rf"({_MONTH_TOKEN})\s*({_MONTH_RANGE}*)", label):
        value = _MONTH_VALUES.get(match[1]) or (int(match[1]) if match[1].isdigit() else None)
        if value is None:
            return []
        if in_range and values and value > values[-1]:
            values.extend(range(values[-1] + 1, value + 1))
        else:
            values.append(value)
        in_range = bool(match[2])
    return values


def _parse_pairs(text: str) -> dict[str, str] | None:
    """ "时限：3月 责任人：张三" → {"deadline_text": "3月", "owner_text": "张三"}; None if it does not start so."""
    matches = list(_PAIR_RE.finditer(text))
    if not matches or matches[0].start() != 0:
        return None
    pairs: dict[str, str] = {}
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        value = text[match.end() : following.start() if following else len(text)].strip(" ，,；;")
        name = _FIELD_OF_KEY[match[1]]
        if name in ("deadline_text", "owner_text"):
            value = value.rstrip("。.")
        pairs[name] = _joined(pairs.get(name, ""), value)
    return pairs


def _trailing_pairs(text: str) -> tuple[str, dict[str, str]]:
    match = _TRAILING_PAIRS_RE.search(text)
    pairs = _parse_pairs(match[1] or match[2]) if match else None
    if not pairs:
        return text, {}
    return text[: match.start()].rstrip(), pairs


def _split_heading(line: _Line) -> None:
    """Find a heading's title when its line also holds its first paragraph (a lost newline)."""
    text = line.text
    match = re.fullmatch(r"(.{4,40}?[。！？])\s+(\S.{9,})", text) or re.fullmatch(r"([^\s。]{6,40})\s+(\S.{9,})", text)
    if match is None and line.rank <= 1:
        # "一、指导思想：以党的十六大精神为指导，…": the outermost headings put their text after a colon
        match = re.fullmatch(r"([^，。；,;:：]{2,15})[:：]\s*(\S.*)", text)
    if match:
        line.title, line.body = match[1], match[2]
    else:
        line.title = text
    line.title = line.title.rstrip(":： ")


# Words a paragraph opens with, for finding where a title glued to its paragraph ends.
_PARAGRAPH_OPENER_RE = re.compile(rf"(?<=[{_CJK}])(?:紧紧围绕|围绕|按照|根据|为了|坚持|结合|针对|紧扣|立足)")


def _lost_title(text: str) -> tuple[str, str]:
    """(title, paragraph) of a heading that should be a title but runs on into its paragraph.

    The title ends at its first sentence break ("标题。正文…") or, with none, where a word that opens
    a paragraph follows a character directly ("…机构建设围绕推动落实…", no punctuation: that is
    where the newline was); (text, "") when neither comes within a title's length.
    """
    if match := re.fullmatch(r"(.{6,40}?[。；;！？])\s*(\S.{9,})", text):
        return match[1], match[2]
    if opener := _PARAGRAPH_OPENER_RE.search(text, 6, 41):
        return text[: opener.start()], text[opener.start() :]
    return text, ""


def _is_junk(text: str) -> bool:
    return any(pattern.fullmatch(text) for pattern in _JUNK_RES) or bool(_BLURB_RE.search(text))


def _classify_header(text: str) -> _Line | None:
    match = _HEADER_RE.fullmatch(text)
    if match is None:
        return None
    marker = match["marker"].replace(" ", "")
    return _Line("header", marker, title=(match["title"] or "").strip(), prefix=match["prefix"].strip())


def _classify_attribute(text: str) -> _Line | None:
    pairs = _parse_pairs(text)
    if pairs is None:
        return None
    if not any(pairs.values()):
        return _Line("label", text)  # "措施", "时限：" — a column title or an empty cell
    return _Line("attribute", text, pairs=pairs)


def _classify_numbered(text: str) -> _Line | None:
    line = _match_heading(text)
    if line is None:
        return None
    line.text, line.pairs = _trailing_pairs(line.text)
    _split_heading(line)
    return line


def _classify_bare(text: str) -> _Line | None:
    core = text.rstrip(":： ")
    if re.search(r"[，,。；;、“”\"]", core) or len(core) > 20:
        return None
    ends_with_colon = text.endswith((":", "："))
    if core in _BARE_HEADINGS or (ends_with_colon and len(core) <= 12 and not core.endswith(("如下", "以下"))):
        line = _Line("bare", text)
    elif _SCHEDULE_TITLE_RE.fullmatch(core):
        line = _Line("schedule_title", text)  # a schedule's heading only if months follow it
    else:
        return None
    line.title = core
    return line


def _classify_paragraph(text: str) -> _Line:
    text, pairs = _trailing_pairs(text)
    return _Line("paragraph", text, pairs=pairs)


def _classify_tail(text: str) -> _Line | None:
    return _Line("tail", text) if any(pattern.fullmatch(text) for pattern in _TAIL_RES) else None


def _classify_junk(text: str) -> _Line | None:
    return _Line("junk", text) if _is_junk(text) else None


def _classify_month(text: str) -> _Line | None:
    month = _match_month(text)
    return _Line("month", text, month=month) if month and month.strict else None


def _classify_label(text: str) -> _Line | None:
    return _Line("label", text) if _TABLE_HEADER_RE.fullmatch(text) else None


# The line classifier: the first kind that matches wins.
_LINE_KINDS = (
    ("tail", _classify_tail),  # the site's text after the plan: stop reading
    ("junk", _classify_junk),  # 时间:, 分享, a blurb: skip
    ("header", _classify_header),  # 篇1, 篇一, 第一篇
    ("month", _classify_month),  # 三月：…, 七、八月份
    ("heading", _classify_numbered),  # 一、 （一） 1、 （1） 1） ①
    ("attribute", _classify_attribute),  # 目标：… 时限：… 责任人：…
    ("label", _classify_label),  # a column title: 活动主题, 措施
    ("bare", _classify_bare),  # 指导思想：, 工作要点：, 主要活动安排
    ("paragraph", _classify_paragraph),
)


def _classify(text: str) -> _Line:
    for _kind, classify in _LINE_KINDS:
        line = classify(text)
        if line is not None:
            if line.month is None:
                line.month = _match_month(text)  # the schedule reads "2月新学期新面貌" too
            return line
    raise AssertionError("the paragraph kind matches every line")


def _split_run_on(text: str) -> list[str]:
    """Split "…的成果。二、开展班组内部学习培训活动。" where the paste lost a newline before a heading."""
    pieces, start = [], 0
    for match in re.finditer(r"[。！？!?]\s*", text):
        line = _match_heading(text, match.end())
        if line is not None and (line.style == "（一）" or (line.style in ("一、", "1、") and "、" in line.marker)):
            pieces.append(text[start : match.end()].strip())
            start = match.end()
    pieces.append(text[start:].strip())
    return [piece for piece in pieces if piece]


def _read_lines(text: str) -> list[_Line]:
    """The classified lines of a text, without blanks and junk, up to where the site's own text starts."""
    lines = []
    for raw in text.splitlines():
        for piece in _split_run_on(normalise_line(raw)):
            line = _classify(piece)
            if line.kind == "tail":
                return lines
            if line.kind != "junk":
                lines.append(line)
    return lines


# ---------------------------------------------------------------------------------------------
# Splitting a page into plans


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


# ---------------------------------------------------------------------------------------------
# Reading a plan


@dataclass(eq=False)
class _Node:
    kind: str  # "heading" or "paragraph"
    text: str
    title: str = ""
    style: str = ""
    rank: int = 0
    number: int = 0
    marker: str = ""
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)
    opens_body: bool = False  # a title, so the paragraphs after it are its own
    opens_list: bool = False  # ends with a colon: "四、创建要求：…主要方法和途径如下："
    role: str = ""  # "guiding" (指导思想) or "schedule" (活动安排): headings that are not sections
    trail: list[str] = field(default_factory=list)  # a top-level heading's line kinds, in order
    owner_targets: list[_Node] = field(default_factory=list)  # where its 责任人 lines went

    def add(self, child: _Node) -> _Node:
        child.parent = self
        self.children.append(child)
        return child


class _PlanReader:
    """The state machine: "body" builds the tree of headings and paragraphs, "schedule" the months."""

    def __init__(self) -> None:
        self.root = _Node("heading", "")
        self.stack: list[_Node] = []  # the open headings, outermost first
        self.last: _Node | None = None  # the line 目标/时限/责任人 lines belong to
        self.last_paragraph_at = -2  # where the paragraph that may go on in the next line was
        self.index = 0
        self.in_schedule = False
        self.schedule: list[ScheduleEntry] = []
        self.warnings: list[str] = []

    def read(self, lines: list[_Line]) -> None:
        for self.index, line in enumerate(lines):
            if self.in_schedule and not self._leaves_schedule(line):
                self._schedule_line(line)
            else:
                self.in_schedule = False
                self._body_line(line, month_follows=_month_follows(lines, self.index + 1))
            if self.stack:
                is_owner = line.kind == "attribute" and "owner_text" in line.pairs
                self.stack[0].trail.append("owner" if is_owner else line.kind)

    # -- body

    def _body_line(self, line: _Line, *, month_follows: bool) -> None:
        match line.kind:
            case "month":
                self.in_schedule = True
                self._schedule_line(line)
            case "heading" | "bare" | "schedule_title" if month_follows and _SCHEDULE_TITLE_RE.fullmatch(line.title):
                if line.kind == "heading":
                    self._heading(line).role = "schedule"  # placed, so the numbering after it reads on
                self.in_schedule = True
            case "label" if month_follows:
                self.in_schedule = True
            case "bare" if line.title not in _BARE_HEADINGS and self.stack and self.stack[0].style != "bare":
                self._paragraph(line.text, line.pairs)  # "具体如下：" inside a numbered plan is no new part
            case "heading" | "bare":
                self._heading(line)
            case "attribute":
                self._attribute(line)
            case "paragraph" | "schedule_title":
                self._paragraph(line.text, line.pairs)
            case _:
                pass  # a column title, or a second plan header (already warned about)

    def _heading(self, line: _Line) -> _Node:
        node = _Node(
            "heading",
            line.text,
            title=line.title,
            style=line.style or "bare",
            rank=line.rank,
            number=line.number,
            marker=line.marker,
            attrs=dict(line.pairs),
            opens_body=line.kind == "bare" or bool(line.body) or (len(line.text) <= 40 and "。" not in line.text[:-1]),
            opens_list=line.text.endswith((":", "：")),
            role="guiding" if line.title.startswith(_GUIDING_TITLE) else "",
        )
        self._place(node)
        siblings = [child for child in node.parent.children[:-1] if child.style == node.style] if node.parent else []
        if siblings and any(child.kind == "paragraph" for child in siblings[-1].children):
            if not node.opens_body and not line.body:
                # "(三)推动落实…建设围绕推动落实…。": (一) and (二) were titles over paragraphs, so this
                # one is too, and its paragraph lost the newline after the title
                node.title, body = _lost_title(line.text)
                if body:
                    line.body = body
            node.opens_body = True
        if line.body:
            node.add(_Node("paragraph", line.body))
        self._absorb_continuation(node)
        self.last = node
        return node

    def _absorb_continuation(self, node: _Node) -> None:
        """Join paragraphs between "2、…。" and "3、" to 2、: they go on with it, as 3、 shows.

        A numbered line that is itself a paragraph (too long for a title) is an item; an un-numbered
        paragraph after it is read as its sibling ("8、…。" then a closing paragraph) until the next
        number of the same list arrives: then it was the numbered paragraph's second paragraph, and
        keeping it a sibling would renumber every item after it.
        """
        siblings = node.parent.children[:-1] if node.parent else []
        start = len(siblings)
        while start and siblings[start - 1].kind == "paragraph":
            start -= 1
        previous = siblings[start - 1] if start else None
        if (
            start == len(siblings)
            or previous is None
            or previous.kind != "heading"
            or previous.style != node.style
            or previous.number + 1 != node.number
            or previous.opens_body
            or previous.children
        ):
            return
        for paragraph in siblings[start:]:
            previous.text = f"{previous.text}\n{paragraph.text}"
            for name, value in paragraph.attrs.items():
                previous.attrs[name] = _joined(previous.attrs.get(name, ""), value)
            for top in self.stack[:1]:
                top.owner_targets = [previous if target is paragraph else target for target in top.owner_targets]
        del node.parent.children[start : len(siblings)]

    def _place(self, node: _Node) -> None:
        """Nest a heading under the nearest open heading of an outer numbering style."""
        stack = self.stack
        same = [i for i, open_ in enumerate(stack) if open_.style == node.style]
        if node.rank == 0:
            stack.clear()  # an un-numbered heading ("工作要点：") starts a part of the plan
        elif same:
            follows = next((i for i in reversed(same) if stack[i].number + 1 == node.number), None)
            if follows is not None:
                del stack[follows:]
            elif node.number == 1 and stack[same[-1]].opens_list:
                del stack[same[-1] + 1 :]  # "四、创建要求：…如下：" then "一、…": a list inside 四
            else:
                previous = stack[same[-1]]
                self.warnings.append(
                    f"编号不连续：“{previous.marker}{previous.title[:12]}”之后是“{node.marker}{node.title[:12]}”。"
                )
                del stack[same[-1] :]
        else:
            while stack and stack[-1].rank > node.rank:
                stack.pop()
        (stack[-1] if stack else self.root).add(node)
        stack.append(node)

    def _paragraph(self, text: str, pairs: dict[str, str]) -> None:
        last = self.last
        if last is not None and self.last_paragraph_at == self.index - 1 and _is_cut_off(last.text) and not pairs:
            last.text += text  # a sentence broken over two lines by the paste
        else:
            if not self.stack:
                parent = self.root  # before the first heading: the plan's preamble
            elif len(self.stack) == 1 or self.stack[-1].opens_body:
                parent = self.stack[-1]
            else:
                parent = self.stack[-1].parent or self.root  # "8、…。" is an item, the paragraph its sibling
            self.last = parent.add(_Node("paragraph", text, attrs=dict(pairs)))
        self.last_paragraph_at = self.index

    def _attribute(self, line: _Line) -> None:
        target = self.last
        outside = target is None or (target.kind == "paragraph" and target.parent is self.root)
        if outside or (self.stack and self.stack[0].role == "guiding"):
            self._paragraph(line.text, {})  # the preamble and the 指导思想 keep such a line as text
            return
        for name, value in line.pairs.items():
            target.attrs[name] = _joined(target.attrs.get(name, ""), value)
        if "owner_text" in line.pairs and self.stack:
            self.stack[0].owner_targets.append(target)

    # -- schedule

    def _leaves_schedule(self, line: _Line) -> bool:
        if line.kind == "heading":
            return line.rank == 1
        return line.kind == "bare" and not _SCHEDULE_TITLE_RE.fullmatch(line.title)

    def _schedule_line(self, line: _Line) -> None:
        month = line.month
        if month is not None and (month.strict or month.theme):
            entry = ScheduleEntry(month_text=month.text, months=month.values)
            if month.theme:
                entry.theme = month.rest
            elif month.rest:
                entry.activities.extend(_numbered_pieces(month.rest) or _SENTENCE_END_RE.split(month.rest))
            entry.activities = [_activity(text) for text in entry.activities if _activity(text)]
            self.schedule.append(entry)
        elif line.kind != "label" and self.schedule:
            text = f"{line.marker}{line.text}" if line.kind == "heading" else line.text
            pieces = _numbered_pieces(text) or [text]
            self.schedule[-1].activities.extend(_activity(piece) for piece in pieces if _activity(piece))


def _month_follows(lines: list[_Line], start: int) -> bool:
    """Whether the next line that is not a column title is a month's entry."""
    for line in islice(lines, start, None):
        if line.kind != "label":
            return line.month is not None
    return False


def _numbered_pieces(text: str) -> list[str] | None:
    """ "1、制定工会工作计划2、慰问困难教职工" → the two activities; None if the text is not numbered.

    Only the next number in the sequence splits, so "5.12护士节" or "3月2日" inside stay whole.
    """
    line = _match_heading(text)
    if line is None:
        return None
    pieces, rest, number = [], line.text, line.number
    while True:
        if line.style in ("1、", "1）"):
            following = re.search(rf"(?<!\d){number + 1}\s*(?:[、．。]|[.,，)）](?!\d))", rest)
        elif line.style == "（1）":
            following = re.search(rf"[（(]\s*{number + 1}\s*[）)]", rest)
        elif line.style == "①" and number < 20:
            following = re.search(chr(ord("①") + number), rest)
        else:
            following = None
        if following is None:
            pieces.append(rest)
            return pieces
        pieces.append(rest[: following.start()])
        rest, number = rest[following.end() :], number + 1


def _activity(text: str) -> str:
    return text.strip().rstrip("；;，,。. ")


def _is_cut_off(text: str) -> bool:
    return len(text) >= 40 and not text.endswith(_ENDS_A_SENTENCE)


def _joined(first: str, second: str) -> str:
    return f"{first}；{second}" if first and second else first or second


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
