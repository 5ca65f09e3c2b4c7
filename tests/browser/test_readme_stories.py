"""The README's stories walked in a browser on the demo that `make run` loads (issue 21: "a fresh
clone, `make run`, then every user story in the README walked on today's date with no step blocked
by dates"). The demo loaders run in the order of the Makefile; each persona logs in, finds their
next step from the 工作台 (the 待办 list or the cards) and does it. The demo is dated from today, so
nothing here moves the clock: a step blocked by a date is a failure.

Screenshots: test-artifacts/screenshots/story-*.png."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.browser.conftest import ARTIFACTS, DEMO_PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# `make run`'s loaders, in its order (Makefile, target run).
LOADERS = [
    "seed_demo_finance",
    "seed_demo_activities",
    "seed_demo_congress",
    "seed_demo_welfare",
    "seed_demo_plan",
]


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"story-{name}.png"), full_page=True)


@pytest.fixture
def make_run_demo(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    call_command("seed_demo", password=DEMO_PASSWORD, stdout=StringIO())
    for loader in LOADERS:
        call_command(loader, stdout=StringIO())


def _todo(page, text: str):
    """The 待办 entry of the 工作台 that names `text`; it must be there."""
    item = page.locator("[data-testid=todo-item]").filter(has_text=text)
    assert item.count() == 1, page.locator("[data-testid=todo-list], [data-testid=todo-empty]").inner_text()
    return item


def _act(page, action: str) -> None:
    """Press the workflow's button for `action`, confirm in the dialog when the step asks for it
    (irreversible steps do), and wait for the result message."""
    from playwright.sync_api import TimeoutError

    page.locator(f"form[data-action={action}] button").click()
    modal = page.locator("[data-testid=confirm-modal]")
    try:
        modal.wait_for(state="visible", timeout=1500)
    except TimeoutError:
        pass
    else:
        modal.locator("[data-confirm-ok]").click()
    page.locator(".alert-success").wait_for()


def test_every_readme_story_can_be_walked_today(browser, live_server, make_run_demo):
    from activities.models import SignUp
    from welfare.models import AidApplication, AidState, Campaign

    errors: list[str] = []

    def as_user(username: str):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and errors.append(f"{username}: {msg.text}"))
        log_in(page, live_server, username)
        return page

    # 分工会委员: an aid application waits for her 初审 on the 工作台; she screens it.
    committee = as_user("committee")
    shot(committee, "1-committee-dashboard")
    _todo(committee, "张洁").locator("a").first.click()
    committee.wait_for_url("**/welfare/aid/*/")
    _act(committee, "screen")
    assert AidApplication.objects.get(member__name="张洁").state == AidState.SCREENED
    shot(committee, "2-committee-screened")

    # 财务: an application whose 公示 has ended waits for payment; she pays it and books it.
    treasurer = as_user("treasurer")
    _todo(treasurer, "刘涛飞").locator("a").first.click()
    treasurer.wait_for_url("**/welfare/aid/*/")
    _act(treasurer, "pay")
    paid = AidApplication.objects.get(member__name="刘涛飞")
    assert paid.state == AidState.PAID and paid.ledger_entry is not None
    shot(treasurer, "3-treasurer-paid")

    # 会员: an event open for sign-up this month, and an open 金秋助学 round.
    member = as_user("member")
    open_events = member.locator("a").filter(has_text="教职工趣味运动会")
    assert open_events.count() >= 1, "the demo has no event open for sign-up"
    open_events.first.click()
    member.click("[data-testid=signup-button]")
    member.wait_for_load_state()
    assert member.locator("[data-testid=my-status]").inner_text() in ("已报名", "候补")
    assert SignUp.objects.filter(member__user__username="member", event__title="教职工趣味运动会").exists()
    shot(member, "4-member-signed-up")
    member.goto(f"{live_server.url}/welfare/jinqiu/")
    member.get_by_role("link", name=Campaign.objects.get().title).click()
    member.wait_for_url("**/welfare/jinqiu/*/")
    assert member.locator("[data-testid=student-apply]").count() == 1, "the demo's 金秋助学 round is not open"
    shot(member, "5-member-jinqiu-open")

    # 主席: this year's plan is in force, and a motion waits for the review.
    chair = as_user("chair")
    chair.goto(f"{live_server.url}/plans/")
    assert chair.get_by_text("执行中").count() + chair.get_by_text("已批准").count() >= 1
    shot(chair, "6-chair-plans")
    chair.goto(f"{live_server.url}/")
    assert "待审查" in chair.inner_text("main")

    # 承办部门: a motion handed to 总务处 waits for the reply.
    handler = as_user("handler")
    assert "待答复提案" in handler.inner_text("main")
    shot(handler, "7-handler-dashboard")

    # 县总工会主席: the county's view of plans and summaries.
    county = as_user("county_chair")
    county.goto(f"{live_server.url}/yearend/county/")
    assert county.locator("table").count() >= 1
    shot(county, "8-county-yearend")

    assert errors == []
