"""时限 of plan items, understood and not just stored (issue 4, item 2).

Plans are pasted from Word, so the 时限 column says what people write: "3月25日前", "6月;12月",
"1-12月", "1、4季度", "4月底前", "每半年一次", "七、八月份", with full-width digits and Chinese
numerals. `parse_deadline` turns that into periods of the plan's year so items can be listed, sorted
and reminded; text it does not understand is kept verbatim, flagged, and given a reason in Chinese.

How it works: `_clean` normalises the text (NFKC, Chinese numerals, 元月, 月份, labels); a table of
whole-text patterns catches the recurring forms (每月, 每半年…); everything else is cut into tokens
by a table of patterns, and the token kinds must spell `_GRAMMAR`: points joined by lists and ranges.

Choices (pinned by the tests):
- A period is (start, end), both inclusive. A "by" deadline gets the time it falls in, not
  (1月1日, day): "3月25日前" is 3/25–3/25, "4月底前" is 4/21–4/30 (底 = 下旬, 初 = 上旬), "年底前"
  is December.
- "4月前" and "第2季度前" are ambiguous (before it starts, or before it ends?), so they are flagged.
- A list stays a list: "七、八月份" is 7月 and 8月 (reminded at the end of each); "七—八月份" is the
  range 7–8月.
- `due` is the end of the last period; None when there is no single last day (recurring or
  unparsed). Reminders use `next_due`, which works for every form.
- 上半年/下半年 and the school terms are single named periods, kind "month" like 4月上旬.
  春季学期 is 2–7月 (the seeds' 学期工作日程安排 runs 二月 … 七月); 秋季学期 is 9–12月: the term runs
  into January but a plan covers its calendar year, so January work is written "次年1月".
- 元月 is January, as official schedules use it. 正月 and 腊月 are lunar months whose dates move
  every year, so they are flagged rather than guessed.
- A written year wins over the plan's ("2025年3月", "次年1月"), so periods may leave the plan's
  year; the normalised text then names the year.
"""

import calendar
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import NamedTuple

__all__ = ["Deadline", "DeadlineKind", "Period", "deadline_sort_key", "parse_deadline"]

HOW_TO_WRITE = "请改写为如“3月25日前”“6-8月”“第2季度”"


class DeadlineKind(StrEnum):
    DATE = "date"  # by a day: 3月25日前
    MONTH = "month"  # one named period: 4月, 4月底前, 4月上旬, 年底前, 上半年, 春季学期
    RANGE = "range"  # 1-12月, 3月至5月, 七—八月份
    QUARTERS = "quarters"  # 1、4季度, 第二季度, 每季度
    LIST = "list"  # several periods: 6月;12月, 七、八月份
    RECURRING = "recurring"  # 每月, 每周, 每半年一次, 每学期, 全年/常年/长期
    UNPARSED = "unparsed"


class Period(NamedTuple):
    start: date
    end: date


@dataclass(frozen=True)
class Deadline:
    text: str  # verbatim, so a flagged 时限 can be shown and fixed as written
    kind: DeadlineKind
    periods: tuple[Period, ...] = ()
    normalized: str = ""
    recurring: bool = False
    reason: str = ""  # why it was not understood; empty when ok

    @property
    def ok(self) -> bool:
        return self.kind != DeadlineKind.UNPARSED

    @property
    def due(self) -> date | None:
        """The last day by which it must be done; None when there is no single one."""
        if self.recurring or not self.periods:
            return None
        return max(period.end for period in self.periods)

    def next_due(self, today: date) -> date | None:
        """The next period end on or after `today`: the day a reminder is about."""
        return min((period.end for period in self.periods if period.end >= today), default=None)


def deadline_sort_key(deadline: Deadline) -> tuple[int, date, date, str]:
    """Dated deadlines first by due day, then recurring ones, then the unparsed for the user to fix."""
    if deadline.due is not None:
        return (0, deadline.due, deadline.periods[0].start, deadline.normalized)
    if deadline.ok:
        return (1, date.max, date.max, deadline.normalized)
    return (2, date.max, date.max, deadline.text)


class _Unreadable(Exception):
    """Control flow only: the reason why text is not a deadline, caught in `parse_deadline`."""


# --- cleaning ------------------------------------------------------------------------------------

_CN_DIGITS = dict(zip("〇零一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_CN_NUMERAL_RE = re.compile(r"[〇零一二两三四五六七八九十]+")
_CN_TENS_RE = re.compile(r"([一二两三四五六七八九])?十([一二三四五六七八九])?")
_LABEL_RE = re.compile(r"^(?:完成)?时[限间](?:要求)?:")
_ISO_DATE_RE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")


def _cn_numeral(match: re.Match[str]) -> str:
    run, after = match.group(), match.string[match.end() : match.end() + 1]
    if "十" in run:
        tens = _CN_TENS_RE.fullmatch(run)
        if not tens:
            return run
        return str((_CN_DIGITS[tens[1]] if tens[1] else 1) * 10 + (_CN_DIGITS[tens[2]] if tens[2] else 0))
    digits = [str(_CN_DIGITS[char]) for char in run]
    if after == "年" or len(digits) == 1:  # 二〇二五年
        return "".join(digits)
    return "、".join(digits)  # 七八月份, 一二月份: July and August, January and February


def _clean(text: str) -> str:
    cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()  # NFKC: １２月, ；, ～
    cleaned = _LABEL_RE.sub("", cleaned).strip(".,;:、。!?")  # "时限：3月25日前", "1月、12月。"
    cleaned = _ISO_DATE_RE.sub(r"\1年\2月\3日", cleaned).replace("元月", "1月")
    return _CN_NUMERAL_RE.sub(_cn_numeral, cleaned).replace("月份", "月")


# --- recurring forms: whole-text patterns ---------------------------------------------------------


def _months(year: int) -> tuple[Period, ...]:
    return tuple(Period(date(year, m, 1), date(year, m, calendar.monthrange(year, m)[1])) for m in range(1, 13))


def _monthly_day(year: int, match: re.Match[str]) -> tuple[Period, ...]:
    day = int(match[1])
    if not 1 <= day <= 31:
        raise _Unreadable(f"每月没有{day}日。")
    # 每月31日 falls on the last day of shorter months rather than skipping them.
    days = (date(year, m, min(day, calendar.monthrange(year, m)[1])) for m in range(1, 13))
    return tuple(Period(d, d) for d in days)


def _weeks(year: int) -> tuple[Period, ...]:
    """Monday to Sunday, as 周 is counted here; the first and last week are cut at the year's edges."""
    weeks: list[Period] = []
    start = date(year, 1, 1)
    while start.year == year:
        end = min(start + timedelta(days=6 - start.weekday()), date(year, 12, 31))
        weeks.append(Period(start, end))
        start = end + timedelta(days=1)
    return tuple(weeks)


def _quarters(year: int) -> tuple[Period, ...]:
    return tuple(_quarter(year, q) for q in range(1, 5))


def _halves(year: int) -> tuple[Period, ...]:
    return (_HALVES["上"](year), _HALVES["下"](year))


def _terms(year: int) -> tuple[Period, ...]:
    return (_TERMS["春"](year), _TERMS["秋"](year))


def _whole_year(year: int) -> tuple[Period, ...]:
    return (Period(date(year, 1, 1), date(year, 12, 31)),)


_TIMES = r"(?:\d次)?"  # 每半年一次, 每月两次: how often does not change the periods
type _Periods = Callable[[int, re.Match[str]], tuple[Period, ...]]
# (pattern, kind, normalized form as a match template, periods of the year)
_RECURRING: tuple[tuple[re.Pattern[str], DeadlineKind, str, _Periods], ...] = (
    (re.compile(r"每个?月" + _TIMES), DeadlineKind.RECURRING, "每月", lambda y, _: _months(y)),
    (re.compile(r"每个?月(\d{1,2})[日号](前)?"), DeadlineKind.RECURRING, r"每月\1日\2", _monthly_day),
    (re.compile(r"每周" + _TIMES), DeadlineKind.RECURRING, "每周", lambda y, _: _weeks(y)),
    (re.compile(r"每个?季度?" + _TIMES), DeadlineKind.QUARTERS, "每季度", lambda y, _: _quarters(y)),
    (re.compile(r"每半年" + _TIMES), DeadlineKind.RECURRING, "每半年", lambda y, _: _halves(y)),
    (re.compile(r"每学期" + _TIMES), DeadlineKind.RECURRING, "每学期", lambda y, _: _terms(y)),
    (re.compile(r"全年度?|常年|长期|每年" + _TIMES), DeadlineKind.RECURRING, "全年", lambda y, _: _whole_year(y)),
)


_WEEKDAYS = "一二三四五六日"


def _weekday(char: str) -> int:
    """0 = Monday … 6 = Sunday, from the cleaned text's 1–7, 日 or 天."""
    return 6 if char in "日天7" else int(char) - 1


def _days_of(year: int, pick: Callable[[date], bool]) -> tuple[Period, ...]:
    first = date(year, 1, 1)
    days = (first + timedelta(days=n) for n in range(366 if calendar.isleap(year) else 365))
    return tuple(Period(d, d) for d in days if pick(d))


def _weekly_on(year: int, match: re.Match[str]) -> tuple[DeadlineKind, tuple[Period, ...], str]:
    weekday, part = _weekday(match[1]), match[2] or ""  # 每周五下午: the part of the day is kept
    days = _days_of(year, lambda d: d.weekday() == weekday)
    return DeadlineKind.RECURRING, days, f"每周{_WEEKDAYS[weekday]}{part}"


def _nth_weekday(year: int, match: re.Match[str]) -> tuple[DeadlineKind, tuple[Period, ...], str]:
    weekday = _weekday(match[2])
    if match[1] is None:  # 每月最后一个周五: the week that holds the month's last seven days
        days = _days_of(year, lambda d: d.weekday() == weekday and d.day + 7 > calendar.monthrange(year, d.month)[1])
        return DeadlineKind.RECURRING, days, f"每月最后一个周{_WEEKDAYS[weekday]}"
    nth = int(match[1])
    if not 1 <= nth <= 4:
        raise _Unreadable("“每月第几个星期几”只能是第一至第四个。")
    days = _days_of(year, lambda d: d.weekday() == weekday and (d.day - 1) // 7 == nth - 1)
    return DeadlineKind.RECURRING, days, f"每月第{'一二三四'[nth - 1]}个周{_WEEKDAYS[weekday]}"


def _month_ends(year: int, months: range) -> tuple[Period, ...]:
    return tuple(Period(date(year, m, 21), date(year, m, calendar.monthrange(year, m)[1])) for m in months)


def _fortnights(year: int) -> tuple[Period, ...]:
    weeks = _weeks(year)
    return tuple(Period(weeks[i].start, weeks[min(i + 1, len(weeks) - 1)].end) for i in range(0, len(weeks), 2))


def _around_labour_day(year: int) -> tuple[Period, ...]:
    return (Period(date(year, 4, 24), date(year, 5, 8)),)


def _winter_break(year: int) -> tuple[Period, ...]:
    return (Period(date(year, 1, 15), date(year, 2, calendar.monthrange(year, 2)[1])),)


type _Rule = Callable[[int, re.Match[str]], tuple[DeadlineKind, tuple[Period, ...], str]]
# Recurring and loose phrases plans really use (issue 15), on the cleaned text: 每周五 is "每周5".
# Choices: 每月月底 and 每季度末 are the last ten days (底 = 下旬, as "4月底前"); 两周一次 counts
# fortnights from the year's first week; 五一前后 is a week either side of 5月1日; 暑期 is July and
# August; 寒假 is 1月15日 to the end of February; 年关 is the 两节 season, December to next January.
_LOOSE: tuple[tuple[re.Pattern[str], _Rule], ...] = (
    (re.compile(r"每个?周(?:星期|礼拜)?([1-7日天])(上午|下午|晚上)?"), _weekly_on),
    (re.compile(r"每个?月(?:第([1-9])|最后1?)个?(?:周|星期|礼拜)([1-7日天])"), _nth_weekday),
    (
        re.compile(r"每个?月(?:月)?[底末]"),
        lambda y, _: (DeadlineKind.RECURRING, _month_ends(y, range(1, 13)), "每月月底"),
    ),
    (
        re.compile(r"每个?季度?[底末]"),
        lambda y, _: (DeadlineKind.RECURRING, _month_ends(y, range(3, 13, 3)), "每季度末"),
    ),
    (
        re.compile(r"每个?季度?(?:的)?第1个?月"),
        lambda y, _: (DeadlineKind.RECURRING, tuple(_months(y)[m - 1] for m in (1, 4, 7, 10)), "每季度第一个月"),
    ),
    (
        re.compile(r"(?:(?:每)?2周1次|每2周" + _TIMES + r"|隔周)(?:(?:的)?(?:周|星期|礼拜)([1-7日天]))?"),
        lambda y, m: (
            DeadlineKind.RECURRING,
            _fortnights(y),
            "两周一次" + (f"（周{_WEEKDAYS[_weekday(m[1])]}）" if m[1] else ""),
        ),
    ),
    (re.compile(r"(?:5、1|劳动节)前后"), lambda y, _: (DeadlineKind.MONTH, _around_labour_day(y), "五一前后")),
    (
        re.compile(r"暑[期假](?:期间)?"),
        lambda y, _: (DeadlineKind.RANGE, (Period(date(y, 7, 1), date(y, 8, 31)),), "暑期"),
    ),
    (re.compile(r"寒假(?:期间)?"), lambda y, _: (DeadlineKind.RANGE, _winter_break(y), "寒假")),
    (
        re.compile(r"年关(?:前)?"),
        lambda y, _: (DeadlineKind.RANGE, (Period(date(y, 12, 1), date(y + 1, 1, 31)),), "年关"),
    ),
)


# --- everything else: tokens and a grammar over their kinds --------------------------------------

_YEAR = r"(?:(\d{4})|([今本明次翌来]))"
_TOKENS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("year_end", re.compile(_YEAR + r"?年[底末终]")),
    ("year", re.compile(_YEAR + r"年")),
    ("half", re.compile(r"([上下])半年度?")),
    ("term", re.compile(r"([春秋])季?学期")),
    # "8月15前": a day without 日, when a deadline word, a list or a range mark or the end follows.
    ("date", re.compile(r"(\d{1,2})月(\d{1,2})(?:[日号]|(?=以前|之前|前|[、,;/和及与]|[-—–―~〜]|至|到|$))")),
    ("month", re.compile(r"(\d{1,2})月(上旬|中旬|下旬|初|中|底|末)?")),
    ("quarter", re.compile(r"第?(\d{1,2})季度?|Q(\d)")),
    ("num", re.compile(r"第?(\d{1,2})")),  # 1-12月, 1、4季度: the unit comes from the next point
    ("by", re.compile(r"以前|之前|前")),
    ("list", re.compile(r"[、,;/和及与]")),
    ("range", re.compile(r"[-—–―~〜]+|至|到")),
    ("filler", re.compile(r"左右|期间|以内|内|完成")),
)
_POINTS = frozenset({"year_end", "half", "term", "date", "month", "quarter", "num"})
# P = a point, R = a range mark, L = a list mark: "1-12月" is PRP, "1、4季度" is PLP.
_GRAMMAR = re.compile(r"P(?:RP)?(?:LP(?:RP)?)*")
_HINTS = (
    (re.compile(r"[正腊]月"), "“正月”“腊月”是农历月份，每年的公历日期不同，请改写为公历月份，如“2月”。"),
    (re.compile(r"[X×]{2}年"), "年份是“20xx”这样的占位符，请写明年份或不写年份，如“3月25日前”。"),
)
# 底 and 初 are the last and first ten days: 4月底 is 4/21–4/30.
_MONTH_PARTS = {
    None: ("", 1, 31),
    "上旬": ("上旬", 1, 10),
    "初": ("上旬", 1, 10),
    "中旬": ("中旬", 11, 20),
    "中": ("中旬", 11, 20),
    "下旬": ("下旬", 21, 31),
    "底": ("底", 21, 31),
    "末": ("底", 21, 31),
}
_HALVES = {
    "上": lambda y: Period(date(y, 1, 1), date(y, 6, 30)),
    "下": lambda y: Period(date(y, 7, 1), date(y, 12, 31)),
}
_TERMS = {
    "春": lambda y: Period(date(y, 2, 1), date(y, 7, 31)),
    "秋": lambda y: Period(date(y, 9, 1), date(y, 12, 31)),
}


class _Token(NamedTuple):
    kind: str
    groups: tuple[str | None, ...]
    text: str


@dataclass
class _Point:
    token: _Token
    year: int
    by: bool = False


class _Span(NamedTuple):
    period: Period
    label: str
    unit: str  # "month" (a plain month), "quarter", "date" or "" — decides kind and compact labels
    number: int = 0  # the month or quarter, for "1–12月" and "第1、4季度"
    year: int = 0


def _tokenize(cleaned: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(cleaned):
        for kind, pattern in _TOKENS:
            if match := pattern.match(cleaned, pos):
                tokens.append(_Token(kind, match.groups(), match.group()))
                pos = match.end()
                break
        else:
            raise _Unreadable("")
    return tokens


def _year_of(token: _Token, plan_year: int, current: int) -> int:
    digits, word = token.groups[0], token.groups[1]
    if digits:
        return int(digits)
    if word:
        return plan_year if word in "今本" else plan_year + 1
    return current


def _points(tokens: list[_Token], plan_year: int) -> tuple[str, list[_Point]]:
    """The grammar symbols and the points; a written year holds for the points after it."""
    symbols: list[str] = []
    points: list[_Point] = []
    year, year_waiting = plan_year, False
    for token in tokens:
        if token.kind in ("year", "year_end"):
            year = _year_of(token, plan_year, year)
        if token.kind == "year":
            year_waiting = True
        elif token.kind in _POINTS:
            symbols.append("P")
            points.append(_Point(token, year))
            year_waiting = False
        elif year_waiting or (token.kind == "by" and symbols[-1:] != ["P"]):
            raise _Unreadable("")
        elif token.kind == "by":
            points[-1].by = True
        elif token.kind != "filler":
            symbols.append("L" if token.kind == "list" else "R")
    if year_waiting:
        raise _Unreadable("")
    return "".join(symbols), points


def _lend_units(points: list[_Point]) -> None:
    """A bare number takes the unit of the next point that has one: 1、4季度 is 第1季度 and 第4季度."""
    template: _Point | None = None
    for point in reversed(points):
        if point.token.kind == "num" and template is not None:
            number = point.token.groups[0] or ""
            unit = template.token.text.lstrip("第Q0123456789")  # 月, 月底, 季度: for messages
            point.token = _Token(template.token.kind, (number, *template.token.groups[1:]), number + unit)
            point.by = point.by or template.by
        elif point.token.kind in ("month", "quarter"):
            template = point
        elif point.token.kind != "num":
            template = None


def _quarter(year: int, q: int) -> Period:
    if not 1 <= q <= 4:
        raise _Unreadable(f"没有第{q}季度，季度只能是第1至第4季度。")
    return Period(date(year, 3 * q - 2, 1), date(year, 3 * q, calendar.monthrange(year, 3 * q)[1]))


def _span(point: _Point, plan_year: int) -> _Span:
    kind, groups, year = point.token.kind, point.token.groups, point.year
    prefix = f"{year}年" if year != plan_year else ""
    if kind == "num":
        raise _Unreadable("")
    if point.by and (kind in ("quarter", "half", "term") or (kind == "month" and groups[1] is None)):
        raise _Unreadable(
            f"“{point.token.text}前”有歧义：可理解为它开始之前，也可理解为它结束之前。"
            "请写明，如“3月底前”“3月25日前”“6月30日前”。"
        )
    by = "前" if point.by else ""
    if kind == "date":
        month, day = int(groups[0]), int(groups[1])
        try:
            when = date(year, month, day)
        except ValueError:
            days = f"{year}年{month}月只有{calendar.monthrange(year, month)[1]}天" if 1 <= month <= 12 else "没有这个月"
            raise _Unreadable(f"“{month}月{day}日”不是有效日期（{days}）。") from None
        return _Span(Period(when, when), f"{prefix}{month}月{day}日{by}", "date", year=year)
    if kind == "month":
        month = int(groups[0])
        if not 1 <= month <= 12:
            raise _Unreadable(f"没有{month}月。")
        name, first, last = _MONTH_PARTS[groups[1]]
        last = min(last, calendar.monthrange(year, month)[1])
        unit = "" if name else "month"
        return _Span(
            Period(date(year, month, first), date(year, month, last)), f"{prefix}{month}月{name}{by}", unit, month, year
        )
    if kind == "quarter":
        q = int(groups[0] or groups[1])
        return _Span(_quarter(year, q), f"{prefix}第{q}季度", "quarter", q, year)
    if kind == "half":
        return _Span(_HALVES[groups[0]](year), f"{prefix}{groups[0]}半年", "")
    if kind == "term":
        return _Span(_TERMS[groups[0]](year), f"{prefix}{groups[0]}季学期", "")
    return _Span(Period(date(year, 12, 1), date(year, 12, 31)), f"{prefix}年底{by}", "")  # year_end


def _range(first: _Span, last: _Span, plan_year: int) -> _Span:
    if last.period.end < first.period.start:
        raise _Unreadable("起止颠倒：结束早于开始。跨年请写“次年”，如“12月至次年1月”。")
    period = Period(first.period.start, last.period.end)
    if first.unit == last.unit and first.unit in ("month", "quarter") and first.year == last.year:
        prefix = f"{first.year}年" if first.year != plan_year else ""
        if first.unit == "month":
            return _Span(period, f"{prefix}{first.number}–{last.number}月", "range")
        return _Span(period, f"{prefix}第{first.number}–{last.number}季度", "range")
    return _Span(period, f"{first.label}–{last.label}", "range")


def _parse(cleaned: str, year: int) -> tuple[DeadlineKind, tuple[Period, ...], str]:
    symbols, points = _points(_tokenize(cleaned), year)
    if not _GRAMMAR.fullmatch(symbols):
        raise _Unreadable("")
    _lend_units(points)
    spans: list[_Span] = []
    remaining = iter(points)
    for item in symbols.split("L"):
        span = _span(next(remaining), year)
        if item == "PRP":
            span = _range(span, _span(next(remaining), year), year)
        spans.append(span)
    unique: dict[Period, _Span] = {}
    for span in spans:  # "6月、6月" is one period; the first spelling wins
        unique.setdefault(span.period, span)
    spans = sorted(unique.values())
    periods = tuple(span.period for span in spans)
    units = {span.unit for span in spans}
    if len(spans) > 1:
        if units == {"quarter"} and len({span.year for span in spans}) == 1:
            prefix = f"{spans[0].year}年" if spans[0].year != year else ""
            return DeadlineKind.QUARTERS, periods, f"{prefix}第{'、'.join(str(s.number) for s in spans)}季度"
        return DeadlineKind.LIST, periods, "、".join(span.label for span in spans)
    kinds = {"date": DeadlineKind.DATE, "range": DeadlineKind.RANGE, "quarter": DeadlineKind.QUARTERS}
    return kinds.get(spans[0].unit, DeadlineKind.MONTH), periods, spans[0].label


def parse_deadline(text: str, year: int) -> Deadline:
    """Understand a 时限 as written in a plan of `year`; bad text is flagged, never raised."""
    text = text or ""
    cleaned = _clean(text)
    try:
        if not cleaned:
            raise _Unreadable(f"时限为空，{HOW_TO_WRITE}。")
        for pattern, kind, label, periods in _RECURRING:
            if match := pattern.fullmatch(cleaned):
                return Deadline(text, kind, periods(year, match), match.expand(label), recurring=True)
        for pattern, rule in _LOOSE:
            if match := pattern.fullmatch(cleaned):
                kind, found, normalized = rule(year, match)
                return Deadline(text, kind, found, normalized, recurring=kind == DeadlineKind.RECURRING)
        return Deadline(text, *_parse(cleaned, year))
    except _Unreadable as error:
        hint = next((reason for pattern, reason in _HINTS if pattern.search(cleaned)), "")
        reason = str(error) or hint or f"无法识别的时限：“{text.strip()}”，{HOW_TO_WRITE}。"
        return Deadline(text, DeadlineKind.UNPARSED, normalized=text.strip(), reason=reason)
