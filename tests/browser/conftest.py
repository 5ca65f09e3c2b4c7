"""Shared by the browser tests: the system Chromium driven by Playwright, and the demo union."""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DEMO_PASSWORD = "gonghui-2026"


@pytest.fixture(scope="session")
def browser(live_server):
    # Set up after the live server, so torn down before it: Chromium closes its keep-alive
    # connections first, the server's request threads end and close their database connections,
    # and PostgreSQL can drop the test database at the end of the run.
    # Playwright's sync API runs an event loop in this thread; live_server's ORM calls are safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        # Playwright's own browser download does not work offline: drive Debian's Chromium.
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _close_pages_after_each_test(request):
    """Close what a test opened: a page left open keeps polling the live server (htmx badges,
    progress bars), and its request thread then allocates during later tests' memory measurements."""
    yield
    if "browser" in request.fixturenames:
        for context in list(request.getfixturevalue("browser").contexts):
            context.close()


@pytest.fixture
def demo(settings, tmp_path):
    """The seed_demo union, with fast password hashing and uploads in a temporary folder."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", password=DEMO_PASSWORD, stdout=StringIO())


def log_in(page, live_server, username: str) -> None:
    """Through the real login page, as a person would; lands on the 工作台."""
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
