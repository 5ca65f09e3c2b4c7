"""Hostile imports (issue 9): the roster import (.xlsx/.csv), the ledger import (.xlsx), a pasted plan
and a pasted delegate list. Each is refused with a message on the page, quickly, nothing is saved,
and no request ends in a 500.

The roster import's own tests (members/tests/test_imports.py) already cover the upload checks one
by one (wrong extension, old .xls, password, ratio bomb, formulas, row limits, DTD in the sheet,
UTF-16 and undecodable CSV, GBK CSV imported); here the same hostile files go through the page.
"""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from congress.models import Delegate
from congress.tests import builders
from finance.models import LedgerEntry
from members.imports import files as roster_files
from members.models import Member, RosterImport
from plans.models import Plan
from tests.hostile import files
from union_office.jobs import JobStatus

pytestmark = pytest.mark.django_db
world = builders.world  # the congress tests' fixture: a session at the school with three delegates

QUICK = 2.0  # seconds; refusing a bomb takes milliseconds, the bound is for a busy CI machine

ROSTER = files.workbook(
    [["姓名", "身份证号", "所属工会"], ["张三", "130534198001010012", "高一年级分工会"]],
)
LEDGER = files.workbook([["日期", "科目编码", "金额", "摘要"], ["2026-02-03", "401", 100, "会费"]])


def xlsx_cases(good: bytes) -> dict[str, tuple[str, bytes, str]]:
    """(file name, content, what the message says) for every hostile .xlsx built from `good`."""
    return {
        "exe renamed .xlsx": ("a.xlsx", files.EXE, ""),
        "html renamed .xlsx": ("a.xlsx", files.HTML, ""),
        "svg renamed .xlsx": ("a.xlsx", files.SVG, ""),
        "docx renamed .xlsx": ("a.xlsx", files.document("不是表格"), ""),
        "zip bomb (ratio)": ("a.xlsx", files.ratio_bomb(good), "压缩炸弹"),
        "zip bomb (entry count)": ("a.xlsx", files.many_parts(good), "部件"),
        "billion laughs": ("a.xlsx", files.shared_strings(good, files.BILLION_LAUGHS_DTD, "lol9"), "实体声明"),
        "XXE": ("a.xlsx", files.with_dtd(good, files.SHEET, files.XXE_DTD, "xxe"), "实体声明"),
        "encrypted": ("a.xlsx", files.encrypted(good), "加密"),
        "truncated": ("a.xlsx", files.truncated(good), "已损坏"),
        "CRC error": ("a.xlsx", files.crc_error(good), ""),
        "NUL bytes": ("a.xlsx", b"\x00" * 4096, ""),
        "empty": ("a.xlsx", b"", ""),
    }


def timed(post):
    started = time.perf_counter()
    response = post()
    return response, time.perf_counter() - started


# --- Roster import --------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored(folder) -> list:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


ROSTER_CASES = xlsx_cases(ROSTER) | {
    "exe": ("花名册.exe", files.EXE, "只能上传"),
    "svg": ("花名册.svg", files.SVG, "只能上传"),
    "xlsx renamed .csv": ("花名册.csv", ROSTER, "扩展名却是 .csv"),
    "CSV with NUL bytes": ("花名册.csv", files.NUL_TEXT, "二进制"),
    "CSV in UTF-16": ("花名册.csv", "姓名,身份证号\n".encode("utf-16"), "二进制"),
    "CSV in no known encoding": ("花名册.csv", b"\xff\xfe\xfd\x80\x80\x80", "编码"),
}


@pytest.mark.parametrize(("name", "data", "message"), ROSTER_CASES.values(), ids=ROSTER_CASES.keys())
def test_a_hostile_roster_file_is_refused_on_the_page(login, committee, org, media, name, data, message):
    client = login(committee)
    client.get(reverse("members:import_new"))  # compiles the templates: not part of what is timed
    response, seconds = timed(
        lambda: client.post(
            reverse("members:import_new"), {"org_unit": org.branch_a.pk, "file": SimpleUploadedFile(name, data)}
        )
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "文件未能上传" in body and message in body
    assert seconds < QUICK
    assert not RosterImport.objects.exists() and stored(media) == []


def test_an_oversized_roster_file_is_refused(login, committee, org, media, monkeypatch):
    monkeypatch.setattr(roster_files, "MAX_UPLOAD_BYTES", 1_000)
    upload = SimpleUploadedFile("花名册.csv", "姓名,身份证号,所属工会\n".encode() * 100)
    response = login(committee).post(reverse("members:import_new"), {"org_unit": org.branch_a.pk, "file": upload})
    assert "MB 的上限" in response.content.decode()
    assert not RosterImport.objects.exists() and stored(media) == []


def test_a_gbk_csv_that_is_not_a_roster_is_read_and_refused_by_its_headers(
    login, committee, org, media, django_capture_on_commit_callbacks
):
    """GBK is what Excel in China writes: it is decoded (members/tests/test_imports.py imports one);
    a GBK file with the wrong columns fails the dry run with a message, and its file is dropped."""
    upload = SimpleUploadedFile("花名册.csv", "编号,名字\n1,张三\n".encode("gbk"))
    with django_capture_on_commit_callbacks(execute=True):
        login(committee).post(reverse("members:import_new"), {"org_unit": org.branch_a.pk, "file": upload})
    roster_import = RosterImport.objects.get()
    assert roster_import.status == JobStatus.FAILED and "没有找到表头" in roster_import.message
    assert stored(media) == [] and not Member.objects.filter(name="张三").exists()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(["a.xlsx", "a.csv"]), data=st.binary(min_size=1, max_size=2048))
def test_junk_bytes_as_a_roster_never_crash_or_import(
    login, committee, org, media, django_capture_on_commit_callbacks, name, data
):
    members = Member.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(committee).post(
            reverse("members:import_new"), {"org_unit": org.branch_a.pk, "file": SimpleUploadedFile(name, data)}
        )
    assert response.status_code in (200, 302)
    # Junk that decodes as text passes the cheap checks; its dry run then fails and drops the file.
    assert all(i.status == JobStatus.FAILED for i in RosterImport.objects.all())
    assert stored(media) == [] and Member.objects.count() == members


# --- Ledger import --------------------------------------------------------------------------------

LEDGER_CASES = xlsx_cases(LEDGER) | {
    "GBK CSV": ("凭证.csv", "日期,科目编码,金额,摘要\n2026-02-03,401,100,会费\n".encode("gbk"), "GBK"),
    "dimension bomb": ("a.xlsx", files.dimension_bomb(LEDGER), "工作表超过 4000 行"),
}


def ledger_post(client, org, name: str, data: bytes):
    return client.post(
        reverse("finance:ledger_import"),
        {"unit": org.school.pk, "step": "preview", "file": SimpleUploadedFile(name, data)},
    )


@pytest.mark.parametrize(("name", "data", "message"), LEDGER_CASES.values(), ids=LEDGER_CASES.keys())
def test_a_hostile_ledger_file_is_refused_quickly(login, treasurer, org, name, data, message):
    client = login(treasurer)
    client.get(reverse("finance:ledger_import"))
    entries = LedgerEntry.objects.count()
    response, seconds = timed(lambda: ledger_post(client, org, name, data))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert seconds < QUICK
    assert LedgerEntry.objects.count() == entries


def test_a_sheet_of_empty_rows_is_refused_in_seconds(login, treasurer, org):
    """100,000 empty rows in 200 KB: tablib re-checked every earlier row for each one (minutes)."""
    client = login(treasurer)
    client.get(reverse("finance:ledger_import"))
    response, seconds = timed(lambda: ledger_post(client, org, "a.xlsx", files.empty_rows(LEDGER, 100_000)))
    assert response.status_code == 400 and "工作表超过 4000 行" in response.content.decode()
    assert seconds < 3 * QUICK  # openpyxl reads the 1.5 MB sheet once to size it: ~1 s on an idle machine


def test_an_oversized_ledger_file_is_refused(login, treasurer, org, monkeypatch):
    monkeypatch.setattr("finance.resources.MAX_IMPORT_BYTES", 1_000)
    response = ledger_post(login(treasurer), org, "凭证.xlsx", LEDGER)
    assert response.status_code == 400 and "文件超过" in response.content.decode()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2048))
def test_junk_bytes_as_a_ledger_never_crash(login, treasurer, org, data):
    response = ledger_post(login(treasurer), org, "凭证.xlsx", data)
    assert response.status_code == 400 and "无法读取文件" in response.content.decode()
    assert not LedgerEntry.objects.exists()


# --- Pasted plans ---------------------------------------------------------------------------------


def paste(client, org, text: str, **extra):
    return client.post(reverse("plans:paste"), {"org_unit": org.school.pk, "year": 2026, "text": text, **extra})


PASTE_CASES = {
    "NUL characters": ("一、工作\x00要点\n", "Null"),
    "too long": ("工" * 50_001, "50000"),
    "too many lines": ("一、工作\n" * 2_001, "2,001 行"),
}


@pytest.mark.parametrize(("text", "message"), PASTE_CASES.values(), ids=PASTE_CASES.keys())
def test_a_hostile_paste_is_refused(login, chair, org, text, message):
    client = login(chair)
    body = paste(client, org, text, step="save").content.decode()
    assert message in body or "空字符" in body
    assert not Plan.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # thousands of sibling headings: quadratic before (7 minutes for 200,000 characters), and the
        # preview's numbering failed from the 100th section on (一百 was missing)
        ("一、工作\n" * 2_000, 'data-testid="paste-review"'),
        ("一、标题\n（一）小节\n1、条目\n(1)细项\n①要点\n" * 400, 'data-testid="paste-review"'),
        # newlines lost: the reader splits the one line into thousands of parts
        (("一、开好职代会。二、抓好学习。三、建家活动。" * 3_000)[:50_000], "超过了 2,000 个的上限"),
    ],
    ids=["siblings", "nesting", "run-on"],
)
def test_the_largest_allowed_paste_is_answered_in_seconds(login, chair, org, text, message):
    client = login(chair)
    client.get(reverse("plans:paste"))
    response, seconds = timed(lambda: paste(client, org, text))
    assert response.status_code == 200 and message in response.content.decode()
    assert seconds < 3 * QUICK  # a generous bound: ~1 s on an idle machine
    assert not Plan.objects.exists()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(exclude_categories=("Cs",)), max_size=500))
def test_junk_text_as_a_plan_never_crashes_or_saves(login, chair, org, text):
    response = paste(login(chair), org, text)
    assert response.status_code == 200
    assert not Plan.objects.exists()


# --- Pasted delegate lists ------------------------------------------------------------------------


def delegates_post(client, world, text: str):
    return client.post(reverse("congress:delegates", args=[world.session.pk]), {"text": text})


def test_a_long_delegate_list_is_refused_quickly_and_saves_nothing(login, world, django_assert_max_num_queries):
    client = login(world.motions)
    delegates = Delegate.objects.count()
    text = "".join(f"M{i:05d} 第一代表团\n" for i in range(3_001))
    response, seconds = timed(lambda: delegates_post(client, world, text))
    assert "一次最多导入 3000 名代表" in response.content.decode()
    assert seconds < QUICK
    assert Delegate.objects.count() == delegates


def test_a_delegate_list_is_read_with_one_roster_query(login, world, django_assert_max_num_queries):
    """3,000 unknown names: every line reported, one query for all of them (two per line before)."""
    client = login(world.motions)
    client.get(reverse("congress:delegates", args=[world.session.pk]))
    text = "".join(f"查无此人{i} 第一代表团\n" for i in range(3_000))
    with django_assert_max_num_queries(40):
        response = delegates_post(client, world, text)
    assert "第3000行：本单位在册会员中没有“查无此人2999”。" in response.content.decode()
    assert Delegate.objects.count() == 3


@pytest.mark.parametrize(
    ("text", "message"), [("孙丽\x00 第一代表团", "Null"), ("x" * 200_001, "200000")], ids=["NUL", "too long"]
)
def test_a_hostile_delegate_paste_is_refused(login, world, text, message):
    body = delegates_post(login(world.motions), world, text).content.decode()
    assert message in body or "空字符" in body
    assert Delegate.objects.count() == 3


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=300))
def test_junk_text_as_a_delegate_list_never_crashes(login, world, text):
    response = delegates_post(login(world.motions), world, text)
    assert response.status_code in (200, 302)
    assert Delegate.objects.count() == 3  # nobody in the junk is on the roster
