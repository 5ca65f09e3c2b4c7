"""Browser walk of the plan editor (issue 4): the demo chair pastes a seed plan, picks one of its
篇, reviews the parse, saves, drags an item to another section, edits a 时限, submits the plan for
approval and downloads the PDF. Screenshots of each step go to test-artifacts/screenshots/plan-*.png,
the PDF and its pages (pdftoppm) beside them."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "plans" / "004_2c7bba2cbaf99719.txt"
SCHOOL = "清河县第一中学工会"
SCHOOL_LABEL = "清河县总工会 › 清河县第一中学工会"


def test_chair_pastes_reviews_edits_submits_and_downloads(browser, live_server, demo):
    from django.contrib.auth import get_user_model

    from plans import editing
    from plans.models import Item, Plan, PlanStatus

    year = 2000 + max([26, *(p.year - 2000 + 1 for p in Plan.objects.filter(org_unit__name=SCHOOL))])
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    # The conflict below is answered 409 on purpose; Chromium logs every non-2xx answer.
    page.on(
        "console",
        lambda msg: (
            msg.type == "error" and "409 (Conflict)" not in msg.text and errors.append(f"{msg.text} {msg.location}")
        ),
    )
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server, "chair")

    # Start: the three ways in.
    page.goto(f"{live_server.url}/plans/new/")
    page.screenshot(path=str(ARTIFACTS / "plan-create.png"), full_page=True)
    page.click("[data-testid=start-paste] a")
    page.wait_for_url(f"{live_server.url}/plans/paste/")

    # Paste the seed file (nine plans, 篇一 … 篇九), pick 篇一.
    page.select_option("#id_org_unit", label=SCHOOL_LABEL)
    page.fill("#id_year", str(year))
    page.fill("#id_text", SEED.read_text(encoding="utf-8"))
    page.screenshot(path=str(ARTIFACTS / "plan-paste.png"))
    page.click("[data-testid=paste-form] button[type=submit]")
    page.wait_for_selector("[data-testid=paste-documents]")
    assert page.locator("input[name=choice]").count() == 9
    page.screenshot(path=str(ARTIFACTS / "plan-paste-pick.png"), full_page=True)
    page.check("input[name=choice][value='0']")
    page.click("[data-testid=paste-pick] button[type=submit]")

    # Review: nothing is saved yet.
    page.wait_for_selector("[data-testid=paste-review]")
    assert "健全女工组织" in page.inner_text("[data-testid=paste-tree]")
    assert page.locator("[data-testid=paste-tree] [data-testid=deadline-ok]").count() >= 5
    assert not Plan.objects.filter(org_unit__name=SCHOOL, year=year).exists()
    page.screenshot(path=str(ARTIFACTS / "plan-paste-review.png"), full_page=True)
    page.click("[data-testid=paste-save]")

    # The editor.
    page.wait_for_url(re.compile(r"/plans/\d+/edit/$"))
    plan = Plan.objects.get(org_unit__name=SCHOOL, year=year)
    assert plan.status == PlanStatus.DRAFT
    page.wait_for_selector("[data-testid=plan-tree]")
    page.screenshot(path=str(ARTIFACTS / "plan-editor.png"), full_page=True)

    # Drag the last item of the first section to the top of the second section.
    top = plan.sections.filter(parent=None).order_by("position")
    first, second = top[0], top[1]
    item = Item.objects.filter(section=first).order_by("position").last()
    revision = plan.revision
    handle = page.locator(f"#item-{item.pk}-body .pe-handle")
    target = page.locator(f"#section-{second.pk} > ol.pe-items > li.pe-item").first
    target.scroll_into_view_if_needed()
    start = handle.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    end = target.bounding_box()
    # Into the upper middle of the first item there: SortableJS swaps inside the middle 65%
    # (swapThreshold), above the centre means "before it".
    x, y = end["x"] + 40, end["y"] + end["height"] * 0.3
    for step in range(1, 21):
        page.mouse.move(start["x"] + (x - start["x"]) * step / 20, start["y"] + (y - start["y"]) * step / 20)
        page.wait_for_timeout(30)
    page.screenshot(path=str(ARTIFACTS / "plan-editor-dragging.png"))
    page.mouse.up()
    page.wait_for_function(
        "([rev]) => Number(document.getElementById('plan-revision').value) > rev", arg=[revision], timeout=10_000
    )
    item.refresh_from_db()
    assert item.section_id == second.pk
    moved = page.locator(f"#section-{second.pk} #item-{item.pk}-body")
    assert moved.locator("[data-testid=item-number]").inner_text() == "1、"
    moved.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "plan-editor-dragged.png"))

    # Edit its 时限: the badge shows what was understood.
    moved.locator("button[title='编辑条目']").click()
    # htmx wires a swapped-in form up after its settle delay (it drops .htmx-added then); a
    # person is never that quick, a test is.
    form = page.locator(f"form#item-{item.pk}-body:not(.htmx-added)")
    form.locator("[data-testid=deadline-preview] .badge").wait_for()
    form.locator("input[name=deadline_text]").fill("6月底前")
    # The form says how it reads the 时限 before anything is saved.
    form.locator("[data-testid=deadline-preview] [data-testid=deadline-ok]", has_text="6月底前").wait_for()
    page.screenshot(path=str(ARTIFACTS / "plan-editor-item-form.png"))
    # And its 责任人: typing a name suggests the school's members; picking one links the member.
    owner = form.locator("input[name=owner_text]")
    owner.fill("")
    owner.press_sequentially("王", delay=50)
    options = form.locator("[data-testid=owner-option]")
    options.nth(1).wait_for()
    assert 2 <= options.count() <= 10
    page.screenshot(path=str(ARTIFACTS / "plan-editor-owner-picker.png"))
    owner.press_sequentially("建", delay=50)
    option = options.filter(has_text="王建国")
    page.wait_for_function(
        "(form) => form.querySelectorAll('[data-testid=owner-option]').length === 1", arg=form.element_handle()
    )
    assert "行政后勤分工会" in option.inner_text()
    option.click()
    assert owner.input_value() == "王建国"
    form.locator("[data-testid=owner-linked]", has_text="已关联会员").wait_for()
    assert options.count() == 0
    page.screenshot(path=str(ARTIFACTS / "plan-editor-owner-picked.png"))
    with page.expect_response(lambda r: "/edit/item/" in r.url and r.request.method == "POST") as saved:
        form.locator("button[type=submit]").click()
    assert saved.value.status == 200
    badge = page.locator(f"div#item-{item.pk}-body [data-testid=deadline-ok]", has_text="6月底前")
    badge.wait_for()
    item.refresh_from_db()
    assert item.deadline_text == "6月底前"
    assert item.deadline_due.isoformat() == f"{year}-06-30"
    assert item.owner_text == "王建国" and item.owner.user.username == "chair"
    assert page.locator(f"div#item-{item.pk}-body [data-testid=owner-linked-mark]").count() == 1
    page.screenshot(path=str(ARTIFACTS / "plan-editor-deadline.png"))

    # Someone else saves meanwhile (another window): this page's next save is refused with a
    # conflict, and what was typed stays on the screen.
    plan.refresh_from_db()
    editing.section_update(
        actor=get_user_model().objects.get(username="chair"),
        plan_id=plan.pk,
        expected_revision=plan.revision,
        section_id=second.pk,
        title=second.title,
        text="另一个窗口里加的说明",
    )
    page.locator(f"#section-{second.pk}-body button[title='编辑章节']").click()
    section_form = page.locator(f"form#section-{second.pk}-body:not(.htmx-added)")
    section_form.wait_for()
    section_form.locator("input[name=title]").fill("我刚改好的章节标题")
    section_form.locator("button[type=submit]").click()
    problem = page.locator(f"#section-{second.pk}-body[data-testid=plan-problem]")
    problem.wait_for()
    assert "该计划已被他人修改" in problem.inner_text()
    assert problem.locator("textarea").first.input_value() == "我刚改好的章节标题"
    problem.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "plan-editor-conflict.png"))
    second.refresh_from_db()
    assert second.title != "我刚改好的章节标题"
    page.reload()
    assert "另一个窗口里加的说明" in page.inner_text(f"#section-{second.pk}-body")

    # Submit for approval from the plan's page.
    page.click("[data-testid=plan-view]")
    page.wait_for_url(f"{live_server.url}/plans/{plan.pk}/")
    page.click("form[data-transition=submit] button[type=submit]")
    page.wait_for_selector("[data-status=review]")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEW
    page.screenshot(path=str(ARTIFACTS / "plan-submitted.png"), full_page=True)

    # The PDF, as the link on the page serves it.
    href = page.get_attribute("a[href$='plan.pdf']", "href")
    response = context.request.get(f"{live_server.url}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = ARTIFACTS / "plan-editor.pdf"
    pdf.write_bytes(response.body())
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(ARTIFACTS / "plan-editor-pdf")], check=True)
        assert list(ARTIFACTS.glob("plan-editor-pdf-*.png"))

    assert errors == []
    context.close()
