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


def test_no_full_id_number_on_any_page_export_link_or_log(app_world, db, pdf_sources, log_lines):
    known = app_world.id_numbers
    assert len(known) >= 20 and all(len(n) == 18 for n in known), "the app_world should carry real ID numbers"
    assert sweep.leaks(f"x {sorted(known)[0]} y", known), "the scan must find a number when there is one"

    problems: list[str] = []
    seen: set[str] = set()
    queue: list[str] = []
    for route in sweep.url_patterns():
        if route.name in NOT_FOLLOWED:
            continue
        url = sweep.url_for(route, app_world, app_world.own, PERSONA)
        params = sweep.params_for(route, app_world, app_world.own, PERSONA)
        queue.append(url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""))
    fetched_kinds: set[str] = set()
    while queue and len(seen) < MAX_LINKS:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        pdf_sources.clear()
        result = sweep.call(app_world, PERSONA, "GET", url)
        if result.outcome.startswith("500"):
            problems.append(f"GET {url}: {result.outcome}")
            continue
        response = result.response
        if response.status_code != 200:
            continue
        content_type = response.get("Content-Type", "")
        fetched_kinds.add(content_type.split(";")[0])
        body = getattr(response, "streamed", None) if response.streaming else response.content
        for text in texts_of(content_type, body, pdf_sources):
            for number in sweep.leaks(unescape(text) if "html" in content_type else text, known):
                if (_route_name(urlsplit(url).path), number) == TEMPLATE_EXAMPLE:
                    continue
                problems.append(f"GET {url} ({content_type}) shows the full ID number {number}")
            if content_type.startswith("text/html"):
                for link in HREF.findall(text):
                    link = unescape(link)
                    parts = urlsplit(link)
                    if parts.scheme or parts.netloc or not link.startswith("/") or link.startswith("/static/"):
                        continue
                    if _route_name(parts.path) in NOT_FOLLOWED or "full=1" in parts.query:
                        continue
                    queue.append(link)
    for line in log_lines:
        for number in sweep.leaks(line, known):
            problems.append(f"the log shows the full ID number {number}: {line[:200]}")

    # The sweep reached every kind of document the app offers.
    for kind in ["text/html", "application/pdf", "text/calendar"]:
        assert kind in fetched_kinds, f"no {kind} response was scanned"
    assert any("spreadsheetml" in kind for kind in fetched_kinds), "no .xlsx export was scanned"
    assert any("wordprocessingml" in kind for kind in fetched_kinds), "no .docx export was scanned"
    assert len(seen) > 150, f"only {len(seen)} URLs were fetched"
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
