"""Hostile uploads that are stored: welfare documents (PDF/JPG/PNG, private root) and 提案 attachments
(PDF, Word, Excel, pictures), and the package check under every Office upload (issue 9).

Each hostile file is refused with a message on the page, nothing is saved (no row, no file under
MEDIA_ROOT or the private root), and the bombs are refused within a generous time bound.
"""

import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from congress.models import Motion
from congress.tests import builders
from congress.tests.builders import MOTION_TEXT, user_of
from tests.hostile import files
from union_office.office_package import check_office_package
from welfare.models import AidApplication, Attachment

pytestmark = pytest.mark.django_db
world = builders.world  # the congress tests' fixture: a session at the school with three delegates

# Refusing a bomb reads the zip directory only: milliseconds. Generous, so a busy CI machine passes.
QUICK = 2.0

XLSX = files.workbook([["姓名", "身份证号"], ["张三", "110101199001011234"]])
DOCX = files.document("关于改善教职工食堂就餐条件的调研报告")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def roots(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return tmp_path


def stored_files(tmp_path) -> list:
    return [p for p in tmp_path.rglob("*") if p.is_file()]


# --- The package check ----------------------------------------------------------------------------

PACKAGE_CASES = {
    "zip bomb (ratio)": (files.ratio_bomb(XLSX), "压缩炸弹"),
    "zip bomb (entry count)": (files.many_parts(XLSX), "部件"),
    "billion laughs in sharedStrings": (
        files.shared_strings(XLSX, files.BILLION_LAUGHS_DTD, "lol9"),
        "实体声明",
    ),
    "XXE in the sheet": (
        files.with_dtd(
            files.replace_part(XLSX, files.SHEET, files.inline_sheet([["x"]])), files.SHEET, files.XXE_DTD, "xxe"
        ),
        "实体声明",
    ),
    "billion laughs in a .docx": (files.with_dtd(DOCX, files.DOCUMENT, files.BILLION_LAUGHS_DTD, "lol9"), "实体声明"),
    "DOCTYPE in UTF-16": (
        files.replace_part(XLSX, "xl/workbook.xml", (files.XXE_DTD + "<workbook/>").encode("utf-16")),
        "实体声明",
    ),
    "encrypted": (files.encrypted(XLSX), "已加密"),
    "truncated": (files.truncated(XLSX), "已损坏"),
    "CRC error": (files.crc_error(XLSX), "已损坏"),
    "not a zip": (files.HTML, "已损坏"),
}


@pytest.mark.parametrize(("data", "message"), PACKAGE_CASES.values(), ids=PACKAGE_CASES.keys())
def test_the_package_check_refuses_hostile_office_files_quickly(data, message):
    started = time.perf_counter()
    with pytest.raises(ValidationError) as refused:
        check_office_package(SimpleUploadedFile("x.xlsx", data), max_unzipped_bytes=10**9, kind="Excel", verify=True)
    assert time.perf_counter() - started < QUICK
    assert message in " ".join(refused.value.messages)


def test_the_package_check_limits_the_unzipped_size_and_accepts_real_files():
    check_office_package(SimpleUploadedFile("a.xlsx", XLSX), max_unzipped_bytes=10**6, kind="Excel", verify=True)
    check_office_package(SimpleUploadedFile("a.docx", DOCX), max_unzipped_bytes=10**6, kind="Word", verify=True)
    with pytest.raises(ValidationError, match="压缩炸弹"):
        check_office_package(SimpleUploadedFile("a.xlsx", XLSX), max_unzipped_bytes=1_000, kind="Excel")


def test_a_nested_zip_is_never_inflated():
    started = time.perf_counter()
    check_office_package(
        SimpleUploadedFile("a.xlsx", files.nested_bomb(XLSX)), max_unzipped_bytes=10**7, kind="Excel", verify=True
    )
    assert time.perf_counter() - started < QUICK


# --- 提案 attachments (stored under MEDIA_ROOT, downloaded by colleagues) -----------------------------

ATTACHMENT_CASES = {
    "exe": ("run.exe", files.EXE, "附件只能是"),
    "svg": ("图.svg", files.SVG, "附件只能是"),
    "exe renamed .pdf": ("方案.pdf", files.EXE, "附件内容与扩展名 .pdf 不符"),
    "html renamed .docx": ("方案.docx", files.HTML, "附件内容与扩展名 .docx 不符"),
    "svg renamed .png": ("图.png", files.SVG, "附件内容与扩展名 .png 不符"),
    "html renamed .jpg": ("图.jpg", files.HTML, "附件内容与扩展名 .jpg 不符"),
    "NUL bytes as .pdf": ("方案.pdf", b"\x00" * 4096, "附件内容与扩展名 .pdf 不符"),
    "empty": ("方案.pdf", b"", "空文件"),
    "zip bomb .docx": ("方案.docx", files.ratio_bomb(DOCX, files.DOCUMENT), "压缩炸弹"),
    "entry-count bomb .xlsx": ("表.xlsx", files.many_parts(XLSX), "部件"),
    "billion laughs .docx": (
        "方案.docx",
        files.with_dtd(DOCX, files.DOCUMENT, files.BILLION_LAUGHS_DTD, "lol9"),
        "实体声明",
    ),
    "XXE .docx": ("方案.docx", files.with_dtd(DOCX, files.DOCUMENT, files.XXE_DTD, "xxe"), "实体声明"),
    "truncated .docx": ("方案.docx", files.truncated(DOCX), "已损坏"),
    "CRC error .docx": ("方案.docx", files.crc_error(DOCX, files.DOCUMENT), "已损坏"),
}


@pytest.mark.parametrize(("name", "data", "message"), ATTACHMENT_CASES.values(), ids=ATTACHMENT_CASES.keys())
def test_a_hostile_motion_attachment_is_refused_and_nothing_is_stored(login, world, roots, name, data, message):
    client = login(user_of(world.d1))
    url = reverse("congress:motion_create", args=[world.session.pk])
    client.get(url)  # the first request of a test compiles templates: not part of what is timed
    started = time.perf_counter()
    response = client.post(url, MOTION_TEXT | {"attachment": SimpleUploadedFile(name, data)})
    assert time.perf_counter() - started < QUICK
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Motion.objects.exists()
    assert stored_files(roots) == []


def test_an_oversized_motion_attachment_is_refused(login, world, roots, monkeypatch):
    monkeypatch.setattr("congress.forms.MAX_ATTACHMENT_BYTES", 1_000)
    response = login(user_of(world.d1)).post(
        reverse("congress:motion_create", args=[world.session.pk]),
        MOTION_TEXT | {"attachment": SimpleUploadedFile("方案.pdf", PDF + b"0" * 2_000)},
    )
    assert "附件不能超过" in response.content.decode()
    assert not Motion.objects.exists() and stored_files(roots) == []


def test_a_real_docx_attachment_is_stored(login, world, roots):
    client = login(user_of(world.d1))
    client.post(
        reverse("congress:motion_create", args=[world.session.pk]),
        MOTION_TEXT | {"attachment": SimpleUploadedFile("调研报告.docx", DOCX)},
    )
    assert Motion.objects.get().attachment_name == "调研报告.docx"
    assert len(stored_files(roots)) == 1


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(["a.pdf", "a.docx", "a.xlsx", "a.png", "a.jpg", "a.doc"]), data=st.binary(max_size=2048))
def test_junk_bytes_as_a_motion_attachment_never_crash(login, world, roots, name, data):
    response = login(user_of(world.d1)).post(
        reverse("congress:motion_create", args=[world.session.pk]),
        MOTION_TEXT | {"attachment": SimpleUploadedFile(name, data)},
    )
    # Junk that starts with the right magic bytes is a (broken) file of that type, and is stored.
    if response.status_code == 302:
        Motion.objects.all().delete()
        for path in stored_files(roots):
            path.unlink()
        return
    assert response.status_code == 200
    assert not Motion.objects.exists()
    assert stored_files(roots) == []


# --- Welfare documents (private root) -----------------------------------------------------------

WELFARE_CASES = {
    "exe": ("病历.exe", files.EXE, "内容不是 PDF、JPG 或 PNG"),
    "svg": ("病历.svg", files.SVG, "内容不是 PDF、JPG 或 PNG"),
    "exe renamed .pdf": ("病历.pdf", files.EXE, "内容不是 PDF、JPG 或 PNG"),
    "html renamed .jpg": ("病历.jpg", files.HTML, "内容不是 PDF、JPG 或 PNG"),
    "svg renamed .png": ("病历.png", files.SVG, "内容不是 PDF、JPG 或 PNG"),
    "docx renamed .pdf": ("病历.pdf", DOCX, "内容不是 PDF、JPG 或 PNG"),
    "zip bomb renamed .pdf": ("病历.pdf", files.ratio_bomb(XLSX), "内容不是 PDF、JPG 或 PNG"),
    "PDF named .jpg": ("病历.jpg", PDF, "扩展名与内容不符"),
    "NUL bytes": ("病历.pdf", b"\x00" * 4096, "内容不是 PDF、JPG 或 PNG"),
    "empty": ("病历.pdf", b"", "空文件"),
}


def aid_post(client, name: str, data: bytes):
    return client.post(
        reverse("welfare:aid_create"),
        {
            "kind": "illness",
            "amount_requested": "3000",
            "reason": "住院",
            "submit_now": "on",
            "documents": [SimpleUploadedFile(name, data, content_type="application/pdf")],
        },
    )


@pytest.mark.parametrize(("name", "data", "message"), WELFARE_CASES.values(), ids=WELFARE_CASES.keys())
def test_a_hostile_welfare_document_is_refused_and_nothing_is_stored(login, member, roots, name, data, message):
    client = login(member)
    client.get(reverse("welfare:aid_create"))  # compiles the templates: not part of what is timed
    started = time.perf_counter()
    response = aid_post(client, name, data)
    assert time.perf_counter() - started < QUICK
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AidApplication.objects.exists() and not Attachment.objects.exists()
    assert stored_files(roots) == []


def test_an_oversized_welfare_document_is_refused(login, member, roots, settings):
    settings.WELFARE_UPLOAD_MAX_BYTES = 1_000
    response = aid_post(login(member), "病历.pdf", PDF + b"0" * 2_000)
    assert "单个文件不能超过" in response.content.decode()
    assert not AidApplication.objects.exists() and stored_files(roots) == []


def test_a_pdf_carrying_html_is_served_as_a_pdf_that_no_browser_sniffs(login, member, roots):
    polyglot = b"%PDF-1.4\n" + files.HTML
    client = login(member)
    aid_post(client, "病历.pdf", polyglot)
    attachment = Attachment.objects.get()
    response = client.get(reverse("welfare:attachment", args=[attachment.pk]))
    response.close()
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(["a.pdf", "a.jpg", "a.png", "a.svg", "a.html"]), data=st.binary(min_size=1, max_size=2048))
def test_junk_bytes_as_a_welfare_document_never_crash(login, member, roots, name, data):
    response = aid_post(login(member), name, data)
    if response.status_code == 302:  # junk that starts with a PDF/JPG/PNG signature is that type
        Attachment.objects.all().delete()
        AidApplication.objects.all().delete()
        for path in stored_files(roots):
            path.unlink()
        return
    assert response.status_code == 200
    assert not Attachment.objects.exists()
    assert stored_files(roots) == []
