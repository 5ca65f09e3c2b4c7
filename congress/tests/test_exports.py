"""提案汇编 (PDF), 提案办理情况一览表 (Excel) and the statistics of a session."""

import re
import shutil
import subprocess
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from congress import exports, services
from congress.models import CompilationExport, Satisfaction
from union_office.jobs import JobStatus

from .builders import TODAY, motion_assigned, motion_registered, user_of

pytestmark = pytest.mark.django_db
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


@pytest.fixture
def handled(world):
    first = motion_assigned(world)
    services.motion_reply(
        actor=world.handler, motion_id=first.pk, department_id=world.general.pk, text="已增设两个售饭窗口。"
    )
    services.motion_rate(actor=user_of(world.d1), motion_id=first.pk, rating=Satisfaction.SATISFIED)
    services.motion_set_flags(actor=world.motions, motion_id=first.pk, is_key=True, is_excellent=False)
    second = motion_registered(
        world,
        title='=HYPERLINK("x") 增加教师培训经费',
        category="training",
        reason="培训经费不足。",
        proposal="按比例列支。",
    )
    return first, second


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"[ \u3000]+", "", text)


@needs_poppler
def test_compilation_has_cover_contents_and_each_motion_with_its_reply(world, handled, tmp_path):
    text = _pdf_text(exports.compilation_pdf(world.session), tmp_path)
    pages = text.split("\f")
    assert "提案汇编" in pages[0] and "立案提案2件" in pages[0] and "其中重点提案1件" in pages[0]
    assert "目录" in pages[1]
    assert re.search(rf"{TODAY.year}-001改善教职工食堂就餐条件（delegate1）\.+3", pages[1]), pages[1]
    assert "已增设两个售饭窗口。" in pages[2] and "重点提案" in pages[2] and "满意" in pages[2]
    assert "增加教师培训经费" in pages[3] and "尚在办理中" in pages[3]


def test_handling_table_lists_registered_motions_safely(world, handled):
    rows = list(load_workbook(BytesIO(exports.handling_xlsx(world.session))).active.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r and r[0] == "提案号"))
    data = rows[header + 1 :]
    assert data[0][:4] == (f"{TODAY.year}-001", "改善教职工食堂就餐条件", "职工生活与后勤服务", "delegate1")
    assert (
        data[0][5:7] == ("总务处", "教务处") and data[0][8] == "已评价" and data[0][10] == "满意" and data[0][11] == "★"
    )
    assert data[1][1].startswith("'=HYPERLINK")  # neutralised


def test_statistics_count_by_category_department_and_satisfaction(world, handled, login):
    stats = exports.statistics(world.session)
    assert stats.total == 2 and stats.key == 1
    assert dict(stats.by_category) == {"教育培训与职业发展": 1, "职工生活与后勤服务": 1}
    assert stats.by_department == [("总务处", 1, 1), ("未交办", 1, 0)]
    assert dict(stats.by_satisfaction) == {"满意": 1, "基本满意": 0, "不满意": 0}
    page = login(world.member).get(reverse("congress:statistics", args=[world.session.pk])).content.decode()
    assert 'id="congress-stats-data"' in page and "chart.umd.min.js" in page


def test_downloads(world, handled, login, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    client = login(world.member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("congress:compilation_request", args=[world.session.pk]))
    job = CompilationExport.objects.get()
    assert response["Location"] == reverse("congress:compilation_detail", args=[job.pk])
    assert job.status == JobStatus.DONE and job.motions == 2
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="compilation-download"' in page
    response = client.get(reverse("congress:compilation_download", args=[job.pk]))
    pdf = b"".join(response.streaming_content)
    assert response["Content-Type"] == "application/pdf" and pdf.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    # Nothing changed: the same file again, no second job. A new reply: a new job.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("congress:compilation_request", args=[world.session.pk]))
    assert CompilationExport.objects.count() == 1
    first, second = handled
    services.motion_assign(
        actor=world.motions,
        motion_id=second.pk,
        lead_department_id=world.general.pk,
        co_department_ids=[],
        due_on=TODAY,
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("congress:compilation_request", args=[world.session.pk]))
    assert CompilationExport.objects.count() == 2
    response = client.get(reverse("congress:handling_xlsx", args=[world.session.pk]))
    assert response.status_code == 200 and response.content.startswith(b"PK")
    assert login(world.outsider).get(reverse("congress:compilation_download", args=[job.pk])).status_code == 404


def test_a_queued_job_shows_its_progress_and_runs_once(world, handled, login, monkeypatch):
    from congress.services import compilations

    job = CompilationExport.objects.create(session=world.session, created_by=world.motions, motions=2)
    page = (
        login(world.member)
        .get(reverse("congress:compilation_detail", args=[job.pk]), headers={"HX-Request": "true"})
        .content.decode()
    )
    assert 'hx-trigger="every 1s"' in page and "<progress" in page and "<html" not in page
    calls = []
    monkeypatch.setattr("congress.exports.compilation_pdf", lambda session: calls.append(1) or b"%PDF-1.7")
    compilations.compilation_run(job_id=job.pk)
    compilations.compilation_run(job_id=job.pk)
    job.refresh_from_db()
    assert calls == [1] and job.status == JobStatus.DONE


def test_a_job_left_queued_by_a_dead_worker_is_replaced(world, handled):
    import datetime

    from django.utils import timezone

    stale = CompilationExport.objects.create(session=world.session, created_by=world.motions, motions=2)
    CompilationExport.objects.filter(pk=stale.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=11))
    fresh = services.compilation_request(actor=world.motions, session=world.session)
    assert fresh.pk != stale.pk
    assert services.compilation_request(actor=world.motions, session=world.session).pk == fresh.pk


@needs_poppler
def test_compilation_cover_carries_the_session_date_not_the_print_date(world, handled, tmp_path):
    import datetime as dt

    world.session.meeting_date = dt.date(2026, 3, 18)
    world.session.save(update_fields=["meeting_date"])
    cover = _pdf_text(exports.compilation_pdf(world.session), tmp_path).split("\f")[0]
    assert "2026年3月18日" in cover
    today = TODAY
    assert today == dt.date(2026, 3, 18) or f"{today.year}年{today.month}月{today.day}日" not in cover
