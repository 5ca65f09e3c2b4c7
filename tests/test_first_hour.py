"""A newcomer's first hour (issue 21): what `make run` and the first clicks show."""

import io
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django import forms
from django.db import models
from django.utils import translation

ROOT = Path(__file__).resolve().parents[1]


def _settings_value(expression: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env, DJANGO_SETTINGS_MODULE="union_office.settings")
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; print({expression})"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_debug_pages_only_when_asked_for():
    assert _settings_value("settings.DEBUG") == "False"
    assert _settings_value("settings.DEBUG", DJANGO_DEBUG="true") == "True"


@pytest.mark.django_db
def test_an_unknown_address_shows_our_404_page(login, member):
    response = login(member).get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.text
    assert "URLconf" not in response.text


@pytest.fixture
def console():
    """What the console handler of settings.LOGGING prints."""
    handler = next(h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.mark.django_db
def test_an_expected_404_is_one_line_without_a_traceback(login, member, console):
    login(member).get("/members/999999999/")
    printed = console.getvalue()
    assert printed.count("Not Found: /members/999999999/") == 1
    assert "Traceback" not in printed


def test_a_server_error_keeps_its_traceback(console):
    logger = logging.getLogger("django.request")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.error("Internal Server Error: /x", exc_info=True, extra={"status_code": 500})
    assert "Traceback" in console.getvalue()


def test_the_empty_choice_of_a_select_is_chinese():
    class Pick(models.TextChoices):
        A = "a", "甲"

    field = forms.TypedChoiceField(choices=models.CharField(choices=Pick.choices, blank=True).get_choices())
    with translation.override("zh-hans"):
        html = str(field.widget.render("pick", ""))
    assert "- 请选择 -" in html
    assert "Select an option" not in html


def _check_port(port: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check-port"), "127.0.0.1", str(port)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_make_run_stops_first_when_the_port_is_taken():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _check_port(port)
    assert result.returncode == 1
    assert f"make run PORT={port + 1}" in result.stderr
    assert _check_port(port).returncode == 0  # free again


def test_make_run_checks_the_port_before_migrating():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "run: port-free setup" in makefile


def test_the_readme_links_only_files_of_this_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme
    assert (ROOT / "docs" / "design.md").exists()
