"""Issue 18: the workbooks of the other apps as an office suite prints them (the roster and the fund
workbooks have their own checks in members/ and finance/).

Each is written through its real view or export function, converted by LibreOffice headless and
read back: one page for these few rows, fitted to the page width in the orientation it asks for,
every header title and every long text whole (a wrapped cell without a row height shows only its
middle line). The PDFs are kept under test-artifacts/documents/ to look at.
"""

import re
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from activities import services as activity_services
from activities.exports import attendance_workbook, signup_workbook
from activities.tests import test_occurrence_views as occurrence_tests
from activities.tests.factories import EventFactory, person
from congress import exports as congress_exports
from congress import services as congress_services
from congress.tests import builders as congress_builders
from union_office.paper_checks import office_to_pdf, read_pdf, soffice, write_artifact
from welfare import reports as welfare_reports
from welfare.services import campaign as campaign_services
from welfare.tests.campaign_builders import campaign, county_chair, ready_for_approval
from yearend.tests import test_statistics as statistics_tests

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed (install-system-packages --with-browser)"),
]
world = congress_builders.world  # the congress tests' fixture: a session at the school with three delegates
records = statistics_tests.records  # the 统计年报's members, event and booked income
running = occurrence_tests.running  # 每周五 职工健身 for the whole school, one occurrence happening now

# A 45-character 案题: wrapped in its cell, it needs a row height to show all its lines.
LONG_TITLE = "关于进一步改善教职工食堂就餐条件、增加售饭窗口并延长晚间供餐时间以方便加班教师就餐的建议"

YEAR_WITH_SEPARATOR = re.compile(r"(?<![\d,])2,0\d\d(?![\d.,])")


def handling_table(request) -> tuple[bytes, list[str]]:
    w = request.getfixturevalue("world")
    motion = congress_builders.motion_assigned(w, title=LONG_TITLE)
    congress_services.motion_reply(actor=w.handler, motion_id=motion.pk, department_id=w.general.pk, text="已办理。")
    congress_builders.motion_registered(w, title="增加教师培训经费")
    return congress_exports.handling_xlsx(w.session), [LONG_TITLE, "增加教师培训经费"]


def sign_up_list(request) -> tuple[bytes, list[str]]:
    org, chair = request.getfixturevalue("org"), request.getfixturevalue("chair")
    event = EventFactory(org_unit=org.school, title="2026年教职工趣味运动会", place="学校田径场", capacity=50)
    for name in ("张三丰", "欧阳晓红"):
        activity_services.signup_create(actor=chair, event_id=event.pk, member=person(org.school, name=name))
    return signup_workbook(event), ["2026年教职工趣味运动会报名名单", "学校田径场", "欧阳晓红"]


def attendance(request) -> tuple[bytes, list[str]]:
    held = request.getfixturevalue("running")  # 职工健身, with one occurrence held
    year = held.date.year
    return attendance_workbook(held.schedule, year), [f"职工健身{year}年出勤统计", "0.00%"]


def _campaign_export(request, kind: str) -> tuple[bytes, list[str]]:
    org, member = request.getfixturevalue("org"), request.getfixturevalue("member")
    boss = county_chair(org)
    jinqiu = campaign(org, boss)
    tier = jinqiu.tiers.get(name="二档")
    application = ready_for_approval(jinqiu, member.member, boss, 1)
    campaign_services.student_transition(actor=boss, application_id=application.pk, action="approve", tier_id=tier.pk)
    response = request.getfixturevalue("login")(boss).get(
        reverse("welfare:campaign_detail", args=[jinqiu.pk]), {"format": kind}
    )
    assert response.status_code == 200
    return response.content, [jinqiu.title]


def campaign_applicants(request) -> tuple[bytes, list[str]]:
    return _campaign_export(request, "applicants")


def campaign_payments(request) -> tuple[bytes, list[str]]:
    return _campaign_export(request, "payments")


def aid_given(request) -> tuple[bytes, list[str]]:
    chair = request.getfixturevalue("chair")
    year = timezone.localdate().year
    return welfare_reports.aid_given_xlsx(welfare_reports.aid_given(chair, year)), ["帮扶资金发放情况", "合计"]


def column_text(page, start: str) -> str:
    """The text of the column whose first line begins with `start`, top to bottom: a wrapped cell's
    lines are printed between the other cells of its row, so the page's text interleaves them."""
    first = next(word for word in page.words if word["text"].startswith(start))
    below = [w for w in page.words if abs(w["x0"] - first["x0"]) < 1 and w["top"] >= first["top"]]
    return "".join(word["text"] for word in sorted(below, key=lambda word: word["top"]))


def yearend_statistics(request) -> tuple[bytes, list[str]]:
    request.getfixturevalue("records")  # members, an event and booked income at the school
    org, chair = request.getfixturevalue("org"), request.getfixturevalue("chair")
    year = timezone.localdate().year
    response = request.getfixturevalue("login")(chair).get(
        reverse("yearend:statistics_xlsx"), {"unit": org.school.pk, "year": year}
    )
    assert response.status_code == 200
    return response.content, [f"{year}年工会统计年报", "1,200.50"]


@pytest.mark.parametrize(
    ("build", "orientation", "pages_across"),
    [
        (handling_table, "landscape", 1),
        (sign_up_list, "landscape", 1),
        # Narrow tables fit a portrait page: printed landscape they filled half of it.
        (attendance, "portrait", 1),
        (campaign_applicants, "landscape", 1),
        (campaign_payments, "portrait", 1),
        (aid_given, "portrait", 1),
        # 36 columns: fitted to one page wide they printed at 3 pt. They go across pages at full
        # size instead, each page repeating the 单位 column.
        (yearend_statistics, "landscape", 6),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_the_other_workbooks_in_an_office_suite(request, build, orientation, pages_across):
    data, texts = build(request)
    sheet = load_workbook(BytesIO(data)).active
    header = next(row for row in sheet.iter_rows(values_only=True) if row[0] in ("序号", "提案号", "年度", "单位"))
    pdf = write_artifact(f"{build.__name__}-office.pdf", office_to_pdf(data, ".xlsx"))
    pages = read_pdf(pdf)
    assert len(pages) == pages_across
    assert sheet.page_setup.orientation == orientation
    text = "".join(page.text for page in pages)
    for page in pages:
        assert (page.width > page.height) == (orientation == "landscape")
        # Readable as printed: no line under 6 pt high (fitting a wide sheet shrinks it).
        assert min(word["bottom"] - word["top"] for word in page.words) >= 6
        assert not YEAR_WITH_SEPARATOR.search(page.text)  # a year is not an amount: 2026, not 2,026
        assert header[0] in page.text  # the first column is on every page
    for title in [str(value) for value in header if value] + texts:
        assert title.replace(" ", "") in text or title in column_text(pages[0], title[:4]), title
