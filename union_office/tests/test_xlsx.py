"""Tests for union_office.xlsx: layout, number formats, print setup, and formula-injection safety."""

import datetime as dt
import gc
import re
import tracemalloc
import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from union_office.xlsx import XLSX_CONTENT_TYPE, Column, safe_cell, write_report, write_report_into, xlsx_response

COLUMNS = [
    Column("序号", width=6, kind="int"),
    Column("姓名", width=12),
    Column("应缴", width=12, kind="money", group="会费"),
    Column("实缴", width=12, kind="money", group="会费"),
    Column("缴费率", width=10, kind="percent"),
    Column("缴费日期", width=12, kind="date"),
    Column("备注", width=24),
]
ROWS = [
    [1, "张三", Decimal("120.50"), Decimal("120.50"), 1, dt.date(2026, 1, 5), "按时缴纳"],
    [2, "李四", Decimal("98.00"), Decimal("-20.00"), Decimal("0.125"), dt.date(2026, 2, 1), "退回多缴"],
    [3, "=1+1", Decimal("10.00"), Decimal("0"), 0, None, "+1"],
    [4, "-1", Decimal("0.01"), Decimal("0.01"), 1, dt.datetime(2026, 3, 1, 1, 30, tzinfo=dt.UTC), "@SUM(A1)"],
    [5, "\tx", Decimal("0"), Decimal("0"), 0, None, "\r=cmd|' /C calc'!A0"],
]


def totals_for(rows: list[list]) -> list:
    return [None, None, sum(r[2] for r in rows), sum(r[3] for r in rows), None, None, None]


def report(columns: list[Column] = COLUMNS, rows=None, totals=None, **kwargs) -> bytes:
    rows = ROWS if rows is None else rows
    return write_report(
        title="2026年会费收缴情况表",
        unit="某某公司工会",
        period="2026年1月—12月",
        columns=columns,
        rows=rows,
        totals=totals,
        **kwargs,
    )


def load(data: bytes) -> Worksheet:
    return load_workbook(BytesIO(data)).active


def merges(ws: Worksheet) -> set[str]:
    return {str(cell_range) for cell_range in ws.merged_cells.ranges}


def test_title_and_meta_rows():
    ws = load(report(sheet_title="会费"))

    assert ws.title == "会费"
    assert ws["A1"].value == "2026年会费收缴情况表"
    assert ws["A1"].font.b and ws["A1"].font.sz == 16
    assert ws["A1"].alignment.horizontal == "center"
    assert ws.row_dimensions[1].height == 30
    assert "A1:G1" in merges(ws)
    assert ws["A2"].value == "单位：某某公司工会"
    assert ws["A2"].alignment.horizontal == "left"
    assert ws["E2"].value == "期间：2026年1月—12月"
    assert ws["E2"].alignment.horizontal == "right"
    assert {"A2:D2", "E2:G2"} <= merges(ws)


def test_two_level_header_merges_groups_and_spans_ungrouped_columns():
    ws = load(report())

    assert ws["C3"].value == "会费"
    assert (ws["C4"].value, ws["D4"].value) == ("应缴", "实缴")
    assert ws["A3"].value == "序号"
    assert {"C3:D3", "A3:A4", "B3:B4", "E3:E4", "F3:F4", "G3:G4"} <= merges(ws)
    assert ws["C3"].font.b
    assert ws.freeze_panes == "A5"
    assert ws.print_title_rows == "$3:$4"
    assert ws["A5"].value == 1  # data starts right below the header


def test_single_level_header_without_groups():
    columns = [Column("姓名"), Column("金额", kind="money")]
    ws = load(report(columns, rows=[["张三", Decimal("1.00")]]))

    assert (ws["A3"].value, ws["B3"].value) == ("姓名", "金额")
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$3:$3"
    assert merges(ws) == {"A1:B1"}  # 单位 and 期间 each fill one cell; nothing to merge


def test_number_formats_and_numeric_values():
    ws = load(report())
    row = ws[6]  # 李四

    amount, refund, rate, paid_on = row[2], row[3], row[4], row[5]
    assert amount.number_format == "#,##0.00;[Red]-#,##0.00" and amount.alignment.horizontal == "right"
    assert amount.data_type == "n" and amount.value == pytest.approx(98)
    assert refund.data_type == "n" and refund.value == pytest.approx(-20)  # negative Decimal stays a number
    assert row[0].number_format == "#,##0" and row[0].value == 2
    assert rate.number_format == "0.00%" and rate.value == pytest.approx(0.125)
    assert paid_on.number_format == "yyyy-mm-dd" and paid_on.value == dt.datetime(2026, 2, 1)
    assert row[1].border.left.style == "thin" and row[1].border.bottom.style == "thin"


def test_aware_datetimes_are_written_in_local_time():
    ws = load(report())

    assert ws["F8"].value == dt.datetime(2026, 3, 1, 9, 30)  # 01:30 UTC is 09:30 in Asia/Shanghai


def test_totals_row_holds_the_given_numbers_with_a_label():
    totals = totals_for(ROWS)
    ws = load(report(totals=totals))
    last = ws[ws.max_row]

    assert last[1].value == "合计"  # the first text column; column A is the int 序号
    assert last[1].font.b
    assert last[2].value == pytest.approx(float(sum(r[2] for r in ROWS)))
    assert last[3].value == pytest.approx(float(Decimal("100.51")))
    assert last[2].data_type == "n" and last[2].number_format == "#,##0.00;[Red]-#,##0.00"


def test_totals_must_match_the_columns():
    with pytest.raises(ValueError, match="totals"):
        report(totals=[1, 2])


def test_rows_must_match_the_columns_and_a_failed_report_is_cleaned_up():
    def rows():
        yield ROWS[0]
        yield [1, "张三"]

    with pytest.raises(ValueError, match="Row 6 has 2 values"):
        report(rows=rows())
    # A write-only sheet left half-written would complain when collected (an error under our warning filter).
    gc.collect()


def test_print_setup():
    ws = load(report())

    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert int(ws.page_setup.fitToWidth) == 1
    assert int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert [ws.column_dimensions[letter].width for letter in "ABCDEFG"] == [c.width for c in COLUMNS]


def test_a_wide_report_prints_across_pages_repeating_its_first_column():
    ws = load(report(fit_width=False))
    assert ws.sheet_properties.pageSetUpPr is None or not ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth is None
    assert (ws.print_title_cols, ws.print_title_rows) == ("$A:$A", "$3:$4")


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\r=cmd"])
def test_safe_cell_escapes_formula_triggers(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [Decimal("-12.50"), -3, -0.5, None, dt.date(2026, 1, 1), "张三", "a=b"])
def test_safe_cell_passes_numbers_dates_and_plain_text(value):
    assert safe_cell(value) == value


def test_safe_cell_drops_characters_xml_cannot_carry():
    assert safe_cell("张\x00三\x07") == "张三"


def test_injected_strings_come_back_as_text_and_no_formula_is_written():
    data = report(totals=totals_for(ROWS))
    ws = load(data)

    texts = {
        ws["B7"].value,
        ws["G7"].value,
        ws["B8"].value,
        ws["G8"].value,
        ws["B9"].value,
        ws["G9"].value,
    }
    # XML turns a stored CR into LF when the file is read back; the escaping quote is what matters.
    assert texts == {"'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\n=cmd|' /C calc'!A0"}
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)
    with zipfile.ZipFile(BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_rows_may_be_a_generator():
    def rows():
        for number in range(1, 1001):
            yield [number, f"会员{number}", Decimal("1.10"), Decimal("1.10"), 1, dt.date(2026, 1, 1), ""]

    ws = load(report(rows=rows(), totals=[None, None, Decimal("1100.00"), Decimal("1100.00"), None, None, None]))

    assert ws.max_row == 4 + 1000 + 1
    assert ws.cell(row=1004, column=1).value == 1000


def test_single_column_report():
    ws = load(report([Column("姓名", width=20)], rows=[["张三"]], totals=[None]))

    assert ws["A2"].value == "单位：某某公司工会  期间：2026年1月—12月"
    assert ws["A4"].value == "张三"
    assert ws["A5"].value == "合计"


def test_xlsx_response_handles_a_chinese_filename():
    response = xlsx_response(b"PK...", "会费收缴情况表")

    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" in disposition.lower()  # RFC 5987: the charset name is case-insensitive
    assert "%E4%BC%9A%E8%B4%B9" in disposition  # 会费, percent-encoded UTF-8
    assert disposition.endswith(".xlsx")
    assert "no-store" in response["Cache-Control"]
    assert response.content == b"PK..."


# --- The package written by hand (no openpyxl on the writing side) ---------------------------------


def test_read_only_mode_reads_the_same_values():
    data = report(totals=totals_for(ROWS))
    normal = list(load(data).iter_rows(values_only=True))
    read_only = load_workbook(BytesIO(data), read_only=True)
    try:
        streamed = list(read_only.active.iter_rows(values_only=True))
        numbers = [cell.number_format for cell in next(read_only.active.iter_rows(min_row=5, max_row=5))]
    finally:
        read_only.close()

    # The cells hidden by a merge read as None in normal mode only (D3 holds the group title too).
    assert streamed[:2] + streamed[3:] == normal[:2] + normal[3:]
    assert streamed[2] == ("序号", "姓名", "会费", "会费", "缴费率", "缴费日期", "备注")
    assert streamed[4][:3] == (1, "张三", pytest.approx(120.5))
    assert numbers == ["#,##0", "@", "#,##0.00;[Red]-#,##0.00", "#,##0.00;[Red]-#,##0.00", "0.00%", "yyyy-mm-dd", "@"]


def test_footer_centering_and_header_fill():
    ws = load(report())

    assert ws.oddFooter.center.text == "第 &P 页 / 共 &N 页"
    assert ws.print_options.horizontalCentered
    assert ws["A3"].fill.fgColor.rgb == "FFD9D9D9" and ws["A3"].alignment.wrap_text
    assert ws["A5"].fill.fill_type is None
    assert ws["B5"].alignment.wrap_text and ws["B5"].alignment.horizontal == "left"


def test_only_strings_numbers_and_booleans_are_written():
    rows = [[1, "a", Decimal("1"), Decimal("1"), True, dt.date(2026, 1, 1), '=HYPERLINK("http://x")']]
    with zipfile.ZipFile(BytesIO(report(rows=rows, totals=totals_for(rows)))) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()

    assert set(re.findall(r'<c [^>]*?t="([^"]+)"', sheet_xml)) == {"inlineStr", "b"}
    assert "<f" not in sheet_xml
    assert '\'=HYPERLINK("http://x")' in sheet_xml


def test_xml_special_and_illegal_characters():
    rows = [
        [1, 'A&B <c> "d"', None, None, None, None, "张\ud800三\ufffe\x0b"],
        [2, " 前后空格 ", 0, 0, 0, None, "_x0041_"],
    ]
    data = report(rows=rows, sheet_title="张's & <会费>")
    ws = load(data)

    assert ws.title == "张's & <会费>"
    assert ws.print_title_rows == "$3:$4"
    assert (ws["B5"].value, ws["G5"].value) == ('A&B <c> "d"', "张三")
    assert ws["B6"].value == " 前后空格 "
    # Excel would read _x0041_ as "A"; it is escaped so that Excel shows what was typed.
    with zipfile.ZipFile(BytesIO(data)) as archive:
        assert "_x005F_x0041_" in archive.read("xl/worksheets/sheet1.xml").decode()


def test_safe_cell_drops_surrogates_and_non_characters():
    assert safe_cell("张\ud800三\ufffe\uffff") == "张三"
    assert safe_cell("a\tb\nc\rd") == "a\tb\nc\rd"


def test_values_of_other_types():
    columns = [Column("文本"), Column("金额", kind="money"), Column("日期", kind="date")]
    rows = [
        [dt.date(2026, 1, 2), float("nan"), dt.datetime(2026, 1, 2, 3, 4)],
        [True, Decimal("Infinity"), None],
        [dt.datetime(2026, 1, 2, 3, 4, 5), 3.25, dt.date(1900, 1, 1)],
    ]
    ws = load(report(columns, rows=rows))

    assert ws["A4"].value == dt.datetime(2026, 1, 2) and ws["A4"].number_format == "yyyy-mm-dd"
    assert ws["A6"].number_format == "yyyy-mm-dd h:mm:ss"  # a date in a text column still shows as one
    assert ws["C4"].value == dt.datetime(2026, 1, 2, 3, 4) and ws["C4"].number_format == "yyyy-mm-dd"
    assert ws["C6"].value == dt.datetime(1900, 1, 1)  # Excel's 1900 leap-year bug is accounted for
    assert ws["B4"].value is None and ws["B5"].value is None  # NaN and infinity: Excel has no such number
    assert ws["A5"].value is True
    assert ws["B6"].value == 3.25


def test_many_columns_get_letters_past_z():
    columns = [Column(f"列{number}", kind="int") for number in range(1, 31)]
    ws = load(report(columns, rows=[list(range(1, 31))]))

    assert "A1:AD1" in merges(ws)
    assert ws["AD4"].value == 30
    assert ws.column_dimensions["AD"].width == 14


def test_sheet_titles_follow_excel_rules():
    with pytest.raises(ValueError, match="Invalid character /"):
        report(sheet_title="1/2")
    with pytest.warns(UserWarning, match="more than 31 characters"):
        report(sheet_title="报" * 32)


def test_memory_follows_the_zipped_output_not_the_rows():
    def rows(count):
        for number in range(1, count + 1):
            yield [number, f"会员{number}", Decimal("1.10"), Decimal(number) / 100, 1, dt.date(2026, 1, 1), "备注"]

    def measure(count):
        gc.collect()
        tracemalloc.start()
        try:
            data = report(rows=rows(count))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        with zipfile.ZipFile(BytesIO(data)) as archive:
            xml_size = archive.getinfo("xl/worksheets/sheet1.xml").file_size
        return peak, len(data), xml_size

    # Warm up, then keep the lower of two runs: a collection pause inside one run is not growth.
    measure(2_000)
    small_peak, small_size, small_xml = min(measure(2_000) for _ in range(2))
    big_peak, big_size, big_xml = min(measure(10_000) for _ in range(2))

    assert big_peak - small_peak < 3 * (big_size - small_size)
    assert big_peak - small_peak < (big_xml - small_xml) / 3


def test_write_report_into_a_file_gives_the_same_workbook(tmp_path):
    path = tmp_path / "report.xlsx"
    with path.open("wb") as target:
        assert (
            write_report_into(
                target,
                title="2026年会费收缴情况表",
                unit="某某公司工会",
                period="2026年1月—12月",
                columns=COLUMNS,
                rows=iter(ROWS),
                totals=totals_for(ROWS),
            )
            is None
        )

    from_file = load_workbook(path).active
    from_bytes = load(report(totals=totals_for(ROWS)))
    values = [[cell.value for cell in row] for row in from_file.iter_rows()]
    assert values == [[cell.value for cell in row] for row in from_bytes.iter_rows()]
    assert merges(from_file) == merges(from_bytes)


class _Unseekable:
    """A write-only stream (a pipe, a socket) over a file: zipfile must manage without seek and tell."""

    def __init__(self, file) -> None:
        self.file = file
        self.written = 0
        self.largest_write = 0

    def write(self, data: bytes) -> int:
        self.written += len(data)
        self.largest_write = max(self.largest_write, len(data))
        return self.file.write(data)

    def flush(self) -> None:
        self.file.flush()


def test_write_report_into_an_unseekable_stream_holds_no_more_than_a_chunk(tmp_path):
    def rows(count):
        for number in range(1, count + 1):
            yield [number, f"会员{number}", Decimal("1.10"), Decimal(number) / 100, 1, dt.date(2026, 1, 1), "备注"]

    def measure(count):
        path = tmp_path / f"{count}.xlsx"
        with path.open("wb") as file:
            target = _Unseekable(file)
            gc.collect()
            tracemalloc.start()
            try:
                write_report_into(target, title="表", unit="单位", period="2026", columns=COLUMNS, rows=rows(count))
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        return peak, target, path

    # Warm up first (lazy imports, caches), collect garbage before each run and keep the lower of
    # two runs, so a garbage-collection pause that falls inside one run is not read as growth.
    measure(2_000)
    small_peak = min(measure(2_000)[0] for _ in range(2))
    runs = [measure(20_000) for _ in range(2)]
    big_peak, big, path = min(runs, key=lambda run: run[0])

    ws = load_workbook(path).active
    assert ws.cell(row=20_004, column=2).value == "会员20000"
    # What the writer keeps is a chunk of rows and the compressor's state, whatever the output's size.
    assert big.largest_write < big.written / 4
    assert big_peak - small_peak < big.written / 4


def test_total_rows_among_the_data_are_bold_numbers():
    from union_office.xlsx import TotalRow

    columns = [Column("项目", width=20), Column("金额", kind="money")]
    rows = [["文体活动", Decimal("100.50")], TotalRow(["职工活动支出", Decimal("100.50")]), ["送温暖", Decimal("2")]]
    ws = load(report(columns, rows, totals=[None, Decimal("102.50")]))
    assert [ws.cell(row, 1).font.b for row in (4, 5, 6, 7)] == [False, True, False, True]
    assert ws["B5"].value == 100.5 and ws["B5"].data_type == "n"
    assert ws["B5"].number_format == "#,##0.00;[Red]-#,##0.00" and ws["B5"].alignment.horizontal == "right"
    assert ws["A7"].value == "合计"


def test_labels_say_what_the_meta_line_is_and_an_empty_list_says_so():
    data = write_report(
        title="运动会 报名名单",
        unit="第一中学工会",
        period="2026-05-01 09:00 操场",
        period_label="时间地点",
        columns=[Column("姓名"), Column("报名时间")],
        rows=[],
        empty_text="无报名",
    )
    ws = load_workbook(BytesIO(data)).active
    assert ws["B2"].value == "时间地点：2026-05-01 09:00 操场" and "期间" not in ws["B2"].value
    assert ws["A4"].value == "无报名" and "A4:B4" in {str(r) for r in ws.merged_cells.ranges}
    dated = write_report(
        title="t", unit="u", period="p", columns=[Column("报名时间")], rows=[[dt.datetime(2026, 4, 1, 8, 30)]]
    )
    cell = load_workbook(BytesIO(dated)).active["A4"]
    assert cell.is_date and cell.value == dt.datetime(2026, 4, 1, 8, 30)


# --- Past the sheet limit (issue 23) -------------------------------------------------------------


def numbered_rows(count: int) -> list[list]:
    return [[n, f"会员{n}", Decimal("1.00"), Decimal("1.00"), 1, dt.date(2026, 1, 1), ""] for n in range(1, count + 1)]


def test_a_report_longer_than_a_sheet_goes_on_over_further_sheets(settings):
    settings.XLSX_MAX_ROWS_PER_SHEET = 12  # title, meta, two header rows and a 合计 row leave 7
    rows = numbered_rows(17)
    workbook = load_workbook(BytesIO(report(rows=rows, totals=totals_for(rows), sheet_title="会费")))

    assert workbook.sheetnames == ["会费", "会费 (2)", "会费 (3)"]
    numbers, totals = [], []
    for ws in workbook.worksheets:
        assert ws.max_row <= 12
        assert ws["A1"].value == "2026年会费收缴情况表"  # each sheet has its title and header again
        assert ws["C3"].value == "会费" and ws["C4"].value == "应缴"
        assert ws.freeze_panes == "A5"
        assert ws.print_title_rows == "$3:$4"
        body = list(ws.iter_rows(min_row=5, values_only=True))
        numbers += [row[0] for row in body if isinstance(row[0], int)]
        totals += [row for row in body if row[1] == "合计"]
    assert numbers == list(range(1, 18)), "every row once, in order"
    assert [len(list(ws.iter_rows(min_row=5))) for ws in workbook.worksheets] == [7, 7, 4]  # 3 rows + 合计
    assert totals == [(None, "合计", 17, 17, None, None, None)]  # on the last sheet only
    assert workbook.worksheets[0].sheet_view.tabSelected and not workbook.worksheets[1].sheet_view.tabSelected


def test_a_report_that_just_fits_stays_on_one_sheet(settings):
    settings.XLSX_MAX_ROWS_PER_SHEET = 12
    rows = numbered_rows(7)
    workbook = load_workbook(BytesIO(report(rows=rows, totals=totals_for(rows))))
    assert workbook.sheetnames == ["报表"]
    assert workbook.active.max_row == 12


def test_long_sheet_titles_stay_within_excel_s_31_characters(settings):
    settings.XLSX_MAX_ROWS_PER_SHEET = 10
    title = "二〇二六年度全县会员会费收缴情况明细表（按基层工会分列）"[:31]
    workbook = load_workbook(BytesIO(report(rows=numbered_rows(20), sheet_title=title)))
    assert len(workbook.sheetnames) == 4
    assert all(len(name) <= 31 for name in workbook.sheetnames)
    assert workbook.sheetnames[3].endswith(" (4)")


def test_wrapped_text_gets_a_row_height_and_short_rows_keep_the_default():
    """Issue 18: a 45-character 案题 in a 30-unit column wrapped with no row height, so an office
    suite showed only its middle line; a header or a period line wider than its cells was clipped."""
    columns = [Column("序号", width=6, kind="int"), Column("案题", width=30), Column("提案人及附议人名单", width=8)]
    long_title = "关于进一步加强青年教师培养、完善校内职称评审办法和改善教职工食堂就餐条件的建议"
    data = write_report(
        title="提案汇总表",
        unit="某某公司工会",
        period="第三届第二次会员代表大会（2026年3月12日—3月13日）" * 2,
        columns=columns,
        rows=[[1, long_title, "张三"], [2, "短案题", "李四"]],
    )
    ws = load(data)
    assert ws.row_dimensions[4].height == 16 * 3  # 90 units of text in 29 a line: three lines
    assert ws.row_dimensions[5].height is None  # one line: the default height
    assert ws.row_dimensions[3].height == 16 * 3  # the header 提案人及附议人名单 in 8 units
    assert ws.row_dimensions[2].height and ws.row_dimensions[2].height > 16  # the long period line wraps
    for row in (2, 3, 4):
        assert ws.cell(row=row, column=2 if row == 4 else 1).alignment.wrap_text
