"""Issue 16's congress story, as its people live it: a member submits a suggestion; a delegate
turns it into a motion and invites a co-signer (before 征集附议, the path that was a 404), who gets
a bell notification, follows it and co-signs; the motions committee registers it (立案) through the
confirmation modal; the handler is notified and replies; the proposer and the suggestion's author
are notified and the proposer rates. Each person's 待办 list on the 工作台 shows the step while it
is theirs. Screenshots: test-artifacts/screenshots/congress-todo-*.png."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "关于为值班教师提供夜宵的提案"


def test_each_person_sees_the_motion_on_their_todo_list_while_it_is_theirs(browser, live_server, demo):
    from congress.models import CongressSession, Motion, MotionStatus, Suggestion

    call_command("seed_demo_congress", stdout=StringIO())
    session = CongressSession.objects.get()
    errors: list[str] = []

    def person(username):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
        page.on("response", lambda r: r.status >= 500 and errors.append(f"{username}: {r.status} {r.url}"))
        log_in(page, live_server, username)
        return context, page

    def todo(page):
        """The 工作台's 待办 entries about this motion: the moves waiting on this person."""
        page.goto(f"{live_server.url}/")
        items = page.locator("[data-testid=todo-item]").filter(has_text=TITLE)
        return [items.nth(i).inner_text() for i in range(items.count())]

    def shot(page, name, full_page=False):
        page.screenshot(path=str(ARTIFACTS / f"congress-todo-{name}.png"), full_page=full_page)

    def confirm(page):
        modal = page.locator("[data-testid=confirm-modal]")
        modal.wait_for(state="visible")
        text = modal.inner_text()
        modal.locator("[data-confirm-ok]").click()
        page.wait_for_load_state()
        return text

    # 1. A member writes a suggestion.
    context, page = person("member")
    page.goto(f"{live_server.url}{reverse('congress:session_detail', args=[session.pk])}")
    page.click("[data-testid=suggest-link]")
    page.fill("#id_title", "值班教师夜宵")
    page.fill("#id_content", "晚自习值班到十点，希望食堂提供夜宵。")
    page.click("[data-testid=suggestion-form] button[type=submit]")
    page.wait_for_load_state()
    context.close()
    suggestion = Suggestion.objects.get(title="值班教师夜宵")

    # 2. The delegate `committee` adopts it, completes the text and invites `women` while it is
    #    still a draft, then starts collecting.
    context, page = person("committee")
    page.goto(f"{live_server.url}{reverse('congress:suggestion_detail', args=[session.pk, suggestion.pk])}")
    page.select_option("[data-testid=adopt-form] select", "life")
    page.click("[data-testid=adopt-form] button")
    page.wait_for_url("**/congress/motions/*/edit/")
    page.fill("#id_title", TITLE)
    page.fill("#id_proposal", "食堂每晚九点半提供夜宵，费用由工会补贴一半。")
    page.click("[data-testid=motion-form] button[type=submit]")
    page.wait_for_url("**/congress/motions/*/")
    motion = Motion.objects.get(title=TITLE)
    page.select_option("[data-testid=invite-form] select", label="赵丽华（高二年级代表团）")
    page.click("[data-testid=invite-form] button")
    page.wait_for_load_state()
    page.click("[data-action=collect] button")
    page.wait_for_load_state()
    page.locator("[data-status]", has_text="征集附议").first.wait_for()
    assert todo(page) == []  # the proposer waits for the co-signer
    context.close()

    # 3. `women` has a bell notification, follows it, sees 附议 on her 待办 list, and co-signs.
    context, page = person("women")
    page.locator("[data-testid=unread-badge]").wait_for()
    assert int(page.locator("[data-testid=unread-badge]").get_attribute("data-unread")) >= 1
    assert any("附议" in entry for entry in todo(page))
    shot(page, "1-cosigner-todo", full_page=True)
    page.click("[data-testid=inbox-link]")
    page.wait_for_url(f"{live_server.url}/notifications/")
    notice = page.locator("[data-testid=notification]").filter(has_text=TITLE).first
    shot(page, "2-cosigner-bell")
    notice.get_by_role("button", name="查看").click()
    page.wait_for_url(f"**/congress/motions/{motion.pk}/")
    page.click("[data-testid=cosign-confirm]")
    page.wait_for_load_state()
    assert "已确认附议" in page.locator(".alert-success").first.inner_text()
    assert todo(page) == []
    context.close()

    # 4. The proposer submits, through the confirmation.
    context, page = person("committee")
    page.goto(f"{live_server.url}/congress/motions/{motion.pk}/")
    page.click("[data-action=submit] button")
    assert "提交后提案不能再修改" in confirm(page)
    page.locator("[data-status]", has_text="已提交").first.wait_for()
    context.close()

    # 5. The motions committee: 开始审查, then 立案 through the modal, then 交办.
    context, page = person("motions")
    [entry] = todo(page)
    assert "开始审查" in entry
    shot(page, "3-committee-todo", full_page=True)
    page.locator("[data-testid=todo-item]").filter(has_text=TITLE).get_by_role("link").click()
    page.click("[data-action=review] button")
    page.wait_for_load_state()
    [entry] = todo(page)
    assert "立案" in entry
    page.goto(f"{live_server.url}/congress/motions/{motion.pk}/")
    page.click("[data-action=register] button")
    modal = page.locator("[data-testid=confirm-modal]")
    modal.wait_for(state="visible")
    assert "不能撤销" in modal.inner_text() and "提案人" in modal.inner_text()
    shot(page, "4-register-confirm")
    modal.locator("[data-confirm-ok]").click()
    page.wait_for_load_state()
    page.locator("[data-testid=motion-number]").wait_for()
    assert "交办" in todo(page)[0]
    page.goto(f"{live_server.url}/congress/motions/{motion.pk}/")
    page.select_option("#id_lead_department", label="总务处")
    page.fill("#id_due_on", (datetime.date.today() + datetime.timedelta(days=20)).isoformat())
    page.click("[data-testid=assign-form] button")
    page.wait_for_load_state()
    page.locator("[data-status]", has_text="已交办").first.wait_for()
    assert "已通知" in page.locator(".alert-success").first.inner_text()
    assert todo(page) == []
    context.close()

    # 6. The handler is told, finds 答复 on the 待办 list and replies.
    context, page = person("handler")
    assert any("答复" in entry for entry in todo(page))
    shot(page, "5-handler-todo", full_page=True)
    page.locator("[data-testid=todo-item]").filter(has_text=TITLE).get_by_role("link").click()
    page.fill("[data-testid=reply-form] textarea", "自下月起每晚九点半供应夜宵，工会补贴一半。")
    page.click("[data-testid=reply-form] button")
    page.wait_for_load_state()
    page.locator("[data-status]", has_text="已答复").first.wait_for()
    assert todo(page) == []
    context.close()

    # 7. The suggestion's author hears of each step of their suggestion's motion.
    context, page = person("member")
    page.goto(f"{live_server.url}/notifications/")
    told = page.locator("[data-testid=notification]").filter(has_text=TITLE)
    assert told.count() >= 3  # 立案, 交办, 答复
    shot(page, "6-author-told", full_page=True)
    context.close()

    # 8. The proposer is told, finds 评价答复 on the 待办 list and rates.
    context, page = person("committee")
    assert any("评价答复" in entry for entry in todo(page))
    shot(page, "7-proposer-todo", full_page=True)
    page.locator("[data-testid=todo-item]").filter(has_text=TITLE).get_by_role("link").click()
    page.check("[data-testid=rate-form] input[value=satisfied]")
    page.click("[data-testid=rate-form] button")
    page.wait_for_load_state()
    page.locator("[data-status]", has_text="已评价").first.wait_for()
    assert todo(page) == []
    context.close()

    motion.refresh_from_db()
    assert motion.status == MotionStatus.EVALUATED
    assert errors == []
