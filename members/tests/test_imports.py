"""Roster import: upload checks, the dry run and its errors, the all-or-nothing commit, the pages."""

import csv
import datetime
import io
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from members import imports
from members.idcard import make_id_number
from members.models import Member, RosterImport
from members.tests.factories import DepartmentFactory, MemberFactory
from union_office import crypto
from union_office.jobs import JobStatus
from union_office.models import AuditEntry
from union_office.testing import run_at_once

HEADER = imports.COLUMNS
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def files_in(folder) -> list:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def person(i: int, gender: str = "F") -> str:
    """A valid 身份证号 no factory makes (the factories use region 110105)."""
    return make_id_number("130534", datetime.date(1980, 1, 1) + datetime.timedelta(days=i), i % 100, gender)


def row(i: int, **changes) -> list:
    values = {
        "姓名": f"导入{i}",
        "身份证号": person(i),
        "性别": "",
        "手机号": f"1390000{i:04d}",
        "所属工会": "高一年级分工会",
        "部门": "",
        "入会日期": "2016-09-01",
        "会员编号": f"T{i}",
        "用工形式": "在编",
        "一线职工": "是",
        "会费工资基数": "5000",
        "会员证号": f"HZ{i}",
        "民族": "汉族",
        "文化程度": "大学本科",
        "政治面貌": "群众",
    }
    values.update(changes)
    return [values[h] for h in HEADER]


def csv_file(rows, *, header=HEADER, name="花名册.csv", encoding="utf-8-sig") -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode(encoding), content_type="text/csv")


def xlsx_bytes(rows, *, header=HEADER, above=()) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for line in above:
        sheet.append(line)
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_file(rows, *, name="花名册.xlsx", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(rows, **kwargs))


def raw_xlsx(sheet_xml: str, *, workbook_pr: str = "", **extra_parts: bytes) -> bytes:
    """A minimal workbook around a hand-written sheet."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(  # the package's root relationship, as every saved workbook has it
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'{workbook_pr}<sheets><sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, data in extra_parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def inline_sheet(rows: list[list[str]], dimension: str = "") -> str:
    cells = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{value}</t></is></c>' for c, value in enumerate(values)
        )
        + "</row>"
        for r, values in enumerate(rows, start=1)
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dim}<sheetData>{cells}</sheetData></worksheet>'


@pytest.fixture
def start_import(django_capture_on_commit_callbacks):
    """Upload through the service and run the (eager) dry run, as the upload view does."""

    def _start(actor, unit, upload) -> RosterImport:
        with django_capture_on_commit_callbacks(execute=True):
            created = imports.roster_import_create(actor=actor, org_unit=unit, uploaded_file=upload)
        created.refresh_from_db()
        return created

    return _start


def message_of(exc_info) -> str:
    return " ".join(exc_info.value.messages)


# --- Upload checks -------------------------------------------------------------------------------


def test_openpyxl_parses_with_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("花名册.txt", b"a,b", "只能上传 Excel（.xlsx、.xls）、OpenDocument（.ods）或 CSV（.csv）文件"),
        ("花名册.xls", b"PK\x03\x04" + b"\0" * 100, "文件内容不是 Excel 97-2003（.xls）格式"),
        ("花名册.ods", xlsx_bytes([]), "文件内容不是 OpenDocument（.ods）格式"),
        ("花名册.xlsx", "姓名,身份证号\n".encode(), "文件内容不是 Excel（.xlsx）格式"),
        ("花名册.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "设置了打开密码"),
        ("花名册.xlsx", b"PK\x03\x04garbage", "文件已损坏"),
        ("花名册.csv", xlsx_bytes([]), "这是 Excel（.xlsx）文件，扩展名却是 .csv"),
        ("花名册.csv", "姓名,身份证号\n".encode("utf-16"), "文件含有二进制内容"),
        ("花名册.csv", b"\xff\xfe\xfd\x80\x80\x80", "无法识别 CSV 文件的编码"),
        ("花名册.csv", b"", "文件是空的"),
    ],
)
def test_check_upload_refuses_wrong_or_forged_files(name, content, expected):
    with pytest.raises(imports.RosterImportError) as exc_info:
        imports.check_upload(SimpleUploadedFile(name, content))
    assert expected in message_of(exc_info)


def test_check_upload_accepts_xlsx_and_utf8_or_gbk_csv():
    assert imports.check_upload(xlsx_file([row(1)])) == "xlsx"
    assert imports.check_upload(csv_file([row(1)])) == "csv"
    assert imports.check_upload(csv_file([row(1)], encoding="gbk")) == "csv"
    assert imports.check_upload(csv_file([row(1)], name="花名册.CSV", encoding="utf-8")) == "csv"


def test_check_upload_refuses_an_oversized_file():
    upload = SimpleUploadedFile("花名册.csv", b"x" * (imports.MAX_UPLOAD_BYTES + 1))
    with pytest.raises(imports.RosterImportError) as exc_info:
        imports.check_upload(upload)
    assert "超过了 20 MB 的上限" in message_of(exc_info)


def test_zip_bomb_is_refused_before_anything_is_inflated():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b" " * (1024 * 1024)
            for _ in range(210):  # 210 MiB of spaces, about 200 KB compressed
                sheet.write(block)
    assert len(buffer.getvalue()) < 2 * 1024 * 1024
    started = time.perf_counter()
    with pytest.raises(imports.RosterImportError) as exc_info:
        imports.check_upload(SimpleUploadedFile("花名册.xlsx", buffer.getvalue()))
    assert time.perf_counter() - started < 5  # milliseconds in practice: only the zip directory is read
    assert "压缩炸弹" in message_of(exc_info)


def test_a_member_with_an_absurd_compression_ratio_is_refused():
    sheet = inline_sheet([HEADER]) + " " * (5 * 1024 * 1024)  # 5 MB that compresses ~1000:1
    with pytest.raises(imports.RosterImportError) as exc_info:
        imports.check_upload(SimpleUploadedFile("花名册.xlsx", raw_xlsx(sheet)))
    assert "压缩炸弹" in message_of(exc_info)


def test_a_formula_cell_is_refused_with_its_reference():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(row(1))
    sheet["K3"] = "=SUM(K2:K2)"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(imports.RosterImportError) as exc_info:
        imports.check_upload(SimpleUploadedFile("花名册.xlsx", buffer.getvalue()))
    assert "单元格 K3 含有公式" in message_of(exc_info)


@pytest.mark.parametrize("cell", ['<x:c r="B2"><x:f>1+1</x:f><x:v>2</x:v></x:c>', '<c r="B2"><f t="shared"/></c>'])
def test_a_formula_is_found_with_or_without_a_prefix(cell):
    sheet = cells_sheet(f'<row r="1"><c r="A1"><v>1</v></c></row><row r="2">{cell}</row>')
    with pytest.raises(imports.RosterImportError) as exc_info:
        imports.check_upload(SimpleUploadedFile("花名册.xlsx", raw_xlsx(sheet)))
    assert "B2 含有公式" in message_of(exc_info)


def test_too_many_rows_are_refused_by_the_declared_dimension():
    sheet = inline_sheet([HEADER], dimension=f"A1:K{imports.MAX_ROWS + 2}")
    with pytest.raises(imports.RosterImportError) as exc_info:
        imports.check_upload(SimpleUploadedFile("花名册.xlsx", raw_xlsx(sheet)))
    assert "超过了每次最多 200,000 行的上限" in message_of(exc_info)


def test_too_many_rows_are_refused_when_counted(monkeypatch):
    monkeypatch.setattr(imports.files, "MAX_ROWS", 3)
    with pytest.raises(imports.RosterImportError):
        imports.check_upload(SimpleUploadedFile("花名册.xlsx", xlsx_bytes([row(i) for i in range(5)])))
    with pytest.raises(imports.RosterImportError):
        imports.check_upload(csv_file([row(i) for i in range(20)]))


def test_a_dtd_in_the_sheet_is_refused():
    sheet = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + inline_sheet([HEADER, row(1)])
    with pytest.raises(imports.RosterImportError):
        imports.read_roster(io.BytesIO(raw_xlsx(sheet)), "xlsx")


# --- Reading -------------------------------------------------------------------------------------


def test_reads_shared_strings_numbers_dates_and_the_header_below_a_title():
    values = row(1)
    values[HEADER.index("手机号")] = 13900001234  # typed as a number
    values[HEADER.index("入会日期")] = datetime.date(2016, 9, 1)
    values[HEADER.index("会费工资基数")] = 5000.5
    data = xlsx_bytes([[1, *values, "在册"]], header=["序号", *HEADER, "会籍状态"], above=[["会员花名册"], ["单位"]])
    table = imports.read_roster(io.BytesIO(data), "xlsx")
    assert table.headers == HEADER
    assert table.ignored_headers == ["序号", "会籍状态"]
    assert table.row_numbers == [4]  # title, unit line, header, then the member
    first = table.rows[0]
    assert first[HEADER.index("姓名")] == "导入1"
    assert first[HEADER.index("手机号")] == Decimal("13900001234")
    assert first[HEADER.index("会费工资基数")] == Decimal("5000.5")


def test_an_excel_style_workbook_shared_strings_prefixes_and_1904_dates(start_import, committee, org):
    """What Excel and WPS write (openpyxl writes inline strings): a shared string table with rich
    text and phonetic runs, namespace prefixes, and the 1904 date system of Excel for Mac."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    shared = (
        f'<sst xmlns="{main}"><si><t>姓名</t></si><si><r><rPr><b/></rPr><t>身份</t></r><r><t>证号</t></r></si>'
        "<si><t>所属工会</t></si><si><t>入会日期</t></si>"
        '<si><t>王芳</t><rPh sb="0" eb="1"><t>ワン</t></rPh></si>'
        '<si><t xml:space="preserve"> 高一年级分工会 </t></si></sst>'
    )
    cells = [("A", "s", "0"), ("B", "s", "1"), ("C", "s", "2"), ("D", "s", "3")]
    header = "".join(f'<x:c r="{c}1" t="{t}"><x:v>{v}</x:v></x:c>' for c, t, v in cells)
    member = (
        '<x:c r="A3" t="s"><x:v>4</x:v></x:c>'
        f'<x:c r="B3" t="inlineStr"><x:is><x:t>{person(1)}</x:t></x:is></x:c>'
        '<x:c r="C3" t="s"><x:v>5</x:v></x:c><x:c r="D3" s="1"><x:v>41153</x:v></x:c>'
    )
    sheet = (
        f'<x:worksheet xmlns:x="{main}"><x:sheetData><x:row r="1">{header}</x:row>'
        f'<x:row r="3">{member}</x:row></x:sheetData></x:worksheet>'
    )
    # Style 1 is a date format (numFmtId 14), as Excel writes a typed date.
    styles = (
        f'<styleSheet xmlns="{main}"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>'
    )
    parts = {"xl/sharedStrings.xml": shared.encode(), "xl/styles.xml": styles.encode()}
    data = raw_xlsx(sheet, workbook_pr='<workbookPr date1904="1"/>', **parts)
    roster_import = start_import(committee, org.branch_a, SimpleUploadedFile("mac.xlsx", data))
    assert (roster_import.new_count, roster_import.invalid_count) == (1, 0), roster_import.errors
    imports.roster_import_commit(actor=committee, import_id=roster_import.pk)
    member = Member.objects.with_id_number(person(1)).get()
    assert (member.name, member.org_unit) == ("王芳", org.branch_a)
    assert member.joined_on == datetime.date(1904, 1, 1) + datetime.timedelta(days=41153)


def write_only_xlsx(rows) -> bytes:
    """As openpyxl's write-only mode writes it: inline strings, every non-ASCII character a &#…;."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    for values in [HEADER, *rows]:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cells_sheet(*rows: str) -> str:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}">'
        f"<sheetData>{''.join(rows)}</sheetData></worksheet>"
    )


@pytest.mark.parametrize(
    ("data", "first"),
    [
        (xlsx_bytes([row(1, 会费工资基数=5000.5)]), ["导入1", person(1), Decimal("5000.5")]),
        (write_only_xlsx([row(2, 姓名='A&B <王> "x"')]), ['A&B <王> "x"', person(2), "5000"]),
        # Character references, a rich-text cell, an error cell and a cell far to the right.
        (
            raw_xlsx(
                cells_sheet(
                    '<row r="1"><c r="A1" t="inlineStr"><is><t>&#x59d3;&#21517;</t></is></c>'
                    '<c r="B1" t="inlineStr"><is><r><t>身份</t></r><r><t>证号</t></r></is></c>'
                    '<c r="C1" t="inlineStr"><is><t xml:space="preserve"> 会费工资基数 </t></is></c>'
                    '<c r="D1" t="inlineStr"><is><t>所属工会</t></is></c><c r="AA1" t="e"><v>#N/A</v></c></row>',
                    f'<row r="2"><c r="A2" t="inlineStr"><is><t>&#23548;&#20837;&amp;1</t></is></c>'
                    f'<c r="B2" t="str"><v>{person(3)}</v></c><c r="C2"><v>1.5E3</v></c></row>',
                )
            ),
            ["导入&1", person(3), Decimal("1500")],
        ),
    ],
)
def test_reads_the_shapes_excel_wps_and_openpyxl_write(data, first):
    table = imports.read_roster(io.BytesIO(data), "xlsx")
    values = dict(zip(table.headers, table.rows[0], strict=True))
    assert [values["姓名"], values["身份证号"], values["会费工资基数"]] == first


@pytest.mark.parametrize(
    "sheet",
    [
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        + cells_sheet('<row r="1"><c r="A1"><v>1</v></c></row>'),
        cells_sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&a;</t></is></c></row>'),  # an undeclared entity
        cells_sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&#１２３;</t></is></c></row>'),  # digits not ASCII
        cells_sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&#20837;&#55296;</t></is></c></row>'),  # a surrogate
        cells_sheet('<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>'),  # a formula
        cells_sheet('<row r="1"><c r="XFD1048576"><v>1</v></c></row>'),  # 17 billion cells as a grid
    ],
)
def test_a_dangerous_or_damaged_sheet_is_refused_at_upload_or_reading(sheet):
    data = raw_xlsx(sheet)
    with pytest.raises(imports.RosterImportError):
        imports.check_upload(SimpleUploadedFile("花名册.xlsx", data))
        imports.read_roster(io.BytesIO(data), "xlsx")


def test_a_file_without_the_required_headers_is_refused():
    with pytest.raises(imports.RosterImportError) as exc_info:
        imports.read_roster(csv_file([["x"]], header=["名字", "号码"]), "csv")
    assert "没有找到表头" in message_of(exc_info)
    with pytest.raises(imports.RosterImportError) as exc_info:
        imports.read_roster(csv_file([["张三", person(1)]], header=["姓名", "身份证号"]), "csv")
    assert "表头缺少必填的列：所属工会" in message_of(exc_info)


# --- The dry run and its errors ------------------------------------------------------------------


def test_preview_lists_every_bad_row_and_nothing_can_be_committed(start_import, committee, org, member_in_b):
    member_in_b.id_number = person(900)
    member_in_b.save()
    bad_check_digit = person(3)[:17] + ("0" if person(3)[17] != "0" else "1")
    rows = [
        row(1),
        row(2, 所属工会="语文组工会小组", 部门="办公室"),
        row(3, 身份证号=bad_check_digit),
        row(4, 所属工会="高三年级分工会"),
        row(5, 身份证号=person(1)),  # the same person as row 2 of the file
        row(6, 身份证号=person(900)),  # registered at 高二年级分工会, outside the committee's unit
        row(7, 姓名=""),
        row(8, 身份证号="130534198001010"),
        row(9, 性别="男"),
        row(10, 会费工资基数="-1"),
        row(11, 部门="院办"),
        row(12, 入会日期="1975-01-01"),
        row(13, 用工形式="外包"),
        row(14, 所属工会="高三年级分工会", 部门="办公室"),  # no unit, so no department to check
        row(15, 政治面貌="党外人士"),
    ]
    before = Member.objects.count()
    roster_import = start_import(committee, org.branch_a, csv_file(rows))
    assert roster_import.status == JobStatus.PREVIEW
    assert (roster_import.new_count, roster_import.invalid_count) == (2, 13)
    by_row = {}
    for error in roster_import.errors:
        by_row.setdefault(error["row"], []).append(f"{error['field']}：{error['message']}")
    assert by_row[4] == [f"身份证号：身份证号校验位错误：最后一位应为 {person(3)[17]}，请核对是否有数字填错。"]
    assert by_row[5] == ["所属工会：所属工会“高三年级分工会”不在“高一年级分工会”之下。"]
    assert by_row[6] == ["身份证号：身份证号与第 2 行重复。"]
    assert by_row[7] == ["身份证号：该身份证号已登记在其他单位，请走转会流程。"]
    assert by_row[8] == ["姓名：姓名不能为空。"]
    assert "15位的旧身份证号" in by_row[9][0]
    assert by_row[10] == ["性别：性别与身份证号不符：身份证号第17位表示女。"]
    assert by_row[11] == ["会费工资基数：会费工资基数不能为负数（现在是 -1）。"]
    assert by_row[12] == ["部门：部门“院办”不是“第一中学工会”的部门。"]
    assert by_row[13][0].startswith("入会日期：入会日期 1975-01-01 早于出生日期")
    assert "只能填写：在编、合同制" in by_row[14][0]
    assert by_row[15] == ["所属工会：所属工会“高三年级分工会”不在“高一年级分工会”之下。"]
    assert by_row[16] == [
        "政治面貌：政治面貌“党外人士”无法识别，只能填写：中共党员、中共预备党员、共青团员、民主党派成员、无党派人士、群众。"
    ]
    with pytest.raises(imports.RosterImportError) as exc_info:
        imports.roster_import_confirm(actor=committee, import_id=roster_import.pk)
    assert "还有 13 行有错误" in message_of(exc_info)
    assert Member.objects.count() == before


def test_an_invalid_preview_drops_the_uploaded_file(start_import, committee, org, media):
    roster_import = start_import(committee, org.branch_a, csv_file([row(1, 姓名="")]))
    assert roster_import.invalid_count == 1
    assert not roster_import.file
    assert files_in(media) == []


def test_a_file_level_problem_fails_with_its_message(start_import, committee, org):
    roster_import = start_import(committee, org.branch_a, csv_file([], header=["姓名", "身份证号", "所属工会"]))
    assert roster_import.status == JobStatus.FAILED
    assert roster_import.message == "文件里除了表头没有数据行。"


def test_the_template_example_row_is_refused(start_import, committee, org):
    data = imports.roster_template_xlsx(user=committee)
    roster_import = start_import(committee, org.branch_a, SimpleUploadedFile("模板.xlsx", data))
    assert roster_import.invalid_count == 1
    assert roster_import.errors[0]["message"] == "这是模板里的示例行，请删除后再导入。"


def test_validation_queries_do_not_grow_with_rows(
    committee, org, django_assert_num_queries, django_capture_on_commit_callbacks
):
    MemberFactory(org_unit=org.branch_a, id_number=person(5))
    counts = []
    for n in (10, 200):
        with django_capture_on_commit_callbacks(execute=False):
            created = imports.roster_import_create(
                actor=committee, org_unit=org.branch_a, uploaded_file=csv_file([row(i) for i in range(n)])
            )
        # claim, load, total, units, departments, existing members, save
        with django_assert_num_queries(7):
            imports.roster_import_validate(import_id=created.pk)
        created.refresh_from_db()
        counts.append((created.new_count, created.changed_count))
    assert counts == [(9, 1), (199, 1)]


# --- Commit --------------------------------------------------------------------------------------


def test_a_valid_file_commits_every_row_and_one_audit_entry(
    start_import, committee, org, media, django_capture_on_commit_callbacks
):
    rows = [
        row(1, 部门="办公室", 性别="女"),
        row(2, 所属工会="语文组工会小组", 民族="回", 文化程度="硕士", 政治面貌="中共党员"),
        row(3, 会费工资基数="", 一线职工="", 会员证号="", 民族="", 文化程度="", 政治面貌=""),
    ]
    roster_import = start_import(committee, org.branch_a, xlsx_file(rows))
    assert (roster_import.status, roster_import.new_count, roster_import.invalid_count) == (JobStatus.PREVIEW, 3, 0)
    assert Member.objects.filter(name__startswith="导入").count() == 0  # the preview writes nothing

    with django_capture_on_commit_callbacks(execute=True):
        done = imports.roster_import_commit(actor=committee, import_id=roster_import.pk)
    assert done.status == JobStatus.DONE and done.committed_at is not None
    first = Member.objects.with_id_number(person(1)).get()
    assert (first.name, first.org_unit, first.department, first.gender) == (
        "导入1",
        org.branch_a,
        org.school_office,
        "F",
    )
    assert first.id_number == person(1) and first.id_number_masked.startswith("130534********")
    assert first.birth_date == datetime.date(1980, 1, 2) and first.joined_on == datetime.date(2016, 9, 1)
    assert (first.employment_type, first.frontline, first.wage_base) == ("permanent", True, Decimal("5000.00"))
    assert (first.card_no, first.ethnicity, first.education, first.political_status) == (
        "HZ1",
        "汉族",
        "bachelor",
        "masses",
    )
    second = Member.objects.with_id_number(person(2)).get()
    assert second.org_unit == org.group_a
    # The short forms a clerk types (回, 硕士) are read as the full names.
    assert (second.ethnicity, second.education, second.political_status) == ("回族", "master", "party_member")
    third = Member.objects.with_id_number(person(3)).get()
    assert (third.wage_base, third.frontline) == (None, False)
    assert (third.card_no, third.ethnicity, third.education, third.political_status) == ("", "", "", "")
    entries = AuditEntry.objects.filter(action="member.import")
    assert entries.count() == 1
    assert entries.get().changes["new_count"] == 3
    assert AuditEntry.objects.exclude(action="member.import").count() == 0  # nothing per row
    assert files_in(media) == []  # the upload (身份证号 in clear) is gone once imported


def test_reimporting_the_same_file_changes_nothing(start_import, committee, org):
    rows = [row(i, 部门="办公室") for i in range(1, 6)]
    first = start_import(committee, org.branch_a, csv_file(rows))
    imports.roster_import_commit(actor=committee, import_id=first.pk)
    stamps = dict(Member.objects.filter(name__startswith="导入").values_list("pk", "updated_at"))

    again = start_import(committee, org.branch_a, csv_file(rows))
    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 0, 5)
    again = imports.roster_import_commit(actor=committee, import_id=again.pk)
    assert (again.status, again.unchanged_count) == (JobStatus.DONE, 5)
    assert dict(Member.objects.filter(name__startswith="导入").values_list("pk", "updated_at")) == stamps


def test_a_changed_row_updates_the_member_and_empty_cells_keep_values(start_import, committee, org):
    first = start_import(committee, org.branch_a, csv_file([row(1), row(2)]))
    imports.roster_import_commit(actor=committee, import_id=first.pk)
    changed = [row(1, 手机号="13911112222", 所属工会="语文组工会小组"), row(2, 会费工资基数="", 用工形式="")]
    again = start_import(committee, org.branch_a, csv_file(changed))
    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 1, 1)
    imports.roster_import_commit(actor=committee, import_id=again.pk)
    one = Member.objects.with_id_number(person(1)).get()
    assert (one.phone, one.org_unit) == ("13911112222", org.group_a)
    two = Member.objects.with_id_number(person(2)).get()
    assert (two.wage_base, two.employment_type) == (Decimal("5000.00"), "permanent")


def test_during_a_key_rotation_members_under_the_old_key_are_matched_not_duplicated(
    start_import, committee, org, settings
):
    """Issue 17: with a new first key in FIELD_ENCRYPTION_KEYS and rotate_field_key not yet run, a
    member hashed under the old key is the same member (the ID lookups already try every key)."""
    old, new = "old-field-key-" + "o" * 32, "new-field-key-" + "n" * 32
    settings.FIELD_ENCRYPTION_KEYS, settings.FIELD_ENCRYPTION_KEY = [old], old
    first = start_import(committee, org.branch_a, csv_file([row(1), row(2)]))
    imports.roster_import_commit(actor=committee, import_id=first.pk)
    settings.FIELD_ENCRYPTION_KEYS, settings.FIELD_ENCRYPTION_KEY = [new, old], new
    rows = [row(1, 手机号="13911112222"), row(2), row(3)]
    again = start_import(committee, org.branch_a, csv_file(rows))
    assert (again.new_count, again.changed_count, again.unchanged_count, again.invalid_count) == (1, 1, 1, 0)
    imports.roster_import_commit(actor=committee, import_id=again.pk)
    assert Member.objects.filter(name__startswith="导入").count() == 3
    assert Member.objects.with_id_number(person(1)).get().phone == "13911112222"
    assert Member.objects.with_id_number(person(2)).count() == 1
    third = Member.objects.with_id_number(person(3)).get()
    assert third.id_number_hash == crypto.keyed_hash(person(3))  # a new member: under the new key
    # A row repeated in the file is still told as such.
    twice = start_import(committee, org.branch_a, csv_file([row(1), row(3), row(1, 姓名="重复")]))
    assert twice.errors == [{"row": 4, "field": "身份证号", "message": "身份证号与第 2 行重复。"}]


def test_moving_a_member_to_another_base_union_needs_a_new_department(start_import, org):
    from members.models import Role
    from members.tests.factories import RoleGrantFactory, UserFactory

    county_chair = UserFactory(username="county_chair")
    RoleGrantFactory(user=county_chair, org_unit=org.county, role=Role.CHAIR)
    MemberFactory(org_unit=org.branch_a, department=org.school_office, id_number=person(1))
    moved = start_import(county_chair, org.county, csv_file([row(1, 所属工会="内科分工会")]))
    assert moved.errors == [
        {
            "row": 2,
            "field": "部门",
            "message": "该会员现在的部门不属于“内科分工会”所在的基层工会，请同时填写新的部门。",
        }
    ]
    moved = start_import(county_chair, org.county, csv_file([row(1, 所属工会="内科分工会", 部门="院办")]))
    assert (moved.invalid_count, moved.changed_count) == (0, 1)


def test_gbk_csv_imports(start_import, chair, org):
    rows = [row(1, 所属工会="高二年级分工会", 部门="办公室"), row(2, 姓名="欧阳娜娜", 用工形式="合同制")]
    roster_import = start_import(chair, org.school, csv_file(rows, encoding="gb18030"))
    assert (roster_import.new_count, roster_import.invalid_count) == (2, 0)
    imports.roster_import_commit(actor=chair, import_id=roster_import.pk)
    assert Member.objects.with_id_number(person(2)).get().name == "欧阳娜娜"
    assert Member.objects.with_id_number(person(2)).get().employment_type == "contract"


def test_double_commit_imports_once(start_import, committee, org):
    roster_import = start_import(committee, org.branch_a, csv_file([row(1), row(2)]))
    imports.roster_import_commit(actor=committee, import_id=roster_import.pk)
    with pytest.raises(imports.RosterImportError) as exc_info:
        imports.roster_import_commit(actor=committee, import_id=roster_import.pk)
    assert "导入完成，不会重复导入" in message_of(exc_info)
    with pytest.raises(imports.RosterImportError):
        imports.roster_import_confirm(actor=committee, import_id=roster_import.pk)
    assert Member.objects.filter(name__startswith="导入").count() == 2
    assert AuditEntry.objects.filter(action="member.import").count() == 1


def test_a_second_click_while_the_commit_is_queued_is_told_so(
    start_import, committee, org, django_capture_on_commit_callbacks
):
    roster_import = start_import(committee, org.branch_a, csv_file([row(1)]))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        claimed = imports.roster_import_confirm(actor=committee, import_id=roster_import.pk)
    assert (claimed.status, len(queued)) == (JobStatus.RUNNING, 1)
    with pytest.raises(imports.RosterImportError) as exc_info:
        imports.roster_import_confirm(actor=committee, import_id=roster_import.pk)
    assert message_of(exc_info) == "该花名册正在导入，请勿重复提交。"
    queued[0]()  # the worker picks up the commit
    roster_import.refresh_from_db()
    assert roster_import.status == JobStatus.DONE
    assert Member.objects.with_id_number(person(1)).count() == 1


def test_a_confirmed_commit_whose_worker_died_is_resumed(start_import, committee, org):
    roster_import = start_import(committee, org.branch_a, csv_file([row(1)]))
    imports.roster_import_confirm(actor=committee, import_id=roster_import.pk)  # task never ran
    roster_import.refresh_from_db()
    assert roster_import.status == JobStatus.RUNNING and roster_import.committed_at
    assert imports.roster_import_commit(actor=committee, import_id=roster_import.pk).status == JobStatus.DONE


def test_a_vanished_file_fails_the_commit_cleanly(start_import, committee, org):
    roster_import = start_import(committee, org.branch_a, csv_file([row(1)]))
    roster_import.file.storage.delete(roster_import.file.name)
    result = imports.roster_import_commit(actor=committee, import_id=roster_import.pk)
    assert (result.status, result.message) == (JobStatus.FAILED, "上传的文件已不存在，请重新上传。")
    assert result.committed_at is None


def test_commit_rolls_everything_back_when_the_roster_changed(start_import, committee, org):
    roster_import = start_import(committee, org.branch_a, csv_file([row(1), row(2), row(3)]))
    # After the preview, someone registers row 3's person at another unit.
    MemberFactory(org_unit=org.branch_b, id_number=person(3))
    result = imports.roster_import_commit(actor=committee, import_id=roster_import.pk)
    assert result.status == JobStatus.PREVIEW and result.committed_at is None
    assert result.invalid_count == 1
    assert result.errors == [{"row": 4, "field": "身份证号", "message": "该身份证号已登记在其他单位，请走转会流程。"}]
    assert "未导入任何数据" in result.message
    assert not Member.objects.with_id_number(person(1)).exists()  # all or nothing
    assert not AuditEntry.objects.filter(action="member.import").exists()


def test_a_database_error_during_the_commit_saves_nothing(start_import, committee, org, monkeypatch):
    # As if someone registered row 3's number between the check and the writing of the batch:
    # the loader does not see it, the unique index does.
    MemberFactory(org_unit=org.branch_a, id_number=person(3))
    monkeypatch.setattr(imports.rows, "existing_members", lambda hashes, lock=False: {})
    roster_import = start_import(committee, org.branch_a, csv_file([row(1), row(2), row(3)]))
    assert (roster_import.status, roster_import.new_count) == (JobStatus.PREVIEW, 3)
    result = imports.roster_import_commit(actor=committee, import_id=roster_import.pk)
    assert result.status == JobStatus.FAILED
    assert "写入花名册时出错" in result.message and "未导入任何数据" in result.message
    assert not Member.objects.with_id_number(person(1)).exists()
    assert Member.objects.with_id_number(person(3)).count() == 1
    assert not AuditEntry.objects.filter(action="member.import").exists()


def test_commit_needs_the_right_at_the_unit(start_import, committee, other_committee, org):
    from django.core.exceptions import PermissionDenied

    roster_import = start_import(committee, org.branch_a, csv_file([row(1)]))
    with pytest.raises(PermissionDenied):
        imports.roster_import_commit(actor=other_committee, import_id=roster_import.pk)
    assert not Member.objects.with_id_number(person(1)).exists()


def test_tasks_are_idempotent(start_import, committee, org):
    from members.tasks import roster_import_commit_task, roster_import_validate_task

    roster_import = start_import(committee, org.branch_a, csv_file([row(1)]))
    roster_import_validate_task(roster_import.pk)  # a redelivered message: already checked
    roster_import.refresh_from_db()
    assert (roster_import.status, roster_import.new_count) == (JobStatus.PREVIEW, 1)
    roster_import_commit_task(roster_import.pk, committee.pk)
    roster_import_commit_task(roster_import.pk, committee.pk)  # finds it DONE, does nothing
    assert Member.objects.with_id_number(person(1)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_commits_import_once(committee, org, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    roster_import = imports.roster_import_create(
        actor=committee, org_unit=org.branch_a, uploaded_file=csv_file([row(i) for i in range(50)])
    )  # outside a transaction: the dry run ran at once
    roster_import.refresh_from_db()
    assert roster_import.status == JobStatus.PREVIEW
    outcomes = run_at_once(
        lambda n: imports.roster_import_commit(actor=committee, import_id=roster_import.pk),
        3,
        refusals=(imports.RosterImportError,),
    )
    assert sum(o.ok for o in outcomes) == 1
    assert Member.objects.filter(name__startswith="导入").count() == 50
    assert AuditEntry.objects.filter(action="member.import").count() == 1


# --- The commit checks every row again and writes them -----------------------------------------


@pytest.fixture
def file_reads(monkeypatch):
    """How many times an import's rows were read from its file."""
    reads = []
    original = imports.services.read_roster

    def counting(*args, **kwargs):
        reads.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(imports.services, "read_roster", counting)
    return reads


def previewed_mix(start_import, committee, org):
    """A preview of one new row, one changed and one unchanged member."""
    changed = MemberFactory(org_unit=org.branch_a, id_number=person(1), name="导入1", phone="13900000000")
    unchanged = start_import(committee, org.branch_a, csv_file([row(2)]))
    imports.roster_import_commit(actor=committee, import_id=unchanged.pk)
    roster_import = start_import(committee, org.branch_a, csv_file([row(1, 部门="办公室"), row(2), row(3)]))
    assert (roster_import.new_count, roster_import.changed_count, roster_import.unchanged_count) == (1, 1, 1)
    return roster_import, changed


def test_the_commit_writes_new_and_changed_members_and_drops_the_upload(
    start_import, committee, org, media, django_capture_on_commit_callbacks
):
    roster_import, changed = previewed_mix(start_import, committee, org)
    before = dict(Member.objects.values_list("pk", "updated_at"))
    upload = media / roster_import.file.name
    with django_capture_on_commit_callbacks(execute=True):
        done = imports.roster_import_commit(actor=committee, import_id=roster_import.pk)
    assert (done.status, done.new_count, done.changed_count, done.unchanged_count) == (JobStatus.DONE, 1, 1, 1)
    assert (done.total_rows, done.processed_rows) == (3, 3)
    new = Member.objects.with_id_number(person(3)).get()
    assert (new.name, new.org_unit, new.gender, new.birth_date) == (
        "导入3",
        org.branch_a,
        "F",
        datetime.date(1980, 1, 4),
    )
    assert (new.joined_on, new.wage_base, new.frontline, new.member_no) == (
        datetime.date(2016, 9, 1),
        Decimal("5000.00"),
        True,
        "T3",
    )
    assert new.id_number == person(3) and new.id_number_masked == Member(id_number=person(3)).id_number_masked
    changed.refresh_from_db()
    assert (changed.phone, changed.department) == ("13900000001", org.school_office)
    assert changed.updated_at > before[changed.pk]
    unchanged = Member.objects.with_id_number(person(2)).get()
    assert unchanged.updated_at == before[unchanged.pk]
    assert not upload.exists()  # it holds 身份证号 in clear


def locked_elsewhere(pk: int) -> bool:
    """Is member `pk` row-locked by another transaction? Asked from a thread with its own connection."""
    from django.db import OperationalError, transaction

    answer = []

    def ask(_n: int) -> None:
        try:
            with transaction.atomic():
                list(Member.objects.select_for_update(nowait=True, of=("self",)).filter(pk=pk))
            answer.append(False)
        except OperationalError:  # "could not obtain lock on row"
            answer.append(True)

    run_at_once(ask, 1, refusals=())
    return answer[0]


@pytest.mark.django_db(transaction=True)
def test_the_commit_locks_the_members_it_overwrites(committee, org, settings, monkeypatch):
    """Between the commit's check of a changed member and its UPDATE nobody may edit that member:
    the edit would be overwritten by values compared against the older row, unseen."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    changed = MemberFactory(org_unit=org.branch_a, id_number=person(1), name="导入1", phone="13900000000")
    roster_import = imports.roster_import_create(
        actor=committee, org_unit=org.branch_a, uploaded_file=csv_file([row(1), row(2)])
    )  # outside a transaction: the dry run ran at once
    roster_import.refresh_from_db()
    assert (roster_import.new_count, roster_import.changed_count) == (1, 1)
    seen = []
    original = imports.rows.write_changed_members

    def write_changed(rows):
        if rows:
            seen.append(locked_elsewhere(changed.pk))
        return original(rows)

    monkeypatch.setattr(imports.rows, "write_changed_members", write_changed)

    done = imports.roster_import_commit(actor=committee, import_id=roster_import.pk)

    assert (done.status, done.changed_count) == (JobStatus.DONE, 1)
    assert seen == [True]
    assert not locked_elsewhere(changed.pk)  # released with the commit


def test_a_commit_makes_a_fixed_number_of_queries(start_import, committee, org, file_reads):
    from django.test.utils import CaptureQueriesContext

    counts = []
    for first, n in ((0, 10), (100, 200)):
        roster_import = start_import(committee, org.branch_a, csv_file([row(i) for i in range(first, first + n)]))
        reads = len(file_reads)
        with CaptureQueriesContext(connection) as captured:
            done = imports.roster_import_commit(actor=committee, import_id=roster_import.pk)
        assert (done.status, done.new_count, len(file_reads)) == (JobStatus.DONE, n, reads + 1)
        counts.append(len(captured))
    assert counts[0] == counts[1]


def rename_unit(org, **kwargs):
    org.group_a.name = "数学组工会小组"
    org.group_a.save()


def edit_member(org, **kwargs):
    Member.objects.with_id_number(person(2)).update(phone="13811112222")


def add_member(org, **kwargs):
    MemberFactory(org_unit=org.branch_a, id_number=person(3))


def rename_department(org, **kwargs):
    org.school_office.name = "校办"
    org.school_office.save()


def next_day(org, monkeypatch, **kwargs):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kw: tomorrow)


def replace_file(org, roster_import, **kwargs):
    with roster_import.file.storage.open(roster_import.file.name, "wb") as stream:
        stream.write(csv_file([row(1, 部门="办公室", 手机号="13955556666"), row(2), row(3)]).read())


@pytest.mark.parametrize(
    ("change", "outcome"),
    [
        (rename_unit, None),  # a unit no row names: no row's outcome changes, but the check runs again
        (edit_member, (1, 2, 0)),  # the unchanged member differs from the file now
        (add_member, (0, 2, 1)),  # row 4 now matches a member (who differs: name, phone …)
        (rename_department, "部门“办公室”不是“第一中学工会”的部门。"),
        (next_day, None),
        (replace_file, None),
    ],
)
def test_the_commit_checks_the_file_again_whatever_changed(
    start_import, committee, org, file_reads, monkeypatch, change, outcome
):
    roster_import, _changed = previewed_mix(start_import, committee, org)
    reads = len(file_reads)
    change(org=org, roster_import=roster_import, monkeypatch=monkeypatch)
    done = imports.roster_import_commit(actor=committee, import_id=roster_import.pk)
    assert len(file_reads) == reads + 1
    if isinstance(outcome, str):
        assert (done.status, done.errors[0]["message"]) == (JobStatus.PREVIEW, outcome)
        assert not Member.objects.with_id_number(person(3)).exists()
        return
    assert done.status == JobStatus.DONE
    if outcome is not None:
        assert (done.new_count, done.changed_count, done.unchanged_count) == outcome
    assert Member.objects.with_id_number(person(2)).get().phone == "13900000002"
    phone = "13955556666" if change is replace_file else "13900000001"
    assert Member.objects.with_id_number(person(1)).get().phone == phone


# --- Pages ---------------------------------------------------------------------------------------


def test_pages_need_login(client, org):
    for name in ["members:import_list", "members:import_new", "members:import_template"]:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_upload_page_offers_only_units_the_user_keeps(login, committee, org):
    body = login(committee).get(reverse("members:import_new")).content.decode()
    assert "高一年级分工会" in body and "语文组工会小组" in body
    assert "高二年级分工会" not in body
    assert reverse("members:import_template") in body


def test_upload_errors_show_on_the_form_and_save_nothing(login, committee, org, media):
    client = login(committee)
    for upload, expected in [
        (SimpleUploadedFile("名单.docx", b"PK\x03\x04"), "只能上传 Excel（.xlsx、.xls）、OpenDocument（.ods）"),
        (SimpleUploadedFile("名单.xlsx", b"not a zip"), "文件内容不是 Excel（.xlsx）格式"),
    ]:
        response = client.post(reverse("members:import_new"), {"org_unit": org.branch_a.pk, "file": upload})
        assert response.status_code == 200
        assert expected in response.content.decode()
    assert not RosterImport.objects.exists()
    assert files_in(media) == []


def test_upload_preview_confirm_and_result_pages(login, committee, org, django_capture_on_commit_callbacks):
    client = login(committee)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("members:import_new"), {"org_unit": org.branch_a.pk, "file": csv_file([row(1), row(2)])}
        )
    roster_import = RosterImport.objects.get()
    assert response["Location"] == reverse("members:import_detail", args=[roster_import.pk])
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page["Cache-Control"].count("no-store") == 1
    assert 'data-count="new">2<' in body and 'data-testid="import-confirm"' in body and "disabled" not in body
    assert 'hx-trigger="every' not in body  # no polling once the preview is ready
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("members:import_commit", args=[roster_import.pk]))
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    # The commit ran after the view answered (on commit, as with a worker), so the message says so.
    assert "已确认导入，正在写入花名册。" in body and 'data-testid="import-result"' in body
    assert Member.objects.filter(name__startswith="导入").count() == 2
    response = client.post(reverse("members:import_commit", args=[roster_import.pk]), follow=True)
    assert "导入完成，不会重复导入" in response.content.decode()
    listing = client.get(reverse("members:import_list")).content.decode()
    assert "花名册.csv" in listing


def test_preview_page_shows_row_errors_and_a_disabled_button(login, committee, org, start_import):
    roster_import = start_import(committee, org.branch_a, csv_file([row(1), row(2, 所属工会="高三年级分工会")]))
    body = login(committee).get(reverse("members:import_detail", args=[roster_import.pk])).content.decode()
    assert "第3行" in body and "所属工会“高三年级分工会”不在“高一年级分工会”之下。" in body
    assert 'data-testid="import-confirm" disabled' in body


def test_progress_partial_polls_while_running(login, committee, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        roster_import = imports.roster_import_create(
            actor=committee, org_unit=org.branch_a, uploaded_file=csv_file([row(1)])
        )
    client = login(committee)
    partial = client.get(reverse("members:import_progress", args=[roster_import.pk])).content.decode()
    assert partial.lstrip().startswith('<div id="import-status"')
    assert 'hx-trigger="every 1s"' in partial and "<html" not in partial
    imports.roster_import_validate(import_id=roster_import.pk)
    partial = client.get(reverse("members:import_progress", args=[roster_import.pk])).content.decode()
    assert "hx-trigger" not in partial and 'data-count="new">1<' in partial


def test_outsider_gets_404_and_treasurer_403(
    login, client, committee, treasurer, outsider, other_committee, org, start_import
):
    roster_import = start_import(committee, org.branch_a, csv_file([row(1)]))
    urls = [
        ("get", reverse("members:import_detail", args=[roster_import.pk])),
        ("get", reverse("members:import_progress", args=[roster_import.pk])),
        ("post", reverse("members:import_commit", args=[roster_import.pk])),
    ]
    for user in (outsider, other_committee):
        client.force_login(user)
        for method, url in urls:
            assert getattr(client, method)(url).status_code == 404, (user, url)
    client.force_login(treasurer)
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 403, url
    for name in ["members:import_list", "members:import_new", "members:import_template"]:
        assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse("members:import_new"), {}).status_code == 403
    roster_import.refresh_from_db()
    assert roster_import.status == JobStatus.PREVIEW


def test_the_list_shows_only_ones_own_imports(login, committee, chair, org, start_import):
    start_import(chair, org.school, csv_file([row(1, 所属工会="高二年级分工会")], name="主席的.csv"))
    start_import(committee, org.branch_a, csv_file([row(2)], name="委员的.csv"))
    body = login(committee).get(reverse("members:import_list")).content.decode()
    assert "委员的.csv" in body and "主席的.csv" not in body


def test_the_list_query_count_does_not_grow(login, committee, org, django_assert_num_queries):
    client = login(committee)
    counts = []
    for total in (1, 30):
        RosterImport.objects.bulk_create(
            RosterImport(org_unit=org.branch_a, created_by=committee, original_name=f"{i}.csv")
            for i in range(total - RosterImport.objects.count())
        )
        with django_assert_num_queries(4) as captured:  # user, grants with own member, count, page
            assert client.get(reverse("members:import_list")).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_failed_import_shows_its_message(login, committee, org, start_import):
    failed = start_import(committee, org.branch_a, csv_file([], header=["姓名", "身份证号", "所属工会"]))
    body = login(committee).get(reverse("members:import_detail", args=[failed.pk])).content.decode()
    assert "文件里除了表头没有数据行。" in body and "重新上传" in body and "import-confirm" not in body


def test_wrong_methods_are_405(login, committee, org, start_import):
    roster_import = start_import(committee, org.branch_a, csv_file([row(1)]))
    client = login(committee)
    assert client.get(reverse("members:import_commit", args=[roster_import.pk])).status_code == 405
    assert client.post(reverse("members:import_detail", args=[roster_import.pk])).status_code == 405
    assert client.post(reverse("members:import_progress", args=[roster_import.pk])).status_code == 405
    assert client.post(reverse("members:import_list")).status_code == 405
    assert client.post(reverse("members:import_template")).status_code == 405
    assert client.delete(reverse("members:import_new")).status_code == 405


def test_template_download(login, committee, org):
    response = login(committee).get(reverse("members:import_template"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADER
    assert sheet["A2"].value.startswith("张三")
    assert sheet["B2"].data_type == "s"  # the number is text, all 18 digits
    assert "高一年级分工会" in [cell.value for cell in workbook["填写说明"]["B"]]
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)


def test_department_of_the_base_union_and_ambiguous_names(start_import, chair, org):
    DepartmentFactory(name="教务处", org_unit=org.school)
    # Two 小组 with the same name in different 分工会 of the school.
    from members.tests.factories import OrgUnitFactory

    OrgUnitFactory(name="语文组工会小组", kind="group", parent=org.branch_b)
    rows = [
        row(1, 所属工会="语文组工会小组"),
        row(2, 所属工会="高一年级分工会/语文组工会小组", 部门="教务处"),
    ]
    roster_import = start_import(chair, org.school, csv_file(rows))
    assert roster_import.invalid_count == 1
    assert "有 2 个单位叫“语文组工会小组”" in roster_import.errors[0]["message"]
    assert roster_import.errors[0]["row"] == 2


# --- The row loop: memoized cells, batches, the check again at commit -----------------------------


@pytest.fixture
def county_chair(org):
    from members.models import Role
    from members.tests.factories import RoleGrantFactory, UserFactory

    user = UserFactory(username="county_chair")
    MemberFactory(name="county_chair", org_unit=org.county, user=user)
    RoleGrantFactory(user=user, org_unit=org.county, role=Role.CHAIR)
    return user


def test_repeated_cells_are_checked_per_row_and_departments_per_unit(start_import, county_chair, org):
    """The repeating columns' widgets are asked once per distinct cell (and 部门 once per unit and
    name): a bad cell is still refused on every row that has it, and the same 部门 is one base
    union's and not the other's."""
    rows = [
        row(1, 所属工会="高一年级分工会", 部门="办公室"),
        row(2, 所属工会="内科分工会", 部门="办公室"),  # 办公室 is the school's, not the hospital's
        row(3, 所属工会="高二年级分工会", 部门="办公室"),
        row(4, 所属工会="内科分工会", 部门="院办"),
        row(5, 用工形式="外包"),
        row(6, 用工形式="外包"),
        row(7, 会费工资基数="-1"),
        row(8, 会费工资基数="-1"),
        row(9, 所属工会="不存在的工会"),
        row(10, 所属工会="不存在的工会"),
    ]
    roster_import = start_import(county_chair, org.county, csv_file(rows))
    by_row = {}
    for error in roster_import.errors:
        by_row.setdefault(error["row"], []).append(error["message"])
    assert sorted(by_row) == [3, 6, 7, 8, 9, 10, 11]
    assert by_row[3] == ["部门“办公室”不是“人民医院工会”的部门。"]
    assert "只能填写：在编" in by_row[6][0] and by_row[6] == by_row[7]
    assert by_row[8] == by_row[9] == ["会费工资基数不能为负数（现在是 -1）。"]
    assert by_row[10] == by_row[11] == ["所属工会“不存在的工会”不在“县总工会”之下。"]
    assert (roster_import.new_count, roster_import.invalid_count) == (3, 7)


def test_checks_and_writes_more_rows_than_a_batch(start_import, committee, org, monkeypatch):
    """Rows are looked up, checked and written batch by batch: batches of 2 here, new and changed
    members mixed, a duplicate number found across batches."""
    monkeypatch.setattr(imports.rows, "BATCH", 2)
    for i in (2, 4):
        MemberFactory(org_unit=org.branch_a, id_number=person(i), name=f"导入{i}", phone="13900000000")
    roster_import = start_import(committee, org.branch_a, csv_file([row(i) for i in range(1, 8)]))
    assert (roster_import.new_count, roster_import.changed_count) == (5, 2)
    duplicate = start_import(committee, org.branch_a, csv_file([row(i) for i in (1, 2, 3, 1)]))
    assert duplicate.errors == [{"row": 5, "field": "身份证号", "message": "身份证号与第 2 行重复。"}]
    done = imports.roster_import_commit(actor=committee, import_id=roster_import.pk)
    assert (done.status, done.new_count, done.changed_count) == (JobStatus.DONE, 5, 2)
    members = {m.id_number: m for m in Member.objects.filter(name__startswith="导入")}
    assert sorted(members) == sorted(person(i) for i in range(1, 8))
    for m in members.values():
        i = int(m.name[2:])
        assert (m.phone, m.member_no, m.wage_base) == (f"1390000{i:04d}", f"T{i}", Decimal("5000.00"))
        assert m.birth_date == datetime.date(1980, 1, 1) + datetime.timedelta(days=i)


def delete_unit(org, **kwargs):
    org.group_a.delete()


def register_number_elsewhere(org, **kwargs):
    MemberFactory(org_unit=org.ward, id_number=person(3))


def move_member_out(org, **kwargs):
    Member.objects.with_id_number(person(2)).update(org_unit=org.ward)


@pytest.mark.parametrize(
    ("change", "row_number", "message"),
    [
        (delete_unit, 3, "所属工会“语文组工会小组”不在“高一年级分工会”之下。"),
        (register_number_elsewhere, 4, "该身份证号已登记在其他单位，请走转会流程。"),
        (move_member_out, 3, "该身份证号已登记在其他单位，请走转会流程。"),
    ],
)
def test_the_check_again_at_commit_refuses_what_changed_since_the_preview(
    start_import, committee, org, change, row_number, message
):
    """The roster changed between the preview and the commit in a way that makes a row invalid:
    every row is checked again, nothing is written, and the row's error is shown."""
    MemberFactory(org_unit=org.branch_a, id_number=person(2), name="导入2")
    rows = [row(1), row(2, 所属工会="语文组工会小组"), row(3)]
    roster_import = start_import(committee, org.branch_a, csv_file(rows))
    assert (roster_import.new_count, roster_import.changed_count, roster_import.invalid_count) == (2, 1, 0)
    change(org=org)
    before = Member.objects.count()
    done = imports.roster_import_commit(actor=committee, import_id=roster_import.pk)
    assert done.status == JobStatus.PREVIEW and done.invalid_count == 1
    assert done.errors == [
        {"row": row_number, "field": "身份证号" if "身份证号" in message else "所属工会", "message": message}
    ]
    assert Member.objects.count() == before
    assert not Member.objects.with_id_number(person(1)).exists()


# --- .xls and .ods (tests/fixtures/roster: the three rows below, saved by LibreOffice from .xlsx) ---

FIXTURES = ROOT / "tests" / "fixtures" / "roster"


@pytest.mark.parametrize("kind", ["xls", "ods"])
def test_xls_and_ods_files_are_checked_and_imported(start_import, committee, org, kind):
    data = (FIXTURES / f"roster-import.{kind}").read_bytes()
    roster_import = start_import(committee, org.branch_a, SimpleUploadedFile(f"花名册.{kind}", data))
    assert (roster_import.status, roster_import.new_count, roster_import.invalid_count) == (JobStatus.PREVIEW, 3, 0)
    done = imports.roster_import_commit(actor=committee, import_id=roster_import.pk)
    assert (done.status, done.new_count) == (JobStatus.DONE, 3)
    second = Member.objects.with_id_number(person(2)).get()
    assert (second.phone, second.joined_on, second.wage_base) == (
        "13900001234",
        datetime.date(2016, 9, 1),
        Decimal("5000.50"),
    )
    assert Member.objects.with_id_number(person(3)).get().frontline is False


def test_a_formula_in_an_ods_file_is_refused():
    data = (FIXTURES / "roster-formula.ods").read_bytes()
    with pytest.raises(imports.RosterImportError) as exc_info:
        imports.check_upload(SimpleUploadedFile("花名册.ods", data))
    assert "含有公式" in message_of(exc_info)


@pytest.mark.parametrize(("kind", "other"), [("xls", "xlsx"), ("ods", "xls"), ("xlsx", "ods")])
def test_a_spreadsheet_under_another_extension_is_refused(kind, other):
    data = (FIXTURES / f"roster-import.{kind}").read_bytes() if kind != "xlsx" else xlsx_bytes([row(1)])
    with pytest.raises(imports.RosterImportError) as exc_info:
        imports.check_upload(SimpleUploadedFile(f"花名册.{other}", data))
    assert "改了扩展名" in message_of(exc_info)
