"""Browser walk of the congress floor (issue 8): the chair checks the delegates' composition, puts a
secret 民主评议 to the delegates, two delegates vote (a second try is refused), and the results
with the quorum appear only once the chair closes the ballot. Screenshots: congress-vote-*.png."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_composition_and_a_secret_appraisal(browser, live_server, demo):
    from congress.models import CongressSession, SecretChoice, VoterRecord

    call_command("seed_demo_congress", stdout=StringIO())
    session = CongressSession.objects.get()
    base = f"{live_server.url}/congress/sessions/{session.pk}"
    errors: list[str] = []

    def person(username):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
        log_in(page, live_server, username)
        return context, page

    chair_context, chair = person("chair")
    chair.goto(f"{base}/composition/")
    shares = chair.locator("[data-testid=composition] [data-share-ok]")
    assert shares.count() == 3
    chair.screenshot(path=str(ARTIFACTS / "congress-vote-1-composition.png"), full_page=True)

    chair.goto(f"{base}/ballots/")
    chair.fill("#id_title", "2026年度中层干部民主评议")
    chair.select_option("#id_kind", "appraisal")
    chair.fill("#id_items", "张建华（教务处主任）\n李春梅（总务处主任）")
    chair.click("form button:has-text('建立')")
    chair.wait_for_url("**/congress/ballots/*/")
    ballot_url = chair.url
    chair.click("button:has-text('开始投票')")
    chair.wait_for_load_state()

    for username, choices in (("committee", ("excellent", "competent")), ("women", ("competent", "basic"))):
        context, page = person(username)
        page.goto(ballot_url)
        radios = page.locator("[data-testid=vote-form] fieldset")
        for index, choice in enumerate(choices):
            radios.nth(index).locator(f"input[value={choice}]").check()
        if username == "committee":
            page.screenshot(path=str(ARTIFACTS / "congress-vote-2-ballot.png"), full_page=True)
        page.click("[data-testid=vote-form] button")
        page.wait_for_load_state()
        assert page.locator("[data-testid=voted]").count() == 1
        assert page.locator("[data-testid=ballot-result]").count() == 0  # no interim results
        context.close()

    assert VoterRecord.objects.count() == 2 and SecretChoice.objects.count() == 4
    chair.goto(ballot_url)
    chair.click("button:has-text('结束投票并计票')")
    chair.wait_for_load_state()
    turnout = chair.locator("[data-testid=ballot-turnout]").inner_text()
    assert "实际投票 2 名" in turnout and "未达到法定人数" in turnout
    result = chair.locator("[data-testid=ballot-result]").inner_text()
    assert "张建华（教务处主任）" in result
    chair.screenshot(path=str(ARTIFACTS / "congress-vote-3-result.png"), full_page=True)
    chair_context.close()
    assert errors == []
