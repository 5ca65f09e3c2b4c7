"""plans.deadlines: the 时限 of plan items as written in real 工会工作计划, understood or flagged."""

import calendar
import dataclasses
import itertools
from datetime import date

import pytest

from plans.deadlines import Deadline, DeadlineKind, Period, deadline_sort_key, parse_deadline

YEAR = 2024  # a leap year, so 2月 has 29 days


def day(month: int, d: int, year: int = YEAR) -> Period:
    return Period(date(year, month, d), date(year, month, d))


def month(m: int, year: int = YEAR) -> Period:
    return Period(date(year, m, 1), date(year, m, calendar.monthrange(year, m)[1]))


def span(first: int, last: int, year: int = YEAR) -> Period:
    return Period(month(first, year).start, month(last, year).end)


# text, kind, periods, due, normalized: every form named in issue 4 item 2, and the ones the brief adds.
FORMS = [
    ("3月25日前", "date", (day(3, 25),), date(2024, 3, 25), "3月25日前"),
    ("6月;12月", "list", (month(6), month(12)), date(2024, 12, 31), "6月、12月"),
    ("1-12月", "range", (span(1, 12),), date(2024, 12, 31), "1–12月"),
    ("1、4季度", "quarters", (span(1, 3), span(10, 12)), date(2024, 12, 31), "第1、4季度"),
    ("4月底前", "month", (Period(date(2024, 4, 21), date(2024, 4, 30)),), date(2024, 4, 30), "4月底前"),
    ("每半年一次", "recurring", (span(1, 6), span(7, 12)), None, "每半年"),
    # A list stays a list: July and August, reminded at the end of each.
    ("七、八月份", "list", (month(7), month(8)), date(2024, 8, 31), "7月、8月"),
    # ... while a dash makes it one period.
    ("七—八月份", "range", (span(7, 8),), date(2024, 8, 31), "7–8月"),
    ("4月", "month", (month(4),), date(2024, 4, 30), "4月"),
    ("4月上旬", "month", (Period(date(2024, 4, 1), date(2024, 4, 10)),), date(2024, 4, 10), "4月上旬"),
    ("4月中旬", "month", (Period(date(2024, 4, 11), date(2024, 4, 20)),), date(2024, 4, 20), "4月中旬"),
    ("2月下旬", "month", (Period(date(2024, 2, 21), date(2024, 2, 29)),), date(2024, 2, 29), "2月下旬"),
    ("4月初", "month", (Period(date(2024, 4, 1), date(2024, 4, 10)),), date(2024, 4, 10), "4月上旬"),
    ("年底前", "month", (month(12),), date(2024, 12, 31), "年底前"),
    ("年末", "month", (month(12),), date(2024, 12, 31), "年底"),
    ("上半年", "month", (span(1, 6),), date(2024, 6, 30), "上半年"),
    ("下半年", "month", (span(7, 12),), date(2024, 12, 31), "下半年"),
    ("春季学期", "month", (span(2, 7),), date(2024, 7, 31), "春季学期"),
    ("秋季学期", "month", (span(9, 12),), date(2024, 12, 31), "秋季学期"),
    ("3月至5月", "range", (span(3, 5),), date(2024, 5, 31), "3–5月"),
    ("3—5月", "range", (span(3, 5),), date(2024, 5, 31), "3–5月"),
    ("3月到5月", "range", (span(3, 5),), date(2024, 5, 31), "3–5月"),
    ("3~5月", "range", (span(3, 5),), date(2024, 5, 31), "3–5月"),
    ("3月5日至4月10日", "range", (Period(date(2024, 3, 5), date(2024, 4, 10)),), date(2024, 4, 10), "3月5日–4月10日"),
    ("第二季度", "quarters", (span(4, 6),), date(2024, 6, 30), "第2季度"),
    ("一季度", "quarters", (span(1, 3),), date(2024, 3, 31), "第1季度"),
    ("Q3", "quarters", (span(7, 9),), date(2024, 9, 30), "第3季度"),
    ("第1-2季度", "range", (span(1, 6),), date(2024, 6, 30), "第1–2季度"),
    ("3月、9月", "list", (month(3), month(9)), date(2024, 9, 30), "3月、9月"),
    ("3月和9月", "list", (month(3), month(9)), date(2024, 9, 30), "3月、9月"),
    ("6月及12月", "list", (month(6), month(12)), date(2024, 12, 31), "6月、12月"),
    ("6月与12月", "list", (month(6), month(12)), date(2024, 12, 31), "6月、12月"),
    ("12月、6月", "list", (month(6), month(12)), date(2024, 12, 31), "6月、12月"),
    ("3月25日前、6月", "list", (day(3, 25), month(6)), date(2024, 6, 30), "3月25日前、6月"),
    ("1-3月、10-12月", "list", (span(1, 3), span(10, 12)), date(2024, 12, 31), "1–3月、10–12月"),
    ("3月25日以前", "date", (day(3, 25),), date(2024, 3, 25), "3月25日前"),
    ("3月25日之前完成", "date", (day(3, 25),), date(2024, 3, 25), "3月25日前"),
    ("3月25号左右", "date", (day(3, 25),), date(2024, 3, 25), "3月25日"),
    ("5月期间", "month", (month(5),), date(2024, 5, 31), "5月"),
    ("5月内", "month", (month(5),), date(2024, 5, 31), "5月"),
    ("3月、", "month", (month(3),), date(2024, 3, 31), "3月"),  # trailing punctuation of a pasted line
    ("2024-03-25", "date", (day(3, 25),), date(2024, 3, 25), "3月25日"),
]


def fridays(year: int = YEAR) -> tuple[Period, ...]:
    first = date(year, 1, 5)  # 2024-01-05 is a Friday
    return tuple(Period(d, d) for d in (date.fromordinal(first.toordinal() + 7 * n) for n in range(52)))


# Issue 15: the recurring and loose phrases plans really use, each with its reading.
FORMS += [
    ("每周五", "recurring", fridays(), None, "每周五"),
    ("每周星期五", "recurring", fridays(), None, "每周五"),
    ("每周五下午", "recurring", fridays(), None, "每周五下午"),
    (
        "每月第一个周三",
        "recurring",
        tuple(day(m, d) for m, d in zip(range(1, 13), (3, 7, 6, 3, 1, 5, 3, 7, 4, 2, 6, 4), strict=True)),
        None,
        "每月第一个周三",
    ),
    (
        "每月最后一个周五",
        "recurring",
        tuple(day(m, d) for m, d in zip(range(1, 13), (26, 23, 29, 26, 31, 28, 26, 30, 27, 25, 29, 27), strict=True)),
        None,
        "每月最后一个周五",
    ),
    (
        "每月月底",
        "recurring",
        tuple(Period(date(YEAR, m, 21), month(m).end) for m in range(1, 13)),
        None,
        "每月月底",
    ),
    ("每季度末", "recurring", tuple(Period(date(YEAR, m, 21), month(m).end) for m in (3, 6, 9, 12)), None, "每季度末"),
    ("每季度第一个月", "recurring", tuple(month(m) for m in (1, 4, 7, 10)), None, "每季度第一个月"),
    ("每学期", "recurring", (span(2, 7), span(9, 12)), None, "每学期"),
    ("每半年", "recurring", (span(1, 6), span(7, 12)), None, "每半年"),
    ("五一前后", "month", (Period(date(2024, 4, 24), date(2024, 5, 8)),), date(2024, 5, 8), "五一前后"),
    ("暑期", "range", (span(7, 8),), date(2024, 8, 31), "暑期"),
    ("寒假", "range", (Period(date(2024, 1, 15), date(2024, 2, 29)),), date(2024, 2, 29), "寒假"),
    ("年关", "range", (Period(date(2024, 12, 1), date(2025, 1, 31)),), date(2025, 1, 31), "年关"),
    ("8月15前", "date", (day(8, 15),), date(2024, 8, 15), "8月15日前"),
]


def test_two_weeks_once_is_every_other_week() -> None:
    deadline = parse_deadline("两周一次", YEAR)
    assert (deadline.kind, deadline.normalized, deadline.recurring) == ("recurring", "两周一次", True)
    assert deadline.periods[0] == Period(date(2024, 1, 1), date(2024, 1, 14))
    assert all((b.start - a.start).days == 14 for a, b in itertools.pairwise(deadline.periods))
    assert parse_deadline("每两周", YEAR).periods == deadline.periods
    on_friday = parse_deadline("隔周周五", YEAR)
    assert (on_friday.normalized, on_friday.periods) == ("两周一次（周五）", deadline.periods)


@pytest.mark.parametrize(("text", "kind", "periods", "due", "normalized"), FORMS, ids=[f[0] for f in FORMS])
def test_forms_plans_use(text: str, kind: str, periods: tuple[Period, ...], due: date | None, normalized: str) -> None:
    deadline = parse_deadline(text, YEAR)
    assert (deadline.kind, deadline.periods, deadline.due, deadline.normalized) == (kind, periods, due, normalized)
    assert deadline.ok
    assert deadline.text == text
    assert deadline.reason == ""


@pytest.mark.parametrize("text", [f[0] for f in FORMS])
def test_normalized_text_reads_back_the_same(text: str) -> None:
    """What we display can be pasted back (e.g. into next year's plan) and means the same."""
    deadline = parse_deadline(text, YEAR)
    again = parse_deadline(deadline.normalized, YEAR)
    assert (again.kind, again.periods, again.normalized) == (deadline.kind, deadline.periods, deadline.normalized)


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("３月２５日前", "3月25日前"),
        ("６月；１２月", "6月、12月"),
        ("１－１２月", "1–12月"),
        ("１、４季度", "第1、4季度"),
        ("３月～５月", "3–5月"),
        ("Ｑ２", "第2季度"),
        (" 3 月 25 日 前 ", "3月25日前"),
        ("三月二十五日前", "3月25日前"),
        ("十二月", "12月"),
        ("十一、十二月", "11月、12月"),
        ("一二月份", "1月、2月"),
        ("元月", "1月"),
        ("第一、四季度", "第1、4季度"),
        ("四季度", "第4季度"),
        ("三月至五月", "3–5月"),
        ("六月三十日前", "6月30日前"),
    ],
)
def test_full_width_digits_and_chinese_numerals(text: str, normalized: str) -> None:
    assert parse_deadline(text, YEAR).normalized == normalized


def test_written_year_wins_over_the_plan_year_and_is_kept() -> None:
    assert parse_deadline("2024年3月", YEAR).normalized == "3月"
    written = parse_deadline("2025年3月", YEAR)
    assert (written.periods, written.normalized) == ((month(3, 2025),), "2025年3月")
    assert parse_deadline("二〇二五年三月", YEAR).periods == (month(3, 2025),)
    assert parse_deadline("今年十月份", YEAR).periods == (month(10),)


def test_next_year_crosses_the_year_end() -> None:
    january = parse_deadline("次年1月", YEAR)
    assert (january.periods, january.normalized) == ((month(1, 2025),), "2025年1月")
    winter = parse_deadline("12月至次年1月", YEAR)
    assert winter.kind == "range"
    assert winter.periods == (Period(date(2024, 12, 1), date(2025, 1, 31)),)
    assert winter.due == date(2025, 1, 31)
    assert winter.normalized == "12月–2025年1月"


def test_next_due_moves_through_a_list() -> None:
    twice = parse_deadline("6月;12月", YEAR)
    assert twice.next_due(date(2024, 1, 15)) == date(2024, 6, 30)
    assert twice.next_due(date(2024, 6, 30)) == date(2024, 6, 30)  # due today still needs doing
    assert twice.next_due(date(2024, 7, 1)) == date(2024, 12, 31)
    assert twice.next_due(date(2025, 1, 1)) is None


def test_next_due_of_a_single_deadline() -> None:
    assert parse_deadline("3月25日前", YEAR).next_due(date(2024, 3, 1)) == date(2024, 3, 25)
    assert parse_deadline("3月25日前", YEAR).next_due(date(2024, 3, 26)) is None


@pytest.mark.parametrize(
    ("text", "kind", "normalized", "today", "next_due", "count"),
    [
        ("每月", "recurring", "每月", date(2024, 2, 10), date(2024, 2, 29), 12),
        ("每个月一次", "recurring", "每月", date(2024, 12, 31), date(2024, 12, 31), 12),
        ("每月10日前", "recurring", "每月10日前", date(2024, 2, 11), date(2024, 3, 10), 12),
        ("每周", "recurring", "每周", date(2024, 3, 6), date(2024, 3, 10), 53),  # Wednesday → Sunday
        ("每季度", "quarters", "每季度", date(2024, 5, 1), date(2024, 6, 30), 4),
        ("每半年一次", "recurring", "每半年", date(2024, 7, 1), date(2024, 12, 31), 2),
        ("每学期", "recurring", "每学期", date(2024, 8, 1), date(2024, 12, 31), 2),
        ("全年", "recurring", "全年", date(2024, 8, 1), date(2024, 12, 31), 1),
        ("常年", "recurring", "全年", date(2024, 8, 1), date(2024, 12, 31), 1),
        ("长期", "recurring", "全年", date(2024, 8, 1), date(2024, 12, 31), 1),
        ("每年一次", "recurring", "全年", date(2024, 8, 1), date(2024, 12, 31), 1),
    ],
)
def test_recurring(text: str, kind: str, normalized: str, today: date, next_due: date, count: int) -> None:
    deadline = parse_deadline(text, YEAR)
    assert (deadline.kind, deadline.normalized, deadline.recurring) == (kind, normalized, True)
    assert deadline.due is None  # no single last day: reminders use next_due
    assert deadline.next_due(today) == next_due
    assert len(deadline.periods) == count


def test_weeks_run_monday_to_sunday_and_stop_at_the_year_edges() -> None:
    weeks = parse_deadline("每周", 2025).periods  # 2025-01-01 is a Wednesday
    assert weeks[0] == Period(date(2025, 1, 1), date(2025, 1, 5))
    assert weeks[1] == Period(date(2025, 1, 6), date(2025, 1, 12))
    assert weeks[-1] == Period(date(2025, 12, 29), date(2025, 12, 31))


def test_monthly_day_falls_on_the_last_day_of_short_months() -> None:
    assert parse_deadline("每月31日", 2025).periods[1] == day(2, 28, 2025)


@pytest.mark.parametrize(
    ("text", "reason_has"),
    [
        ("2月30日", "2024年2月只有29天"),
        ("2月29日", None),  # valid in a leap year ...
        ("4月31日前", "4月只有30天"),
        ("13月", "没有13月"),
        ("3月0日", "不是有效日期"),
        ("5季度", "没有第5季度"),
        ("12月至1月", "次年"),
        ("每月32日", "每月没有32日"),
    ],
)
def test_invalid_dates_are_flagged_with_a_reason(text: str, reason_has: str | None) -> None:
    deadline = parse_deadline(text, YEAR)
    if reason_has is None:
        assert deadline.ok
        return
    assert deadline.kind == "unparsed"
    assert reason_has in deadline.reason


def test_february_29_in_a_common_year() -> None:
    deadline = parse_deadline("2月29日", 2025)
    assert not deadline.ok
    assert "2025年2月只有28天" in deadline.reason


@pytest.mark.parametrize(
    ("text", "reason_has"),
    [
        ("4月前", "有歧义"),  # before April starts, or before it ends?
        ("第2季度前", "有歧义"),
        ("3、4月前", "“3月前”有歧义"),
        ("正月", "农历"),  # lunar months move every year
        ("腊月底前", "农历"),
        ("20xx年底", "20xx"),
        ("", "时限为空"),
        ("   ", "时限为空"),
        ("时限：", "时限为空"),
        ("待定", "无法识别的时限：“待定”，请改写为如“3月25日前”“6-8月”“第2季度”"),
        ("尽快", "无法识别的时限"),
        ("两个月内", "无法识别的时限"),
        ("3月、、4月", "无法识别的时限"),
        ("2024年", "无法识别的时限"),
        ("1、4", "无法识别的时限"),
        ("5日", "无法识别的时限"),
        ("3-5-7月", "无法识别的时限"),
        ("前3月", "无法识别的时限"),
    ],
)
def test_unparseable_text_is_kept_verbatim_and_flagged(text: str, reason_has: str) -> None:
    deadline = parse_deadline(text, YEAR)
    assert deadline.kind == DeadlineKind.UNPARSED
    assert not deadline.ok
    assert deadline.text == text
    assert deadline.normalized == text.strip()
    assert (deadline.periods, deadline.due, deadline.next_due(date(2024, 1, 1))) == ((), None, None)
    assert reason_has in deadline.reason


def test_sorting_puts_dated_first_by_due_then_recurring_then_unparsed() -> None:
    texts = ["待定", "每月", "6月;12月", "3月25日前", "全年", "4月底前", "2月30日", "1、4季度", "上半年"]
    ordered = sorted((parse_deadline(text, YEAR) for text in texts), key=deadline_sort_key)
    assert [d.text for d in ordered] == [
        "3月25日前",
        "4月底前",
        "上半年",
        "1、4季度",  # due 12/31 like 6月;12月: the earlier start comes first
        "6月;12月",
        "全年",
        "每月",
        "2月30日",
        "待定",
    ]


def test_deadline_is_frozen() -> None:
    deadline = parse_deadline("3月25日前", YEAR)
    assert isinstance(deadline, Deadline)
    with pytest.raises(dataclasses.FrozenInstanceError):
        deadline.text = "4月"  # type: ignore[misc]


# Real 时限 from the seed plans (/work/shared/seeds/*.txt), copied as written, with trailing
# punctuation, 份, labels and the narrative around them. Expected kind, normalized form and due day;
# narrative sentences (not a deadline) must come back unparsed.
SEED_DEADLINES = [
    # 004 工会工作计划表篇一: the 时限 lines
    ("时限：3月25日前", "date", "3月25日前", date(2024, 3, 25)),
    ("6月;12月", "list", "6月、12月", date(2024, 12, 31)),
    ("3月;11月", "list", "3月、11月", date(2024, 11, 30)),
    ("4月;10月", "list", "4月、10月", date(2024, 10, 31)),
    ("1-12月", "range", "1–12月", date(2024, 12, 31)),
    ("1、4季度", "quarters", "第1、4季度", date(2024, 12, 31)),
    ("3、11月，", "list", "3月、11月", date(2024, 11, 30)),
    ("1月、12月。", "list", "1月、12月", date(2024, 12, 31)),
    ("每半年一次", "recurring", "每半年", None),
    # 004 篇二/篇五/篇八 and 001: month-by-month schedules
    ("2月", "month", "2月", date(2024, 2, 29)),
    ("二月：", "month", "2月", date(2024, 2, 29)),
    ("七月：", "month", "7月", date(2024, 7, 31)),
    ("九月份", "month", "9月", date(2024, 9, 30)),
    ("六月份", "month", "6月", date(2024, 6, 30)),
    ("七、八月份", "list", "7月、8月", date(2024, 8, 31)),
    ("一二月份：", "list", "1月、2月", date(2024, 2, 29)),
    ("七八月份：", "list", "7月、8月", date(2024, 8, 31)),
    ("十一月份：", "month", "11月", date(2024, 11, 30)),
    ("十二月份：", "month", "12月", date(2024, 12, 31)),
    ("三月份:", "month", "3月", date(2024, 3, 31)),
    ("七—八月份:", "range", "7–8月", date(2024, 8, 31)),
    # phrases inside items
    ("3月底前完成", "month", "3月底前", date(2024, 3, 31)),
    ("4月底前完成", "month", "4月底前", date(2024, 4, 30)),
    ("4月底前", "month", "4月底前", date(2024, 4, 30)),
    ("年底前", "month", "年底前", date(2024, 12, 31)),
    ("9月份完成", "month", "9月", date(2024, 9, 30)),
    ("4月底", "month", "4月底", date(2024, 4, 30)),
    ("今年十月份", "month", "10月", date(2024, 10, 31)),
    ("十一月", "month", "11月", date(2024, 11, 30)),
    ("6月20日", "date", "6月20日", date(2024, 6, 20)),
    ("5月份", "month", "5月", date(2024, 5, 31)),
    ("上半年", "month", "上半年", date(2024, 6, 30)),
    ("下半年", "month", "下半年", date(2024, 12, 31)),
    ("四季度", "quarters", "第4季度", date(2024, 12, 31)),
    ("全年", "recurring", "全年", None),
    ("每月", "recurring", "每月", None),
    ("每周", "recurring", "每周", None),
    ("每学期", "recurring", "每学期", None),
    ("长期", "recurring", "全年", None),
    # narrative, not a 时限: kept and flagged
    ("时间:", "unparsed", "时间:", None),  # the label of an empty field
    ("确保在20xx年底创模范教工之家", "unparsed", "确保在20xx年底创模范教工之家", None),
    ("xx年上半年", "unparsed", "xx年上半年", None),
    ("此项活动拟在9月份完成", "unparsed", "此项活动拟在9月份完成", None),
    ("评比方案4月底前制定完成", "unparsed", "评比方案4月底前制定完成", None),
    ("拟在六月份召开二届二次教代会", "unparsed", "拟在六月份召开二届二次教代会", None),
    ("每半年报告一次", "unparsed", "每半年报告一次", None),
    ("每年不少于2篇", "unparsed", "每年不少于2篇", None),
    ("全年不少于1次", "unparsed", "全年不少于1次", None),
    ("每学期至少召开一次教代会", "unparsed", "每学期至少召开一次教代会", None),
    ("每月召开一次工会委员或工会小组长例会", "unparsed", "每月召开一次工会委员或工会小组长例会", None),
    ("四季度做好职代会换届选举的培训工作", "unparsed", "四季度做好职代会换届选举的培训工作", None),
    ("2月新学期新面貌", "unparsed", "2月新学期新面貌", None),
    ("三月份：庆祝“三八”节，趣味运动会", "unparsed", "三月份：庆祝“三八”节，趣味运动会", None),
    ("本学期", "unparsed", "本学期", None),
    ("上学期", "unparsed", "上学期", None),
    ("学年末", "unparsed", "学年末", None),
    ("三年内", "unparsed", "三年内", None),
]


@pytest.mark.parametrize(("text", "kind", "normalized", "due"), SEED_DEADLINES, ids=[s[0] for s in SEED_DEADLINES])
def test_seed_plan_deadlines(text: str, kind: str, normalized: str, due: date | None) -> None:
    deadline = parse_deadline(text, YEAR)
    assert (deadline.kind, deadline.normalized, deadline.due) == (kind, normalized, due)
    assert deadline.text == text
    assert deadline.ok == (kind != "unparsed")
    assert bool(deadline.reason) == (kind == "unparsed")
