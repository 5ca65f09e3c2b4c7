"""The paste importer on a corpus of realistic texts of every common shape (tests/fixtures/importer).

Each text was written for this corpus as a variant of what chairs paste: school and company plans,
实施方案 with phases, 通知 with 所需材料 and a deadline, tables pasted from Word (one cell per line,
or tab-separated rows), web pages with breadcrumbs, author lines and junk blocks, pages holding
several plans under every separator shape, in simplified and in traditional characters. The
expectations below were made by reading each text, not by running the parser: `counts` is
(top-level sections, all sections, all items, 活动安排 months) of the plan picked (`pick`) among the
`plans` found on the page; traditional texts are expected in simplified characters, the default.
"""

from dataclasses import dataclass
from pathlib import Path

import pytest

from plans.importer import ParsedPlan, parse_plan, split_documents

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "importer"


@dataclass(frozen=True)
class Expect:
    title: str
    counts: tuple[int, int, int, int]
    first_section: str = ""
    plans: int = 1
    pick: int = 0
    traditional: bool = False
    guiding: str | None = None  # how the 指导思想 starts; "" when the text has none
    deadline: tuple[str, str] | None = None  # (how an item starts, its 时限)
    proposal: tuple[str, str] | None = None  # (how an item starts, the 时限 proposed from its text)
    flagged: str = ""  # part of a line the review must show as flagged


EXPECTED = {
    # 一、指导思想 → guiding; 二、 (一) 2 items, (二) 3 items; 三、 2 items; the 落款 dropped
    "01_plan_school_s.txt": Expect("2025年城南小学工会工作计划", (2, 4, 7, 0), "主要工作", guiding="以习近平新时代"),
    "02_plan_school_t.txt": Expect(
        "2025年度圣保禄学校教职员工会工作计划", (2, 4, 7, 0), "主要工作", traditional=True, guiding="以服务会员为宗旨"
    ),
    # 一、 二、 one paragraph each; 三、 three phases (2, 3, 2 steps); 四、 one paragraph
    "03_scheme_phases_s.txt": Expect(
        "关于开展“职工书屋”读书月活动的实施方案",
        (4, 7, 10, 0),
        "活动主题",
        guiding="为丰富职工精神文化生活",
        deadline=("各基层工会召开动员会", "4月1日—4月10日"),
    ),
    "04_scheme_phases_t.txt": Expect(
        "关于开展职工健步走活动的实施方案",
        (3, 6, 7, 0),
        "组织领导",
        traditional=True,
        deadline=("每周公布一次步数排行", "3月16日—5月31日"),
    ),
    # the addressee and the preamble are no 指导思想; 所需材料 one checklist item whose 时限 is 三、报送时间's
    "05_notice_materials_s.txt": Expect(
        "关于做好2025年度困难职工帮扶申报工作的通知",
        (3, 3, 3, 0),
        "申报对象",
        guiding="",
        deadline=("☐ 《困难职工帮扶申请表》一式两份", "2025年3月15日前"),
    ),
    "06_notice_materials_t.txt": Expect(
        "关于申请2025年度会员子女奖学金的通知",
        (3, 3, 3, 0),
        "申请资格",
        traditional=True,
        guiding="",
        deadline=("☐ 奖学金申请表", "2025年9月30日前"),
        proposal=("申请结果将于10月底前通知申请人", "10月底前"),
    ),
    # a table one cell per line: 5 rows under the column title of the work
    "07_table_cells_s.txt": Expect(
        "城东街道工会2025年重点工作安排表",
        (1, 1, 5, 0),
        "工作内容",
        deadline=("召开街道工会第三次会员代表大会", "3月底前"),
    ),
    "08_table_tabs_t.txt": Expect(
        "2025年教师会工作计划表",
        (1, 1, 4, 0),
        "工作项目",
        traditional=True,
        deadline=("召开会员大会，通过年度工作计划", "2月下旬"),
    ),
    # breadcrumb, author line, share line, blurb, download and related articles all dropped
    "09_web_junk_s.txt": Expect(
        "2025年社区工会工作计划", (3, 3, 6, 0), "加强组织建设", guiding="2025年，社区工会将在街道总工会的领导下"
    ),
    "10_web_junk_t.txt": Expect(
        "2025年工会工作计划", (2, 2, 5, 0), "重点工作", traditional=True, guiding="坚持以人为本"
    ),
    # several plans on one page: the one picked
    "11_multi_pian_s.txt": Expect(
        "2025年中学工会工作计划", (2, 2, 4, 0), "推进民主管理", plans=3, pick=1, guiding="以服务教职工为中心"
    ),
    "12_multi_fanwen_s.txt": Expect(
        "工会工作计划", (3, 3, 5, 0), "强化职工素质建设", plans=2, pick=1, guiding="2025年，公司工会将围绕"
    ),
    "13_multi_muban_s.txt": Expect("2025年医院工会工作计划", (2, 2, 5, 0), "提升服务能力", plans=2, pick=1),
    "14_multi_angle_s.txt": Expect("机关工会工作计划", (2, 2, 3, 0), "加强民主管理", plans=3, pick=1),
    "15_multi_cornered_s.txt": Expect(
        "乡镇工会工作计划", (2, 2, 3, 0), "强化维权服务", plans=2, pick=1, guiding="今年镇工会的工作思路是"
    ),
    "16_multi_double_angle_s.txt": Expect("学校工会工作计划", (2, 2, 4, 0), "师德建设", plans=3, pick=1),
    "17_multi_paren_s.txt": Expect("社区工会工作计划", (2, 2, 4, 0), "深化普法宣传", plans=2, pick=1),
    "18_multi_square_s.txt": Expect("车间工会工作计划", (2, 2, 5, 0), "班组建设", plans=2, pick=1),
    # "…计划报告一" is the first 计划报告
    "19_multi_report_s.txt": Expect("工会年度工作计划报告", (3, 3, 4, 0), "劳动竞赛", plans=2, pick=1),
    "20_multi_pian_t.txt": Expect(
        "2025年医院工会工作计划", (1, 1, 3, 0), "关爱医护人员", plans=3, pick=1, traditional=True
    ),
    # 【範文二】 names no title: the page's title, less "范文", is the plan's
    "21_multi_fanwen_t.txt": Expect("工会工作计划", (2, 2, 4, 0), "加强会员联系", plans=2, pick=1, traditional=True),
    # pinyin after the characters removed before reading: 指导思想 is recognised
    "22_romanisation_s.txt": Expect(
        "2025年工会工作计划", (1, 1, 3, 0), "主要工作", guiding="以服务职工为宗旨", flagged="zhǐ"
    ),
    # a line of mojibake is left out and flagged; a run at the end of a line is cut and flagged
    "23_mojibake_s.txt": Expect("2025年物业公司工会工作计划", (2, 2, 4, 0), "加强组织建设", flagged="鍏ㄤ綋"),
    # 推荐访问 and 热门文章 blocks and a run of titles: no item
    "24_junk_blocks_s.txt": Expect(
        "2025年交通局工会工作计划", (2, 2, 4, 0), "思想引领", flagged="2024年度工会工作总结范文大全"
    ),
    # words broken over two lines joined again
    "25_midword_breaks_s.txt": Expect(
        "2025年镇工会工作计划",
        (2, 2, 5, 0),
        "主要工作",
        proposal=("坚持集中学习与个人自学相结合，每月组织一次", "每月"),
    ),
    "26_deadlines_xun_s.txt": Expect(
        "2025年区教育工会工作计划",
        (2, 2, 7, 0),
        "重点工作",
        proposal=("4月中旬至5月中旬开展教职工羽毛球联赛", "4月中旬至5月中旬"),
    ),
    "27_deadlines_ranges_s.txt": Expect(
        "关于开展2025年“安康杯”竞赛活动的实施方案",
        (3, 3, 6, 0),
        "活动时间",
        proposal=("6月1日至6月30日开展", "6月1日至6月30日"),
    ),
    "28_deadlines_t.txt": Expect(
        "2025年教职员工会活动计划",
        (2, 2, 5, 0),
        "会员活动",
        traditional=True,
        proposal=("5月中旬至6月上旬举办", "5月中旬至6月上旬"),
    ),
    "29_scheme_steps_s.txt": Expect(
        "关于开展“职工心理健康关爱行动”的实施方案",
        (2, 5, 7, 0),
        "工作目标",
        deadline=("开通心理咨询热线", "2025年4月—10月"),
    ),
    "30_scheme_terms_s.txt": Expect(
        "2025年工会干部培训实施方案", (3, 6, 7, 0), "培训对象", deadline=("学习工会会计制度", "6月上旬")
    ),
    # a 活动安排 of 6 months; 二、 one paragraph
    "31_schedule_web_s.txt": Expect("2025年机关工会活动安排", (1, 1, 1, 6), "有关要求"),
    "32_schedule_t.txt": Expect("2025年度教师会活动行事历", (0, 0, 0, 6), traditional=True),
    "33_notice_deadline_heading_s.txt": Expect(
        "关于组织开展2025年度优秀工会工作者评选的通知",
        (4, 4, 6, 0),
        "评选名额",
        guiding="",
        deadline=("☐ 推荐表一份", "11月20日前"),
    ),
    # un-numbered headings: 总体要求 (1), 重点工作 (3), 保障措施 (2)
    "34_key_points_bare_s.txt": Expect("市总工会2025年工作要点", (3, 3, 6, 0), "总体要求"),
    # 壹、贰、参 outside 一、
    "35_key_points_tw_t.txt": Expect("台北市某国小教师会114学年度工作要点", (3, 3, 5, 0), "工作目标", traditional=True),
    "36_breadcrumbs_meta_s.txt": Expect("中学工会2025年上半年工作计划", (2, 2, 4, 0), "常规工作"),
    "37_junk_blocks_t.txt": Expect("2025年妇委会工作计划", (2, 2, 4, 0), "维护女职工权益", traditional=True),
    "38_table_attributes_s.txt": Expect(
        "2025年企业工会工作目标责任表",
        (2, 2, 4, 0),
        "组织建设",
        deadline=("每半年通报一次提案落实情况", "6月；12月"),
        proposal=("3月上旬召开职代会", "3月上旬"),
    ),
    "39_scheme_phases_dashes_s.txt": Expect(
        "工会“职工之家”建设三年行动实施方案（2025—2027年）",
        (2, 5, 5, 0),
        "总体目标",
        deadline=("分批建设“职工之家”", "2025年4月——2026年12月"),
    ),
    # 报名截止时间 is the 时限 of the item before it; 所需材料 a checklist, then the contact and the 附件
    "40_notice_contact_s.txt": Expect(
        "关于举办2025年职工乒乓球比赛的通知",
        (4, 4, 6, 0),
        "比赛时间",
        guiding="",
        deadline=("各基层工会限报男女运动员各2名", "2025年5月30日前"),
        proposal=("2025年6月中旬", "2025年6月中旬"),
    ),
    "41_scheme_phases_t.txt": Expect(
        "「关爱长者」义工服务计划实施方案",
        (2, 5, 6, 0),
        "计划目的",
        traditional=True,
        deadline=("招募义工不少于三十名", "2025年3月至4月"),
    ),
    # lost newlines: "…活动。一、强化思想引领1、开展…"
    "42_lost_newlines_s.txt": Expect(
        "2025年XX公司工会工作计划", (3, 3, 5, 0), "强化思想引领", guiding="2025年公司工会工作的总体思路是"
    ),
}


def counts(plan: ParsedPlan) -> tuple[int, int, int, int]:
    sections = list(plan.walk())
    return len(plan.sections), len(sections), sum(len(s.items) for s in sections), len(plan.schedule)


def items(plan: ParsedPlan):
    return [item for section in plan.walk() for item in section.items]


def the_item(plan: ParsedPlan, start: str):
    found = [item for item in items(plan) if item.content.startswith(start)]
    assert len(found) == 1, (start, [item.content for item in items(plan)])
    return found[0]


def read(name: str) -> tuple[list, ParsedPlan]:
    pasted = split_documents((CORPUS / name).read_text(encoding="utf-8"))
    expect = EXPECTED[name]
    return pasted, parse_plan(pasted[expect.pick].text, year=2025)


def test_the_corpus_is_complete():
    names = sorted(path.name for path in CORPUS.glob("*.txt"))
    assert names == sorted(EXPECTED)
    assert len(names) >= 40
    assert sum(expect.traditional for expect in EXPECTED.values()) >= 10


@pytest.mark.parametrize("name", EXPECTED)
def test_corpus_text(name):
    expect = EXPECTED[name]
    pasted, plan = read(name)

    assert len(pasted) == expect.plans, [p.label for p in pasted]
    assert plan.title == expect.title
    assert counts(plan) == expect.counts
    assert plan.traditional == expect.traditional
    if expect.first_section:
        assert plan.sections[0].title == expect.first_section
    if expect.guiding is not None:
        assert plan.guiding_ideas.startswith(expect.guiding) if expect.guiding else plan.guiding_ideas == ""
    if expect.deadline:
        start, deadline = expect.deadline
        assert the_item(plan, start).deadline_text == deadline
    if expect.proposal:
        start, proposal = expect.proposal
        item = the_item(plan, start)
        assert (item.deadline_text, item.deadline_proposed) == ("", proposal)
    if expect.flagged:
        assert any(expect.flagged in flag.line for flag in plan.flagged), plan.flagged
    for item in items(plan):
        assert item.content and len(item.content) <= 300, item.content


@pytest.mark.parametrize("name", [name for name, expect in EXPECTED.items() if expect.traditional])
def test_traditional_text_is_kept_when_not_converted(name):
    expect = EXPECTED[name]
    pasted = split_documents((CORPUS / name).read_text(encoding="utf-8"))
    original = parse_plan(pasted[expect.pick].text, year=2025, simplify=False)
    converted = parse_plan(pasted[expect.pick].text, year=2025)

    # the same reading, in the user's characters
    assert counts(original) == counts(converted)
    assert original.title != converted.title
    assert original.title in (CORPUS / name).read_text(encoding="utf-8")
    assert original.traditional and original.conversions == converted.conversions
    assert all(source != target for source, target in converted.conversions)


# -- small cases of each rule


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        (
            "工会工作计划范文一\n一、甲\n1、a\n工会工作计划范文二\n一、乙\n1、b",
            ["范文一：工会工作计划", "范文二：工会工作计划"],
        ),
        ("计划模板1\n一、甲\n计划模板2\n一、乙", ["模板1：计划", "模板2：计划"]),
        ("年度工作报告一\n一、甲\n年度工作报告二\n一、乙", ["报告一：年度工作报告", "报告二：年度工作报告"]),
        ("工会计划【一】\n一、甲\n工会计划【二】\n一、乙", ["【一】：工会计划", "【二】：工会计划"]),
        ("工会计划〈1〉\n一、甲\n工会计划〈2〉\n一、乙", ["〈1〉：工会计划", "〈2〉：工会计划"]),
    ],
)
def test_header_shapes(text, labels):
    assert [plan.label for plan in split_documents(text)] == labels


def test_a_bracketed_ordinal_without_a_title_is_a_heading():
    text = "2025年工会工作计划\n一、主要工作\n（一）加强组织建设\n1、建会\n（二）关心职工\n1、慰问"

    assert len(split_documents(text)) == 1
    assert [section.title for section in parse_plan(text).sections[0].children] == ["加强组织建设", "关心职工"]


def test_page_lines_are_junk_but_parentheses_and_tables_of_words_are_kept():
    plan = parse_plan(
        "2025年工会工作计划\n首页 » 计划 » 工会\n来源：本站 点击：12\n分享到：微信\n【打印】【关闭】\n"
        "一、主要工作\n1、召开教代会（3月）\n2、学习工会法(Union Law)\n上一篇：2024年计划"
    )

    # a month in brackets is proposed, not taken; English in brackets is no romanisation
    assert [item.content for item in plan.sections[0].items] == ["召开教代会（3月）", "学习工会法(Union Law)"]
    assert plan.sections[0].items[0].deadline_proposed == "3月"
    assert plan.flagged == []


def test_a_short_clause_after_a_title_is_not_a_broken_word():
    plan = parse_plan(
        "一、指导思想\n同时，坚持以职工为中心。\n二、主要工作\n1、坚持集中学习与个人自学相\n结合，每月一次。"
    )

    assert plan.guiding_ideas == "同时，坚持以职工为中心。"
    assert [item.content for item in plan.sections[0].items] == ["坚持集中学习与个人自学相结合，每月一次。"]


def test_seasons_and_ranges_to_a_day_are_proposed():
    plan = parse_plan(
        "一、主要工作\n1、第二季度召开职代会。\n2、春季学期开展教工运动会。\n3、3月中旬至4月10日开展读书活动。\n"
        "4、暑假组织疗休养。"
    )

    # 暑假 names no dates plans/deadlines.py understands: nothing proposed
    assert [item.deadline_proposed for item in plan.sections[0].items] == [
        "第二季度",
        "春季学期",
        "3月中旬至4月10日",
        "",
    ]


def test_a_span_of_years_is_no_deadline_proposal():
    plan = parse_plan("一、主要工作\n1、落实2025—2027年三年规划。\n2、6月下旬组织疗休养。")

    assert [item.deadline_proposed for item in plan.sections[0].items] == ["", "6月下旬"]


def test_a_table_cell_over_two_lines_is_not_lost():
    plan = parse_plan("序号\n工作内容\n时限\n1\n召开职代会\n审议工作报告\n3月\n2\n慰问\n12月")

    # a row of three lines under two columns after 序号: the work ran over two lines, the 时限 is last
    assert [(item.content, item.deadline_text) for item in plan.sections[0].items] == [
        ("召开职代会审议工作报告", "3月"),
        ("慰问", "12月"),
    ]


HOSTILE = [
    "\t" * 200,
    "序号\n工作内容\n时限",
    "序号\t内容\t时间\n\t\t\n1\t\t\n",
    "1\n2\n3\n" * 50,
    "第一阶段（）\n第二步：\n一期",
    "锟斤拷" * 1000,
    "\ufffd" * 500,
    "(" * 1000 + "工" + ")" * 1000,
    "工(gōng" * 300,
    "工会" * 20_000,
    "各基层工会：\n三、截止日期：\n四、所需材料\n",
    "篇一\n篇二\n【范文三】\n<四>\n",
    "Ã©" * 3000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_pastes_do_not_break_the_importer(text):
    for pasted in split_documents(text):
        for simplify in (True, False):
            plan = parse_plan(pasted.text, year=2025, simplify=simplify)
            assert all(item.content for section in plan.walk() for item in section.items)
    parse_plan(text)
