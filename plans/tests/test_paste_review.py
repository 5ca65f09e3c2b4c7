"""The paste's review page on real-world text: traditional characters converted or kept, flagged
lines, 时限 proposals accepted or not, a notice's opening and its checklist (issue 19)."""

from pathlib import Path

import pytest
from django.urls import reverse

from plans.models import Item, Plan, Section

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "importer"
TRADITIONAL = (CORPUS / "02_plan_school_t.txt").read_text(encoding="utf-8")

pytestmark = pytest.mark.django_db


def _paste(client, org, text, **extra):
    data = {"org_unit": org.school.pk, "year": 2025, "text": text, **extra}
    return client.post(reverse("plans:paste"), data)


def _text_key(body: str) -> str:
    return body.split('name="text_key" value="')[1].split('"')[0]


def test_a_traditional_paste_is_converted_by_default_and_says_what_was_converted(login, chair, org):
    client = login(chair)
    body = _paste(client, org, TRADITIONAL).content.decode()

    assert 'data-testid="paste-conversion"' in body
    assert 'name="simplify" value="1" id="id_simplify" checked' in body
    assert "學→学" in body and "會→会" in body
    assert 'value="2025年度圣保禄学校教职员工会工作计划"' in body
    assert "组织会员参加健康讲座及体检" in body and "組織會員" not in body.split('name="text"')[0]

    response = _paste(client, org, TRADITIONAL, step="save", simplify_shown="1", simplify="1")
    plan = Plan.objects.get()
    assert response["Location"] == reverse("plans:editor", args=[plan.pk])
    assert plan.title == "2025年度圣保禄学校教职员工会工作计划"
    assert plan.guiding_ideas.startswith("以服务会员为宗旨")
    assert Item.objects.filter(section__plan=plan, content="探访患病及退休会员。").exists()


def test_a_traditional_paste_is_kept_as_written_when_the_user_unticks_the_conversion(login, chair, org):
    client = login(chair)
    first = _paste(client, org, TRADITIONAL).content.decode()
    converted_title = "2025年度圣保禄学校教职员工会工作计划"

    # the title field still holds the converted title the page showed: it follows the choice
    body = _paste(
        client, org, TRADITIONAL, step="review", simplify_shown="1", title=converted_title, parsed_title=converted_title
    ).content.decode()
    assert 'id="id_simplify" checked' not in body and 'id="id_simplify"' in body
    assert 'value="2025年度聖保祿學校教職員工會工作計劃"' in body
    assert 'data-testid="paste-conversion"' in first

    _paste(
        client,
        org,
        TRADITIONAL,
        step="save",
        simplify_shown="1",
        title="2025年度聖保祿學校教職員工會工作計劃",
        parsed_title="2025年度聖保祿學校教職員工會工作計劃",
    )
    plan = Plan.objects.get()
    assert plan.title == "2025年度聖保祿學校教職員工會工作計劃"
    assert set(Section.objects.filter(plan=plan, parent=None).values_list("title", flat=True)) == {
        "主要工作",
        "文康活動",
    }


def test_a_simplified_paste_shows_no_conversion(login, chair, org):
    body = _paste(login(chair), org, (CORPUS / "01_plan_school_s.txt").read_text(encoding="utf-8")).content.decode()

    assert 'data-testid="paste-conversion"' not in body
    assert 'data-testid="paste-flagged"' not in body


def test_flagged_lines_are_shown_with_the_line(login, chair, org):
    body = _paste(login(chair), org, (CORPUS / "23_mojibake_s.txt").read_text(encoding="utf-8")).content.decode()

    assert 'data-testid="paste-flagged"' in body
    assert "乱码已去掉" in body
    assert "鍏ㄤ綋鏁欒亴宸ュ弬鍔犲煿璁" in body  # the line itself, for the user to retype
    assert "有 3 行含乱码" in body


def test_deadline_proposals_are_saved_only_when_accepted(login, chair, org):
    client = login(chair)
    text = (CORPUS / "26_deadlines_xun_s.txt").read_text(encoding="utf-8")
    body = _paste(client, org, text).content.decode()
    assert body.count('data-testid="paste-proposal"') == 6
    key = _text_key(body)
    # items in order: 0 3月上旬, 1 4月中旬至5月中旬, 2 6月下旬, 3 每季度, 4 (none), 5 9月初, 6 年底前
    assert 'name="proposal-text-1" value="4月中旬至5月中旬"' in body

    _paste(
        client,
        org,
        text,
        step="save",
        text_key=key,
        **{"proposal-1": "1", "proposal-text-1": "4月中旬至5月中旬"},
        **{"proposal-6": "1", "proposal-text-6": "12月20日前"},
        **{"proposal-text-0": "3月上旬"},  # shown, not ticked
    )
    plan = Plan.objects.get()
    deadlines = dict(Item.objects.filter(section__plan=plan).values_list("content", "deadline_text"))
    assert deadlines["4月中旬至5月中旬开展教职工羽毛球联赛。"] == "4月中旬至5月中旬"
    assert deadlines["年底前完成工会经费审计。"] == "12月20日前"  # as the user edited it
    assert deadlines["3月上旬召开区教育系统教代会。"] == ""
    assert Item.objects.get(section__plan=plan, content__startswith="4月中旬").deadline_due is not None


def test_proposals_of_another_text_are_not_applied(login, chair, org):
    client = login(chair)
    text = (CORPUS / "26_deadlines_xun_s.txt").read_text(encoding="utf-8")
    key = _text_key(_paste(client, org, text).content.decode())
    edited = text.replace("1、3月上旬召开区教育系统教代会。\n", "")

    _paste(client, org, edited, step="save", text_key=key, **{"proposal-1": "1", "proposal-text-1": "6月"})
    assert not Item.objects.filter(deadline_text="6月").exists()


def test_a_notice_shows_its_opening_apart_and_saves_the_checklist_with_its_deadline(login, chair, org):
    client = login(chair)
    text = (CORPUS / "05_notice_materials_s.txt").read_text(encoding="utf-8")
    body = _paste(client, org, text).content.decode()
    assert 'data-testid="paste-preamble"' in body and "各基层工会：" in body

    _paste(client, org, text, step="save")
    plan = Plan.objects.get()
    assert plan.guiding_ideas == ""
    checklist = Item.objects.get(section__plan=plan, section__title="所需材料")
    assert checklist.content.splitlines() == [
        "☐ 《困难职工帮扶申请表》一式两份",
        "☐ 身份证、户口簿复印件",
        "☐ 家庭收入证明",
    ]
    assert checklist.deadline_text == "2025年3月15日前"
    assert str(checklist.deadline_due) == "2025-03-15"


def test_a_phase_shows_its_dates_and_gives_them_to_its_items(login, chair, org):
    client = login(chair)
    text = (CORPUS / "03_scheme_phases_s.txt").read_text(encoding="utf-8")
    body = _paste(client, org, text).content.decode()
    assert body.count('data-testid="paste-phase-dates"') == 3

    _paste(client, org, text, step="save")
    phase = Section.objects.get(title="第二阶段：组织实施")
    assert set(Item.objects.filter(section=phase).values_list("deadline_text", flat=True)) == {"4月11日—5月20日"}


def test_a_paste_of_garbage_gets_a_chinese_message_not_an_error(login, chair, org):
    client = login(chair)
    garbage = (
        "锟斤拷锟斤拷\n鍏ㄤ綋鏁欒亴宸ュ弬鍔犲煿璁\nåŠ³åŠ¨æ¨¡èŒƒ",
        "序号\n工作内容\n时限\n1\n2\n3",
        "篇一\n篇二\n",
    )
    for text in garbage:
        response = _paste(client, org, text)
        assert response.status_code == 200
        body = response.content.decode()
        assert "没有从粘贴的文字中识别出计划的章节或活动安排" in body or "没有粘贴任何内容" in body, text
    assert not Plan.objects.exists()
