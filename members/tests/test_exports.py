"""Roster exports: masked by default, full numbers only for roles that may (audited once), formula
payloads neutralised, large exports through Celery, the printable unit roster."""

import re
import subprocess
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from members import exports
from members.models import Member, RosterExport
from members.tasks import roster_export_task
from members.tests.factories import DepartmentFactory, MemberFactory, RoleGrantFactory, UserFactory
from union_office.jobs import JobStatus
from union_office.models import AuditEntry
from union_office.paper_checks import office_to_pdf, read_pdf, soffice, write_artifact
from union_office.xlsx import XLSX_CONTENT_TYPE

FULL_ID = re.compile(r"\d{17}[\dXx]")
EXPORT_AUDIT = "member.export_full_id_numbers"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def workbook_cells(data: bytes) -> list:
    sheet = load_workbook(BytesIO(data)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def workbook_rows(data: bytes) -> list[tuple]:
    return list(load_workbook(BytesIO(data)).active.iter_rows(values_only=True))


def data_rows(data: bytes) -> list[tuple]:
    """The member rows: below the title, the unit/period line and the header, above the blank row
    before the signatures."""
    rows = workbook_rows(data)[3:]
    blank = next((i for i, row in enumerate(rows) if all(value is None for value in row)), len(rows))
    return rows[:blank]


def full_numbers_in(data: bytes) -> list[str]:
    return [str(c.value) for c in workbook_cells(data) if c.value is not None and FULL_ID.search(str(c.value))]


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "roster.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def export_url(**params) -> str:
    url = reverse("members:export_xlsx")
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


# --- Who may export -------------------------------------------------------------------------


def test_export_urls_need_login(client, org):
    export = RosterExport.objects.create(created_by=UserFactory())
    for url in [
        reverse("members:export_xlsx"),
        reverse("members:export_list"),
        reverse("members:export_detail", args=[export.pk]),
        reverse("members:export_progress", args=[export.pk]),
        reverse("members:export_download", args=[export.pk]),
        reverse("members:unit_roster_pdf", args=[org.school.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_export_is_get_only(login, chair, org):
    client = login(chair)
    assert client.post(reverse("members:export_xlsx")).status_code == 405
    assert client.post(reverse("members:unit_roster_pdf", args=[org.branch_a.pk])).status_code == 405
    assert client.post(reverse("members:export_list")).status_code == 405


def test_plain_member_may_not_export(login, member, member_in_b):
    response = login(member).get(export_url())
    assert response.status_code == 403
    assert "花名册" in response.content.decode()


# --- Masked by default ----------------------------------------------------------------------


def test_default_export_has_masked_numbers_only(login, chair, member_in_a, member_in_b):
    response = login(chair).get(export_url())

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "no-store" in response["Cache-Control"]
    assert "attachment" in response["Content-Disposition"]
    data = response.content
    assert full_numbers_in(data) == []
    rows = workbook_rows(data)
    assert rows[0][0] == "会员花名册"
    assert rows[1][0] == "填报单位：第一中学工会"
    assert rows[2] == (
        "序号",
        "姓名",
        "会员编号",
        "性别",
        "民族",
        "身份证号",
        "出生日期",
        "文化程度",
        "政治面貌",
        "手机号",
        "所属工会",
        "部门",
        "入会日期",
        "会员证号",
        "会籍状态",
        "用工形式",
        "一线职工",
        "会费工资基数",
    )
    by_name = {row[1]: row for row in data_rows(data)}
    assert by_name["张三"][5] == member_in_a.id_number_masked
    assert by_name["张三"][10] == "语文组工会小组"
    assert by_name["李四"][14] == "在册"
    assert [row[0] for row in data_rows(data)] == list(range(1, len(by_name) + 1))
    assert not AuditEntry.objects.filter(action=EXPORT_AUDIT).exists()


def test_export_follows_the_list_filters_and_scope(login, committee, org, member_in_a, member_in_b):
    data = login(committee).get(export_url()).content
    names = {row[1] for row in data_rows(data)}
    assert "张三" in names
    assert "李四" not in names  # 分工会 B is outside the committee member's scope

    data = login(committee).get(export_url(q="张三")).content
    assert [row[1] for row in data_rows(data)] == ["张三"]
    assert workbook_rows(data)[1][0] == "填报单位：高一年级分工会"


def test_filter_outside_the_scope_is_refused_with_a_message(login, committee, org, member_in_a):
    response = login(committee).get(export_url(unit=org.branch_b.pk))
    assert response.status_code == 400
    assert "单位" in response.content.decode()
    assert "无法导出" in response.content.decode()


def test_query_count_does_not_grow_with_rows(login, chair, org, django_assert_max_num_queries):
    client = login(chair)
    MemberFactory.create_batch(5, org_unit=org.branch_a)
    client.get(export_url())  # warm the session and content-type caches
    # Session, user, grants (2), COUNT, the 单位 line's unit names, the rows, the audit entry: 8 however many rows.
    with django_assert_max_num_queries(8):
        assert client.get(export_url()).status_code == 200
    MemberFactory.create_batch(45, org_unit=org.branch_b)
    with django_assert_max_num_queries(8):
        response = client.get(export_url())
    assert len(data_rows(response.content)) == 50 + 1  # and the chair's own member record


def test_masked_export_shows_the_birth_year_only_and_is_audited(login, treasurer, member_in_b):
    """Issue 17, finding 1: the masked digits are the birth date, so the masked file shows the year."""
    response = login(treasurer).get(export_url(status="active"))

    assert response.status_code == 200
    row = next(r for r in data_rows(response.content) if r[1] == member_in_b.name)
    assert row[5] == member_in_b.id_number_masked
    assert row[6] == str(member_in_b.birth_date.year)
    entry = AuditEntry.objects.get(action="member.export_roster")
    assert entry.actor == treasurer
    assert entry.changes["filter"] == "status=active"


# --- Full numbers ---------------------------------------------------------------------------


def test_chair_exports_full_numbers_with_one_audit_entry(login, chair, member_in_a, member_in_b):
    response = login(chair).get(export_url(full=1, status="active"))

    assert response.status_code == 200
    numbers = full_numbers_in(response.content)
    assert member_in_a.id_number in numbers
    assert member_in_b.id_number in numbers
    entry = AuditEntry.objects.get(action=EXPORT_AUDIT)
    assert entry.actor == chair
    assert entry.changes == {"rows": 3, "filter": "status=active"}


def test_treasurer_asking_for_full_numbers_gets_403_and_no_audit(login, treasurer, member_in_b):
    response = login(treasurer).get(export_url(full=1))
    assert response.status_code == 403
    assert "完整身份证号" in response.content.decode()
    assert not AuditEntry.objects.filter(action=EXPORT_AUDIT).exists()
    # The masked export is theirs to take.
    assert login(treasurer).get(export_url()).status_code == 200


def test_full_numbers_only_where_the_permission_holds(login, committee, org, member_in_a, member_in_b):
    # Committee of 分工会 A also holds a read-only role over the whole school: roster rows of B are
    # theirs to read, their full numbers are not.
    RoleGrantFactory(user=committee, org_unit=org.school, role="treasurer")
    data = login(committee).get(export_url(full=1)).content
    names = {row[1] for row in data_rows(data)}
    assert "张三" in names
    assert "李四" not in names
    assert member_in_b.id_number not in str(workbook_rows(data))


# --- Formula injection ----------------------------------------------------------------------


def test_formula_payloads_are_neutralised(login, chair, org, member_in_a):
    department = DepartmentFactory(name="@SUM(A1)", org_unit=org.school)
    Member.objects.filter(pk=member_in_a.pk).update(name="=1+1", phone="+1", member_no="-1", department=department)

    data = login(chair).get(export_url()).content

    cells = workbook_cells(data)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    row = next(row for row in data_rows(data) if row[2] == "'-1")
    assert row[1] == "'=1+1"
    assert row[9] == "'+1"
    assert row[11] == "'@SUM(A1)"


# --- Large exports through Celery -----------------------------------------------------------


@pytest.fixture
def small_sync_limit(monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_SYNC_LIMIT", 2)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)


def test_large_export_runs_in_celery_and_only_its_creator_downloads(
    login, chair, committee, org, small_sync_limit, django_capture_on_commit_callbacks, media_root
):
    MemberFactory.create_batch(4, org_unit=org.branch_a)
    client = login(chair)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.get(export_url(full=1))

    assert len(callbacks) == 1
    export = RosterExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("members:export_detail", args=[export.pk])
    assert export.status == JobStatus.DONE
    assert export.full_id_numbers
    school_members = Member.objects.filter(org_unit__path__startswith=org.school.path).count()
    assert export.total_rows == export.processed_rows == school_members == 6  # 4 + the chair's and committee's
    assert Path(export.file.path).is_file()
    assert Path(export.file.path).is_relative_to(media_root)
    assert AuditEntry.objects.filter(action=EXPORT_AUDIT).count() == 1
    assert AuditEntry.objects.get(action=EXPORT_AUDIT).object_id == str(export.pk)

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "下载" in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    partial = client.get(reverse("members:export_progress", args=[export.pk]))
    assert "hx-trigger" not in partial.content.decode()  # done: polling stops
    assert "<html" not in partial.content.decode()

    download = client.get(reverse("members:export_download", args=[export.pk]))
    assert download.status_code == 200
    assert "no-store" in download["Cache-Control"]
    assert download["Content-Disposition"].startswith("attachment")
    assert (
        "filename*=utf-8''%E4%BC%9A%E5%91%98%E8%8A%B1%E5%90%8D%E5%86%8C" in download["Content-Disposition"]
    )  # 会员花名册
    data = b"".join(download.streaming_content)
    assert len(data_rows(data)) == 6
    assert len(full_numbers_in(data)) == 6

    other = login(committee)
    for name in ["export_detail", "export_progress", "export_download"]:
        assert other.get(reverse(f"members:{name}", args=[export.pk])).status_code == 404, name
    assert (
        reverse("members:export_detail", args=[export.pk])
        not in other.get(reverse("members:export_list")).content.decode()
    )


def test_progress_is_written_while_running(chair, org, small_sync_limit, monkeypatch):
    MemberFactory.create_batch(5, org_unit=org.branch_a)
    export = RosterExport.objects.create(created_by=chair, query="", total_rows=6)
    seen: list[tuple[str, int]] = []
    real_rows = exports._roster_rows

    def watching_rows(*args, **kwargs):
        for row in real_rows(*args, **kwargs):
            current = RosterExport.objects.get(pk=export.pk)
            seen.append((current.status, current.processed_rows))
            yield row

    monkeypatch.setattr(exports, "_roster_rows", watching_rows)
    exports.roster_export_run(export_id=export.pk)

    assert seen[0] == (JobStatus.RUNNING, 0)
    assert (JobStatus.RUNNING, 4) in seen  # updated every PROGRESS_EVERY (2) rows
    export.refresh_from_db()
    assert (export.status, export.processed_rows, export.total_rows) == (JobStatus.DONE, 6, 6)


def test_celery_export_streams_into_a_file_never_into_bytes(chair, org, small_sync_limit, monkeypatch, media_root):
    MemberFactory.create_batch(3, org_unit=org.branch_a)
    export = RosterExport.objects.create(created_by=chair, query="")

    def no_buffer(*args, **kwargs):
        raise AssertionError("the Celery export must not build the file in memory")

    monkeypatch.setattr(exports, "BytesIO", no_buffer)
    exports.roster_export_run(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == JobStatus.DONE, export.message
    data = Path(export.file.path).read_bytes()
    assert len(data_rows(data)) == 4  # the 3 and the chair (the committee fixture is not requested)
    assert not full_numbers_in(data)


def test_queued_export_page_polls(login, chair):
    export = RosterExport.objects.create(created_by=chair, total_rows=10_000)
    body = login(chair).get(reverse("members:export_detail", args=[export.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in body
    assert reverse("members:export_progress", args=[export.pk]) in body
    assert login(chair).get(reverse("members:export_download", args=[export.pk])).status_code == 404


def test_second_run_of_a_done_export_does_nothing(chair, org, member_in_a):
    export = RosterExport.objects.create(created_by=chair, full_id_numbers=True)
    roster_export_task.delay(export.pk)
    export.refresh_from_db()
    assert export.status == JobStatus.DONE
    first_file = export.file.name

    roster_export_task.delay(export.pk)
    exports.roster_export_run(export_id=export.pk)

    export.refresh_from_db()
    assert export.file.name == first_file
    assert AuditEntry.objects.filter(action=EXPORT_AUDIT).count() == 1


def test_task_reapplies_filter_and_access_policy(committee, org, member_in_a, member_in_b):
    export = RosterExport.objects.create(created_by=committee, query="q=%E5%BC%A0%E4%B8%89")  # q=张三
    exports.roster_export_run(export_id=export.pk)
    export.refresh_from_db()
    with export.file.open("rb") as handle:
        assert [row[1] for row in data_rows(handle.read())] == ["张三"]

    # A stored filter reaching outside the creator's scope fails with a message, and writes nothing.
    outside = RosterExport.objects.create(created_by=committee, query=f"unit={org.branch_b.pk}")
    exports.roster_export_run(export_id=outside.pk)
    outside.refresh_from_db()
    assert outside.status == JobStatus.FAILED
    assert "单位" in outside.message
    assert not outside.file


def test_task_refuses_full_numbers_once_the_role_is_gone(committee, org, member_in_a):
    export = RosterExport.objects.create(created_by=committee, full_id_numbers=True)
    committee.role_grants.all().delete()
    exports.roster_export_run(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == JobStatus.FAILED
    assert "完整身份证号" in export.message
    assert not AuditEntry.objects.filter(action=EXPORT_AUDIT).exists()


def test_export_list_shows_own_exports_with_readable_filters(login, chair, committee, org):
    mine = RosterExport.objects.create(
        created_by=chair, query=f"unit={org.branch_a.pk}&status=active", total_rows=7_000
    )
    RosterExport.objects.create(created_by=committee, query="q=secret-of-committee")
    body = login(chair).get(reverse("members:export_list")).content.decode()
    assert reverse("members:export_detail", args=[mine.pk]) in body
    assert "单位：高一年级分工会；会籍状态：在册" in body
    assert "secret-of-committee" not in body
    detail = login(chair).get(reverse("members:export_detail", args=[mine.pk])).content.decode()
    assert "单位：高一年级分工会；会籍状态：在册" in detail


# --- Printable roster of one unit -----------------------------------------------------------


def test_unit_roster_pdf(login, chair, org, member_in_a, tmp_path):
    MemberFactory(name="王五", org_unit=org.branch_a, phone="13912345678", department=org.school_office)
    response = login(chair).get(reverse("members:unit_roster_pdf", args=[org.branch_a.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content, tmp_path)
    squeezed = re.sub(r"\s+", "", text)
    assert "高一年级分工会会员花名册" in squeezed
    assert "张三" in squeezed and "王五" in squeezed
    assert "语文组工会小组" in squeezed  # the 小组 below the 分工会 is included, under its own heading
    assert member_in_a.id_number_masked in squeezed
    assert "第1页/共1页" in squeezed
    assert not FULL_ID.search(text)
    assert not FULL_ID.search(squeezed)
    # Masked, yet a roster leaving the system: audited as an export (issue 17, finding 6), not a reveal.
    assert list(AuditEntry.objects.filter(action__startswith="member.").values_list("action", flat=True)) == [
        "member.export_roster_pdf"
    ]


def test_unit_roster_pdf_has_the_standard_columns_and_the_filing_block(login, chair, org, tmp_path):
    """The 会员花名册 as unions file it: 民族, 出生年月, 文化程度, 政治面貌, 会员证号, a 填报 block."""
    org.branch_a.contact_phone = "0311-87654321"
    org.branch_a.save()
    MemberFactory(
        name="马六",
        org_unit=org.branch_a,
        ethnicity="回族",
        education="master",
        political_status="party_member",
        card_no="HZ2016-0042",
        birth_date=timezone.localdate().replace(year=1986, month=7, day=15),
        id_number="110105198607150017",
    )
    pdf = write_artifact(
        "roster.pdf", login(chair).get(reverse("members:unit_roster_pdf", args=[org.branch_a.pk])).content
    )
    text = pdf_text(pdf, tmp_path)
    squeezed = re.sub(r"\s+", "", text)
    header = "序号姓名性别民族出生年月文化程度政治面貌身份证号部门入会时间会员证号联系电话"
    assert header in squeezed
    assert "回族" in squeezed and "硕士研究生" in squeezed and "中共党员" in squeezed and "HZ2016-0042" in squeezed
    for label in ("填报单位（盖章）：高一年级分工会", "填报日期：", "填报人：", "审核人：", "单位负责人："):
        assert label in squeezed
    assert "联系电话：0311-87654321" in squeezed
    # Beside the masked number only the birth year: 1986.07 would give back the hidden digits.
    assert "1986" in squeezed and "1986.07" not in squeezed and "198607" not in squeezed


def test_the_roster_workbook_has_the_new_columns_and_signature_row(login, chair, org):
    MemberFactory(name="马六", org_unit=org.branch_a, ethnicity="回族", education="college", card_no="HZ7")
    data = login(chair).get(export_url(unit=org.branch_a.pk)).content
    rows = workbook_rows(data)
    header = rows[2]
    for title in ("民族", "文化程度", "政治面貌", "会员证号"):
        assert title in header
    assert str(rows[1][0]).startswith("填报单位：高一年级分工会")
    assert any(str(value).startswith("填报日期：") for value in rows[1] if value)
    row = next(r for r in rows[3:] if r[1] == "马六")
    by_title = dict(zip(header, row, strict=True))
    assert (by_title["民族"], by_title["文化程度"], by_title["会员证号"]) == ("回族", "大学专科", "HZ7")
    signature = rows[-1][0]
    assert "填报人：" in signature and "审核人：" in signature
    if soffice() is not None:  # as an office suite prints it: the new columns fit, the 填报 lines whole
        pages = read_pdf(write_artifact("roster-xlsx-office.pdf", office_to_pdf(data, ".xlsx")))
        assert len(pages) == 1
        for text in ("填报单位：高一年级分工会", "文化程度", "政治面貌", "会员证号", "填报人：", "审核人："):
            assert text in pages[0].text, text


def test_unit_roster_pdf_is_404_outside_the_scope(login, committee, outsider, org):
    assert login(outsider).get(reverse("members:unit_roster_pdf", args=[org.branch_a.pk])).status_code == 404
    assert login(committee).get(reverse("members:unit_roster_pdf", args=[org.branch_b.pk])).status_code == 404


def test_unit_roster_pdf_rejects_a_bad_status(login, chair, org):
    response = login(chair).get(reverse("members:unit_roster_pdf", args=[org.branch_a.pk]) + "?status=bogus")
    assert response.status_code == 400
    assert "会籍状态" in response.content.decode()


def test_unit_roster_pdf_refuses_too_many_rows(login, chair, org, member_in_a, monkeypatch):
    monkeypatch.setattr(exports, "PDF_ROW_LIMIT", 1)
    MemberFactory(org_unit=org.branch_a)
    response = login(chair).get(reverse("members:unit_roster_pdf", args=[org.branch_a.pk]))
    assert response.status_code == 400
    assert "导出 Excel" in response.content.decode()


def test_a_running_export_is_claimed_again_only_once_its_worker_is_surely_dead(chair, member_in_a, settings):
    fresh = RosterExport.objects.create(created_by=chair, status=JobStatus.RUNNING)
    exports.roster_export_run(export_id=fresh.pk)
    fresh.refresh_from_db()
    assert fresh.status == JobStatus.RUNNING  # another worker is on it

    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    RosterExport.objects.filter(pk=fresh.pk).update(updated_at=long_ago)
    exports.roster_export_run(export_id=fresh.pk)
    fresh.refresh_from_db()
    assert fresh.status == JobStatus.DONE


def test_a_background_export_on_either_storage_backend_reaches_only_its_creator(
    storage_backend, login, chair, committee, org, small_sync_limit, django_capture_on_commit_callbacks
):
    """Issue 23: the worker writes the file through the "default" alias (a folder or a bucket) and
    the web node streams it back after the same ownership check."""
    MemberFactory.create_batch(3, org_unit=org.branch_a)
    client = login(chair)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(export_url(full=1))
    export = RosterExport.objects.get()
    assert export.status == JobStatus.DONE
    assert storages["default"].exists(export.file.name)
    download = client.get(reverse("members:export_download", args=[export.pk]))
    assert download.status_code == 200
    assert len(data_rows(b"".join(download.streaming_content))) == 5
    assert login(committee).get(reverse("members:export_download", args=[export.pk])).status_code == 404


def test_a_roster_longer_than_a_sheet_goes_on_over_further_sheets(settings, login, chair, org):
    """Issue 23: past Excel's row limit (here a small XLSX_MAX_ROWS_PER_SHEET) the export is not a
    broken file but further sheets, each with its header; no member lost or doubled."""
    # Title, unit line, header, (合计), a blank row and the signatures leave 4 members a sheet.
    settings.XLSX_MAX_ROWS_PER_SHEET = 10
    MemberFactory.create_batch(9, org_unit=org.branch_a)
    expected = Member.objects.filter(org_unit__path__startswith=org.school.path).count()

    workbook = load_workbook(BytesIO(login(chair).get(export_url()).content))

    assert len(workbook.sheetnames) == -(-expected // 4) >= 2
    members = []
    for sheet in workbook.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) <= 10
        assert rows[2] == workbook_rows_header(workbook)
        members += [row for row in rows[3:] if isinstance(row[0], int)]
    assert len(members) == len(set(members)) == expected


def workbook_rows_header(workbook) -> tuple:
    return next(workbook.worksheets[0].iter_rows(min_row=3, max_row=3, values_only=True))
