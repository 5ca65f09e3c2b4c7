"""No full 18-digit 身份证号 anywhere: not on a page, in an export, behind a link, or in the log.

The world's members all carry real, valid ID numbers (their check digits are right). As the chair
— the most privileged persona: the roster, the welfare files, the books, the congress — the test
fetches every GET view of the project (tests/whole_app/sweep.py enumerates them from the URL
resolver), then every same-site link those pages contain, and scans:

- HTML, CSV, iCalendar and other text bodies;
- .xlsx downloads cell by cell (openpyxl), .docx by their XML parts;
- PDFs by the HTML they are made from (every PDF view; see conftest.pdf_sources), and the unit
  roster PDF — the one with the most personal data — also rendered for real and read back with
  pdftotext (poppler-utils);
- everything logged meanwhile, at DEBUG, on the root logger.

A number counts when it is one of the world's ID numbers, or any 18-character run that passes the
GB 11643 check digit. The masked form (130534********1234) is what every page should show.

Allowed, and left out on purpose (both write an audit entry, docs/access.md):
- `members:member_reveal_id_number`, the "显示完整号码" action (POST only, so never fetched here);
- the roster export with `?full=1` (members.view_full_id_number): only the default export, without
  that parameter, is fetched.
And one made-up number: the import template's example row ("张三（示例，请删除此行）") carries a
synthetic, well-formed number so that the template shows the format; it is nobody of the
installation (members/imports/services.py) and is allowed on that download only.
"""

import datetime
import io
import re
import shutil
import subprocess
import zipfile
from html import unescape
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.urls import Resolver404, resolve

from members.idcard import make_id_number

from . import sweep

PERSONA = "chair"
HREF = re.compile(r"""(?:href|src|action|hx-get|hx-post|data-url)=["']([^"'#]+)""")
# Never fetched: the audited reveal (a POST), logging out (ends the session), the full export.
NOT_FOLLOWED = {"members:member_reveal_id_number", "logout"}
MAX_LINKS = 400
TEMPLATE_EXAMPLE = ("members:import_template", make_id_number("130534", datetime.date(1985, 3, 12), 41, "M"))


def texts_of(content_type: str, body: bytes, pdf_html: list[str]) -> list[str]:
    """The readable text of one response body."""
    if "spreadsheetml" in content_type:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v]
        book.close()
        return cells
    if "wordprocessingml" in content_type:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return [archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml")]
    if content_type.startswith("application/pdf"):
        return list(pdf_html)  # the HTML the PDF was made from (conftest.pdf_sources)
    return [body.decode("utf-8", errors="replace")]


def _route_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def crawl(world, persona: str, pdf_sources: list[str], problems: list[str]):
    """Every GET view of the project as `persona`, then every same-site link its pages contain.

    Yields (url, content type, readable texts) of each 200 response; a 500 goes into `problems`.
    """
    seen: set[str] = set()
    queue: list[str] = []
    for route in sweep.url_patterns():
        if route.name in NOT_FOLLOWED:
            continue
        url = sweep.url_for(route, world, world.own, persona)
        params = sweep.params_for(route, world, world.own, persona)
        queue.append(url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""))
    while queue and len(seen) < MAX_LINKS:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        pdf_sources.clear()
        result = sweep.call(world, persona, "GET", url)
        if result.outcome.startswith("500"):
            problems.append(f"GET {url}: {result.outcome}")
            continue
        response = result.response
        if response.status_code != 200:
            continue
        content_type = response.get("Content-Type", "")
        body = getattr(response, "streamed", None) if response.streaming else response.content
        texts = [
            unescape(text) if "html" in content_type else text for text in texts_of(content_type, body, pdf_sources)
        ]
        yield url, content_type, texts
        if content_type.startswith("text/html"):
            for text in texts:
                for link in HREF.findall(text):
                    parts = urlsplit(link)
                    if parts.scheme or parts.netloc or not link.startswith("/") or link.startswith("/static/"):
                        continue
                    if _route_name(parts.path) in NOT_FOLLOWED or "full=1" in parts.query:
                        continue
                    queue.append(link)


def test_no_full_id_number_on_any_page_export_link_or_log(app_world, db, pdf_sources, log_lines):
    known = app_world.id_numbers
    assert len(known) >= 20 and all(len(n) == 18 for n in known), "the app_world should carry real ID numbers"
    assert sweep.leaks(f"x {sorted(known)[0]} y", known), "the scan must find a number when there is one"

    problems: list[str] = []
    fetched_kinds: set[str] = set()
    seen = 0
    for url, content_type, texts in crawl(app_world, PERSONA, pdf_sources, problems):
        seen += 1
        fetched_kinds.add(content_type.split(";")[0])
        for text in texts:
            for number in sweep.leaks(text, known):
                if (_route_name(urlsplit(url).path), number) == TEMPLATE_EXAMPLE:
                    continue
                problems.append(f"GET {url} ({content_type}) shows the full ID number {number}")
    for line in log_lines:
        for number in sweep.leaks(line, known):
            problems.append(f"the log shows the full ID number {number}: {line[:200]}")

    # The sweep reached every kind of document the app offers.
    for kind in ["text/html", "application/pdf", "text/calendar"]:
        assert kind in fetched_kinds, f"no {kind} response was scanned"
    assert any("spreadsheetml" in kind for kind in fetched_kinds), "no .xlsx export was scanned"
    assert any("wordprocessingml" in kind for kind in fetched_kinds), "no .docx export was scanned"
    assert seen > 150, f"only {seen} URLs were fetched"
    assert not problems, "\n".join(problems)


# Finding 1 of issue 17: the masked number hides exactly the 8 birth-date digits, so a birth date
# shown beside it rebuilds the whole number. The attack: every masked number and every date (any
# spelling) of one document, combined.
MASKED = re.compile(r"(?<![0-9A-Za-z])(\d{6})\*{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
DATE = re.compile(r"(?<!\d)(\d{4})(?:[-/.年]?)(\d{1,2})(?:[-/.月]?)(\d{1,2})(?!\d)")
# The roster readers who may not see full numbers (members.view_full_id_number is chair and committee).
WITHOUT_FULL_ID = ["treasurer", "auditor", "women", "motions", "handler", "member"]


def rebuilt_numbers(text: str, known: set[str]) -> set[str]:
    """The world's full numbers that the masked numbers and the dates in `text` give back."""
    dates = {f"{y}{int(m):02d}{int(d):02d}" for y, m, d in DATE.findall(text) if 1 <= int(m) <= 12}
    return {f"{head}{date}{tail.upper()}" for head, tail in MASKED.findall(text) for date in dates} & known


def test_rebuild_attack_finds_a_number_when_the_birth_date_is_shown(app_world):
    number = sorted(app_world.id_numbers)[0]
    shown = f"{number[:6]}********{number[-4:]} 出生日期 {number[6:10]}-{number[10:12]}-{number[12:14]}"
    assert rebuilt_numbers(shown, app_world.id_numbers) == {number}
    assert rebuilt_numbers(f"{number[:6]}********{number[-4:]} {number[6:10]}年", app_world.id_numbers) == set()


@pytest.mark.parametrize("persona", WITHOUT_FULL_ID)
def test_no_role_without_the_full_id_right_rebuilds_a_number(app_world, db, pdf_sources, persona):
    """The masked number plus whatever else a page, export or PDF shows never gives the number back."""
    known = app_world.id_numbers
    problems: list[str] = []
    masked_seen = 0
    for url, content_type, texts in crawl(app_world, persona, pdf_sources, problems):
        text = "\n".join(texts)
        masked_seen += len(MASKED.findall(text))
        for number in sorted(rebuilt_numbers(text, known)):
            problems.append(f"GET {url} ({content_type}) lets {persona} rebuild {number}")
    if persona in ("treasurer", "auditor", "women"):
        assert masked_seen, f"{persona} reads the roster: the sweep should meet masked numbers"
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_rendered_roster_pdf_shows_masked_numbers_only(app_world, db):
    """The real PDF (WeasyPrint, fonts and all) of the school's roster, read back as text."""
    from django.urls import reverse

    known = app_world.id_numbers
    result = sweep.call(
        app_world, PERSONA, "GET", reverse("members:unit_roster_pdf", kwargs={"pk": app_world.school.pk})
    )
    assert result.outcome == "ok" and result.response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=result.response.content, capture_output=True, check=True
    ).stdout.decode("utf-8")
    masked = app_world.own.person.id_number_masked
    assert masked in text, "the roster PDF should list the members with their masked ID numbers"
    assert sweep.leaks(text, known) == []
