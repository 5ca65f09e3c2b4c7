"""No export carries a live formula (issue 9): formula payloads typed into every text field that
reaches a spreadsheet come out as literal text, generated through the real views, and the amounts
stay numbers.

Spreadsheets are written by union_office/xlsx.py, whose `safe_cell` puts a ' before text starting
with = + - @ tab or CR and which cannot write a formula cell at all; the ledger export (django-import-
export, openpyxl) passes its text columns through the same `safe_cell`. The first test keeps it so:
no other code in the apps writes a spreadsheet or a CSV.
"""

import ast
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from activities import services as activity_services
from activities.models import CalendarFeed
from activities.tests.factories import EventFactory, person
from congress import services as congress_services
from congress.tests import builders as congress_builders
from finance.tests.builders import book
from members.tests.factories import DepartmentFactory, MemberFactory
from plans.tests.builders import build_plan
from union_office.xlsx import FORMULA_TRIGGERS
from welfare.services import campaign as campaign_services
from welfare.tests.campaign_builders import campaign, county_chair, ready_for_approval

pytestmark = pytest.mark.django_db
world = congress_builders.world  # the congress tests' fixture: a session at the school with three delegates

PAYLOADS = ["=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("http://x")', "\t=1", "=cmd|' /C calc'!A0"]
ROOT = Path(__file__).resolve().parents[2]
APPS = ["union_office", "members", "finance", "welfare", "activities", "congress", "plans"]


def inert_cells(data: bytes) -> list:
    """Every cell of every sheet, after checking that none is or could become a live formula."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<(?:\w+:)?f[\s>/]", archive.read(name)), f"a formula element in {name}"
    cells = [cell for sheet in load_workbook(io.BytesIO(data)).worksheets for row in sheet.iter_rows() for cell in row]
    for cell in cells:
        assert cell.data_type != "f", cell.coordinate
        if isinstance(cell.value, str):
            assert not cell.value.startswith(FORMULA_TRIGGERS), (cell.coordinate, cell.value)
    return cells


def assert_neutralised(data: bytes, payloads: list[str]) -> list:
    cells = inert_cells(data)
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    for payload in payloads:
        # The text reached the export, as typed, behind the visible apostrophe.
        assert any(text.startswith("'" + payload) or ("'" + payload) in text for text in texts), payload
    return cells


def body(response) -> bytes:
    """The response's bytes. A FileResponse's temporary file is closed here: left open, it is
    collected later, in another test, as an unraisable warning. (Not response.close(): that sends
    request_finished, which closes the test's database connection.)"""
    assert response.status_code == 200, response.status_code
    try:
        return b"".join(response.streaming_content) if response.streaming else response.content
    finally:
        handle = getattr(response, "file_to_stream", None)
        if handle is not None:
            handle.close()


# --- Every spreadsheet goes through union_office.xlsx -------------------------------------------------

WRITERS = {"openpyxl", "xlsxwriter", "csv", "tablib", "import_export"}


def test_no_app_code_writes_a_spreadsheet_but_the_shared_writer():
    """Only union_office/xlsx.py writes report workbooks. The others that import a spreadsheet or CSV
    library: the roster import's file reader and the ledger import read; the ledger export (tablib)
    and the roster import template (openpyxl) write, and pass every text they take from the
    database through safe_cell (both checked through their views below)."""
    users = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                else:
                    continue
                if any(name.split(".")[0] in WRITERS for name in names):
                    users.add(path.relative_to(ROOT).as_posix())
    assert users == {
        "finance/resources.py",  # the ledger export (writes, safe_cell) and import (reads)
        "members/imports/files.py",  # reads .csv and .xlsx
        "members/imports/services.py",  # the import template (writes, safe_cell)
    }


# --- 会员花名册 ----------------------------------------------------------------------------------------


def test_roster_export(login, chair, org):
    department = DepartmentFactory(name="=1+1", org_unit=org.school)
    for payload in PAYLOADS:
        MemberFactory(name=payload[:50], org_unit=org.branch_a, department=department)
    cells = assert_neutralised(body(login(chair).get(reverse("members:export_xlsx"))), PAYLOADS)
    assert len(cells) > 20


def test_roster_import_template(login, chair, org):
    """The template lists the units one may import into: their names are typed by people."""
    org.branch_a.name = '=HYPERLINK("http://x")'
    org.branch_a.save(update_fields=["name"])
    assert_neutralised(body(login(chair).get(reverse("members:import_template"))), [org.branch_a.name])


# --- Finance: the ledger export and a report --------------------------------------------------------


@pytest.fixture
def ledger(org, treasurer):
    day = timezone.localdate().replace(day=1)
    return [
        book(treasurer, org.school, "401", f"{100 + i}.50", day, summary=payload, counterparty=payload)
        for i, payload in enumerate(PAYLOADS)
    ]


def stored(entries) -> list[str]:
    """The summaries as booked: the booking service strips surrounding whitespace ("\t=1" is "=1")."""
    return [entry.summary for entry in entries]


def test_ledger_export(login, auditor, org, ledger):
    response = login(auditor).get(reverse("finance:ledger_export"), {"unit": org.school.pk, "year": ledger[0].year})
    cells = assert_neutralised(body(response), stored(ledger))
    amounts = [cell.value for cell in cells if isinstance(cell.value, int | float)]
    assert Decimal("100.50") in {Decimal(str(value)) for value in amounts}  # a number, not text


def test_account_ledger_report(login, treasurer, org, ledger):
    day = ledger[0].date
    response = login(treasurer).get(
        reverse("finance:report_xlsx", args=["account-ledger"]),
        {"unit": org.school.pk, "account": "401", "date_from": f"{day:%Y}-01-01", "date_to": f"{day:%Y-%m-%d}"},
    )
    cells = assert_neutralised(body(response), stored(ledger))
    total = sum(Decimal(f"{100 + i}.50") for i in range(len(PAYLOADS)))
    assert total in {Decimal(str(cell.value)) for cell in cells if isinstance(cell.value, int | float)}


# --- 金秋助学: the applicants and the payment list ----------------------------------------------------


def test_campaign_applicants_and_payment_list(login, member, org):
    boss = county_chair(org)
    jinqiu = campaign(org, boss, title="@金秋助学")
    tier = jinqiu.tiers.get(name="二档")
    for n, payload in enumerate(PAYLOADS, start=1):
        application = ready_for_approval(jinqiu, member.member, boss, n)
        application.student_name, application.school, application.admission = payload, payload, payload[:20]
        application.save()
        campaign_services.student_transition(
            actor=boss, application_id=application.pk, action="approve", tier_id=tier.pk
        )
    client = login(boss)
    url = reverse("welfare:campaign_detail", args=[jinqiu.pk])
    assert_neutralised(body(client.get(url, {"format": "applicants"})), PAYLOADS)
    cells = assert_neutralised(body(client.get(url, {"format": "payments"})), PAYLOADS)
    assert Decimal("2000") * len(PAYLOADS) in {Decimal(str(c.value)) for c in cells if isinstance(c.value, int | float)}


# --- 提案办理情况一览表 -------------------------------------------------------------------------------


def test_motion_handling_table(login, world):
    for payload in PAYLOADS[:4]:
        motion = congress_builders.motion_assigned(world, title=payload, reason=payload, proposal=payload)
        congress_services.motion_reply(
            actor=world.handler, motion_id=motion.pk, department_id=world.general.pk, text=payload
        )
    response = login(world.motions).get(reverse("congress:handling_xlsx", args=[world.session.pk]))
    assert_neutralised(body(response), PAYLOADS[:4])


# --- 活动报名名单 -------------------------------------------------------------------------------------


def test_activity_sign_up_list(login, chair, org):
    event = EventFactory(org_unit=org.school, title="=活动", place="@操场", capacity=50)
    department = DepartmentFactory(name="+后勤", org_unit=org.school)
    for payload in PAYLOADS:
        signed = person(org.school, name=payload[:50], department=department, phone=payload[:20])
        activity_services.signup_create(actor=chair, event_id=event.pk, member=signed)
    cells = assert_neutralised(body(login(chair).get(reverse("activities:roster_export", args=[event.pk]))), PAYLOADS)
    assert any(cell.value == 1 for cell in cells)  # the 序号 column stays a number


# --- 工作计划 .docx ------------------------------------------------------------------------------------


def test_plan_docx_has_text_not_fields(login, chair, org):
    tree = [{"title": payload, "items": [{"content": payload, "owner_text": payload[:20]}]} for payload in PAYLOADS]
    plan = build_plan(org.school, title='=HYPERLINK("http://x")', tree=tree, schedule=[("1月", "=cmd|' /C calc'!A0")])
    data = body(login(chair).get(reverse("plans:export_docx", args=[plan.pk])))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = "".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".xml"))
    # Word runs field codes (DDE, HYPERLINK, INCLUDETEXT ...) only from fldSimple / instrText.
    instructions = re.findall(r"<w:instrText[^>]*>([^<]*)<|<w:fldSimple [^>]*w:instr=\"([^\"]*)\"", xml)
    assert all(re.fullmatch(r"\s*(PAGE|NUMPAGES)\b.*", "".join(found)) for found in instructions), instructions
    assert "<w:t>=cmd|' /C calc'!A0</w:t>" in xml.replace("&apos;", "'")  # there, as plain text


# --- The calendar feed (.ics) ---------------------------------------------------------------------


def test_an_event_title_cannot_add_lines_to_the_calendar_feed(client, login, member, org):
    EventFactory(org_unit=org.school, title="乒乓球赛\rATTENDEE:mailto:x@example.org\r\nX-INJECTED:1\nLOCATION:别处")
    login(member).post(reverse("activities:feed_renew"))
    token = CalendarFeed.objects.get(user=member).token
    client.logout()
    feed = client.get(reverse("activities:ics_feed", args=[token])).content.decode()
    assert "乒乓球赛" in feed
    lines = feed.split("\r\n")
    assert not any(line.startswith(("ATTENDEE", "X-INJECTED", "LOCATION:别处")) for line in lines)
    assert "\r" not in feed.replace("\r\n", "") and "\n" not in feed.replace("\r\n", "")
