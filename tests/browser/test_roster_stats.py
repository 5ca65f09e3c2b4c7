"""The roster list in the browser: the chair's statistics drawn by Chart.js under our CSP."""

import pytest

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

URL = "/members/"


def test_chair_sees_the_roster_with_its_charts(browser, live_server, demo):
    """The chair's roster of the demo union, charts drawn under our CSP: no console error."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN", reduced_motion="reduce")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server, "chair")
    page.goto(f"{live_server.url}{URL}")
    for name in ["units", "age", "gender", "frontline"]:
        page.wait_for_selector(f"#roster-chart-{name}", state="visible")
    # Chart.js drew on the canvas (a blank canvas has no non-transparent pixel).
    drawn = page.eval_on_selector(
        "#roster-chart-units",
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 3 && v)",
    )
    assert drawn
    assert page.locator("table.table-hover tbody tr").count() == 50
    assert "共" in page.inner_text("[data-testid=roster-count]")
    page.screenshot(path=str(ARTIFACTS / "roster-chair-stats.png"), full_page=False)
    page.screenshot(path=str(ARTIFACTS / "roster-chair-stats-full.png"), full_page=True)
    page.select_option("#id_age", "35-45")
    page.fill("#id_join_year", "abc")
    page.click("[data-testid=roster-filters] button[type=submit]")
    page.wait_for_selector("[data-testid=roster-filter-errors]")
    assert "请填写四位年份，如 2015 或 2010-2015" in page.content()
    page.screenshot(path=str(ARTIFACTS / "roster-chair-invalid-filter.png"), full_page=False)
    context.close()
    # Without JavaScript the numbers are all there, as lists beside empty (hidden) chart boxes.
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, "chair")
    page.goto(f"{live_server.url}{URL}")
    assert not page.is_visible("#roster-chart-units")
    assert "一线职工" in page.inner_text("[data-testid=roster-stats]")
    page.locator("[data-testid=roster-stats]").screenshot(path=str(ARTIFACTS / "roster-chair-stats-nojs.png"))
    context.close()
    assert errors == []
