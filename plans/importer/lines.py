"""Reading one line: normalising it, and deciding what kind of line it is (the table `_LINE_KINDS`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .cleaning import continues_previous, is_title_run
from .dates import find_date
from .parsed import FlaggedLine
from .tables import untable

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


_NEEDS_TRANSLATION_RE = re.compile("[\uff10-\uff19\u2474-\u2487\u200b\ufeff]")


def normalise_line(line: str) -> str:
    """Half-width digits, no stray quotes, one space between words, nothing else changed."""
    if _NEEDS_TRANSLATION_RE.search(line):  # translate() looks every character up: most lines need none
        line = line.translate(_TRANSLATION)
    line = _STRAY_QUOTE_RE.sub("", line)
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
_CAPITAL_DIGITS = "壹贰叁参肆伍陆柒捌玖拾"
_HEADING_STYLES = (
    # 壹、贰、参 (Taiwan documents) number the parts above 一、: rank 0 starts a part, as an un-numbered heading does
    ("壹、", 0, rf"(?P<n>[{_CAPITAL_DIGITS}])\s*[、,，.．]"),
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

# A notice's deadline: "三、报送时间", "截止日期：9月30日前", "2、报名截止时间：5月30日前。"
_NOTICE_DEADLINE_KEYS = (
    "截止时间",
    "截止日期",
    "截止期限",
    "报送时间",
    "报送截止时间",
    "申报时间",
    "申报截止时间",
    "提交时间",
    "报名时间",
    "报名截止时间",
    "申请截止日期",
    "申请截止时间",
)
_NOTICE_DEADLINE_RE = re.compile(
    rf"({'|'.join(sorted(_NOTICE_DEADLINE_KEYS, key=len, reverse=True))})\s*(?:[:：]\s*(.*))?"
)

# 目标/措施/时限/责任人 and the other words people use for them.
_ATTRIBUTE_KEYS = {
    "goal": ("目标", "工作目标", "预期目标"),
    "measures": ("措施", "工作措施", "具体措施", "主要措施"),
    "deadline_text": ("时限", "时间", "完成时间", "完成时限", "时间节点", "完成期限", *_NOTICE_DEADLINE_KEYS),
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
# "第一篇", "【篇三】", "篇1：2024年学校工会工作计划", "工会工作计划范文一", "【范文二】", "…模板二",
# "…报告一", and the same title repeated with an ordinal in brackets: "机关工会工作计划<二>", 〈二〉,
# 《二》, （二）, [二].
_ORDINAL = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_BRACKETED_ORDINAL = rf"[<〈《（(\[【]\s*{_ORDINAL}\s*[>〉》）)\]】]"
_HEADER_RE = re.compile(
    rf"(?P<prefix>[^，。；,;:：【<〈《（(\[]{{0,40}}?)\s*【?(?P<marker>(?:篇|范文|模板|报告)\s*{_ORDINAL}"
    rf"|第\s*{_ORDINAL}\s*篇|{_BRACKETED_ORDINAL})】?(?:[\s:：、.．]+(?P<title>[^，。；,;]{{1,40}}))?"
)
# What a plan's title says it is; a bracketed ordinal is a header only after such a title.
_TITLE_WORD_RE = re.compile(r"计划|规划|要点|安排|打算|方案|思路|通知|报告|总结|行事历|责任表|一览表")

# Web-page junk, each pattern matching a whole line.
_JUNK_RES = [
    re.compile(pattern)
    for pattern in (
        r"分享|收藏|打印|举报|复制|点赞|评论|返回顶部|下载本文|阅读全文|展开全文|打开翻译",
        r"(?:时间|来源|作者|编辑|推荐度|阅读|浏览|字数)\s*[:：]?\s*\d*\s*次?",  # labels that lost their value
        r"(?:当前位置|您的位置|您现在的位置|所在位置|本文地址|来源|作者|发布时间|发布日期|更新时间|更新日期|字号)\s*[:：].*",
        # a breadcrumb: 首页 > 工作计划 > 工会工作计划 > 正文
        r"[^，。；,;]{1,20}(?:\s*[>＞›»→/]\s*[^，。；,;>＞›»→]{1,30}){2,}",
        # a line of page data: 来源：… 作者：… 时间：2025-01-12 点击：
        r"(?:.*?(?:作者|来源|发布时间|发布日期|更新时间|时间|日期|点击|浏览|阅读|编辑|责任编辑|字号|人气|栏目|小编)\s*[:：]){2}.*",
        r"分享到?\s*[:：].*",
        r"(?:【[^】]{1,8}】\s*)+|(?:\[[^\]]{1,8}\]\s*)+",  # 【打印本页】【关闭窗口】
        r"(?:上一篇|下一篇)\s*[:：].*",
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
        r"【?(?:将本文|点击下载).*",
    )
]

# The heading of a page's block of links, in the middle of the text or after it: the titles under it are skipped.
_BLOCK_RE = re.compile(
    r"(?:精选文章|推荐访问|热门文章|推荐阅读|相关阅读|最新文章|热门标签|热点文章|最新推荐|大家都在看|猜你感兴趣|你可能(?:还)?感兴趣(?:的文章)?)[:：]?"
)
# The addressee of a notice: "各基层工会：", "各位会员：", "致全体教职工："
_ADDRESSEE_RE = re.compile(r"(?:各|致|全体|尊敬的)[^，。；,;：:]{1,30}[:：]")
# A phase of a 实施方案: "第一阶段：宣传发动（3月1日—3月15日）", "第二步：…", "一期：4月中旬，…"
_PHASE_RE = re.compile(
    rf"(?P<marker>第\s*(?P<n>[{_CN_DIGITS}]{{1,3}}|\d{{1,2}})\s*(?:阶段|步|期|批)|(?P<n2>[{_CN_DIGITS}]{{1,3}})\s*期)"
    r"\s*[:：、，,.．]?\s*(?P<rest>.*)"
)
# A numbered heading of a phase that carries its dates: "（一）启动部署阶段（2025年1月——2025年3月）"
_PHASE_HEADING_DATES_RE = re.compile(r"(?P<title>.*(?:阶段|步|期))\s*[（(](?P<dates>[^（）()]+)[）)]")

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
        if style == "①":
            number = ord(raw) - ord("①") + 1
        elif style == "壹、":
            number = _CAPITAL_DIGITS.replace("参", "").index(raw.replace("参", "叁")) + 1
        else:
            number = int(raw) if raw.isdigit() else _cn_number(raw)
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


def _is_junk(text: str) -> bool:
    return any(pattern.fullmatch(text) for pattern in _JUNK_RES) or bool(_BLURB_RE.search(text))


def _classify_header(text: str) -> _Line | None:
    match = _HEADER_RE.fullmatch(text)
    if match is None:
        return None
    if match["marker"][0] in "<〈《（(【[" and not _TITLE_WORD_RE.search(match["prefix"]):
        return None  # "（二）加强组织建设" is a heading; "工会工作计划（二）" a plan's header
    marker = match["marker"].replace(" ", "")
    prefix = match["prefix"].strip()
    if marker.startswith("报告") and prefix:
        prefix += "报告"  # "年度工作报告一" is the first 年度工作报告; "计划范文一" the first 计划
    return _Line("header", marker, title=(match["title"] or "").strip(), prefix=prefix)


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
    phase = _PHASE_HEADING_DATES_RE.fullmatch(line.text)
    date = find_date(phase["dates"]) if phase else None
    if phase and date and date[0] == phase["dates"].strip():
        line.text = phase["title"].strip()
        line.pairs.setdefault("deadline_text", date[0])
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


def _classify_block(text: str) -> _Line | None:
    return _Line("block", text) if _BLOCK_RE.fullmatch(text) else None


def _classify_addressee(text: str) -> _Line | None:
    return _Line("paragraph", text) if _ADDRESSEE_RE.fullmatch(text) else None


def _classify_phase(text: str) -> _Line | None:
    match = _PHASE_RE.fullmatch(text)
    if match is None:
        return None
    rest, pairs = match["rest"], {}
    if date := find_date(rest):
        pairs["deadline_text"] = date[0]
        rest = rest[: date.start()] + rest[date.end() :]
    rest = re.sub(r"[（(]\s*[）)]", "", rest).strip(" ，,:：、；;。")
    if len(rest) > 40 or re.search(r"[。；;]", rest):
        return None  # a sentence that starts "第一步，…"
    raw = match["n"] or match["n2"]
    number = int(raw) if raw.isdigit() else _cn_number(raw)
    if number is None:
        return None
    marker = re.sub(r"\s", "", match["marker"])
    title = f"{marker}：{rest}" if rest else marker
    return _Line("heading", title, style="阶段", rank=2, number=number, title=title, pairs=pairs)


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
    ("block", _classify_block),  # 推荐访问, 热门文章: skip the titles under it
    ("header", _classify_header),  # 篇1, 篇一, 第一篇, 范文二, 【模板二】, 报告一, …计划<二>
    ("junk", _classify_junk),  # 时间:, 分享, a blurb, 【打印本页】: skip
    ("addressee", _classify_addressee),  # 各基层工会：(a notice's, not a heading)
    ("phase", _classify_phase),  # 第一阶段：…（3月1日—3月15日）, 第二步, 一期
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
        # Only the numbering counts here: a window, not the rest of the line (quadratic on a long one).
        line = _match_heading(text[match.end() : match.end() + 40])
        if line is not None and (line.style == "（一）" or (line.style in ("一、", "1、") and "、" in line.marker)):
            pieces.append(text[start : match.end()].strip())
            start = match.end()
    pieces.append(text[start:].strip())
    return [piece for piece in pieces if piece]


def _split_title_run_on(text: str) -> list[str]:
    """ "一、强化思想引领1、开展…": a part's title and its first numbered line, the newline lost between."""
    match = re.match(rf"[{_CN_DIGITS}]{{1,3}}、[{_CJK}“”]{{2,30}}?(?=1、)", text)
    return [match[0], text[match.end() :]] if match else [text]


def _starts_a_kind(text: str) -> bool:
    return bool(
        _match_heading(text) or _parse_pairs(text) is not None or _classify_header(text) or _PHASE_RE.match(text)
    )


def _clean_texts(text: str, flagged: list[FlaggedLine]) -> list[str]:
    """The paste's lines cleaned: tables rewritten, converters' garbage cut, broken words joined."""
    texts: list[str] = []
    for raw in untable(text.splitlines()):
        clean = normalise_line(raw)
        if not clean or _match_heading(clean) and not _match_heading(clean).text.strip():
            continue
        if texts and continues_previous(texts[-1], clean) and not _starts_a_kind(clean) and not _is_junk(texts[-1]):
            texts[-1] += clean
        else:
            texts.append(clean)
    return texts


def _read_lines(text: str, flagged: list[FlaggedLine] | None = None) -> list[_Line]:
    """The classified lines of a text, without blanks and junk, up to where the site's own text starts.

    `text` is in simplified characters (plans/importer/script.py); what cleaning cut or skipped is
    added to `flagged`.
    """
    flagged = [] if flagged is None else flagged
    lines = []
    in_block = False
    for clean in _clean_texts(text, flagged):
        for piece in (part for run_on in _split_run_on(clean) for part in _split_title_run_on(run_on)):
            line = _classify(piece)
            if line.kind == "tail":
                return lines
            if line.kind == "block":
                in_block = True
                continue
            if in_block:
                # a block of links runs on over titles; the plan's text comes back with a part or a sentence
                if line.kind in ("heading", "bare", "header", "month") or re.search(r"[，。；,;]", piece):
                    in_block = False
                else:
                    continue
            if line.kind == "paragraph" and is_title_run(line.text):
                flagged.append(FlaggedLine(piece, "title_run"))
                continue
            if line.kind != "junk":
                lines.append(line)
    return lines


def _joined(first: str, second: str) -> str:
    return f"{first}；{second}" if first and second else first or second
