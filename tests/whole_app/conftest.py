"""The world of the access matrix and the ID-number scan: built once per module, then rolled back.

The data is written inside an atomic block opened here, outside any test; each test's own
transaction (pytest-django's `db`) nests inside it as a savepoint, and the block is rolled back when
the module is done, so no other module sees the world and no test sees another's changes.
"""

import logging

import pytest
from django.db import transaction
from django.test.utils import override_settings

from .world import build_world


@pytest.fixture(scope="module")
def app_world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("whole_app_media")
    with (
        override_settings(
            MEDIA_ROOT=media / "media",
            PRIVATE_MEDIA_ROOT=media / "private",
            # As the root conftest's per-test fixture does: PBKDF2 would cost seconds per user.
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        django_db_blocker.unblock(),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world(media)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def pdf_sources(monkeypatch):
    """WeasyPrint is skipped (about a second per document, more under load): every PDF view still
    renders its template, and the HTML each PDF would be made from is kept here for inspection.
    The view's access decision and its template are what the sweep tests; the PDF engine has its
    own tests (union_office/tests/test_pdf.py)."""
    sources: list[str] = []

    def fake_render(html: str) -> bytes:
        sources.append(html)
        return b"%PDF-1.4\n%%EOF\n"

    monkeypatch.setattr("union_office.pdf.render_pdf_from_html", fake_render)
    return sources


class LogCollector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records: list[str] = []

    def emit(self, record):
        self.records.append(self.format(record))


@pytest.fixture
def log_lines():
    """Everything logged during the test, at DEBUG, on the root logger (formatted, tracebacks too)."""
    root = logging.getLogger()
    collector = LogCollector()
    collector.setFormatter(logging.Formatter("%(name)s %(message)s"))
    previous = root.level
    root.addHandler(collector)
    root.setLevel(logging.DEBUG)
    yield collector.records
    root.removeHandler(collector)
    root.setLevel(previous)
