"""The paste importer against real pasted pages (tests/fixtures/plans, copies of the seed plans) and small cases.

The counts below were made by hand from the fixture text, not copied from the parser's output: the
comment above each case says what was counted.
"""

import re
from pathlib import Path

import pytest

from plans.importer import (
    ParsedPlan,
    ParsedSection,
    normalise_line,
    parse_plan,
    split_documents,
)

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "plans"
PARTY = "000_6bc6aea5d6a6364b.txt"  # 党工会工作计划8篇: a web page, junk above and below, "篇1"…"篇8"
PLANNING = "001_3c5e4846da343cb2.txt"  # 工会2025工作规划: a web page, "篇一"…"篇十"
TABLES = "004_2c7bba2cbaf99719.txt"  # 工会工作计划表: Word text with full-width punctuation, "篇一"…"篇九"

PLANS_PER_FILE = {PARTY: 8, PLANNING: 10, TABLES: 9}


def read_plans(name: str) -> list[ParsedPlan]:
    return [parse_plan(pasted.text) for pasted in split_documents((FIXTURES / name).read_text(encoding="utf-8"))]


def counts(plan: ParsedPlan) -> tuple[int, int, int, int]:
    """(top-level sections, all sections, all items, schedule months)."""
    sections = list(plan.walk())
    return len(plan.sections), len(sections), sum(len(s.items) for s in sections), len(plan.schedule)


def texts(plan: ParsedPlan) -> list[str]:
    """Every piece of text the user will review."""
    found = [plan.title, *plan.guiding_ideas.splitlines()]
    for section in plan.walk():
        found.append(section.title)
        for item in section.items:
            found += [item.content, item.goal, item.measures, item.deadline_text, item.owner_text]
    for entry in plan.schedule:
        found += [entry.month_text, entry.theme, *entry.activities]
    return found


def titles(sections: list[ParsedSection]) -> list[str]:
    return [section.title for section in sections]


# -- every plan of every file


@pytest.mark.parametrize(("name", "expected"), PLANS_PER_FILE.items())
def test_split_finds_every_plan_of_a_file(name, expected):
    pasted = split_documents((FIXTURES / name).read_text(encoding="utf-8"))

    assert len(pasted) == expected
    assert all(plan.label and plan.title and plan.text and plan.preview for plan in pasted)


def test_labels_name_the_header_and_the_title():
    party = split_documents((FIXTURES / PARTY).read_text(encoding="utf-8"))
    planning = split_documents((FIXTURES / PLANNING).read_text(encoding="utf-8"))
    tables = split_documents((FIXTURES / TABLES).read_text(encoding="utf-8"))

    # 篇2 has its own title line; the others only the page's "党工会工作计划篇N" header
    assert [plan.label for plan in party[:3]] == [
        "篇1：党工会工作计划",
        "篇2：xx年武阳中学工会工作计划",
        "篇3：党工会工作计划",
    ]
    assert planning[9].label == "篇十：工会2025工作规划"
    assert tables[0].label == "篇一：工会工作计划表"
    assert party[2].preview.startswith("20xx年,在党委的正确指导下")
    # the page above the first header (时间:, lcbkmm, 分享, 下载本文, the blurb) belongs to no plan
    assert "下载本文" not in party[0].text and "小编" not in party[0].text
    # nor the related articles and download links after the last one
    assert "相关文章" not in party[7].text and "70755" not in party[7].text


JUNK = ("下载本文", "小编", "相关文章", "推荐度", "点击下载", "手机版", "当前位置", "lcbkmm", "70755", "Word文档")


@pytest.mark.parametrize("name", PLANS_PER_FILE)
def test_every_plan_parses_into_something_clean(name):
    for plan in read_plans(name):
        assert plan.title
        assert plan.sections or plan.schedule
        for text in texts(plan):
            assert not any(junk in text for junk in JUNK), text
            assert text not in ("分享", "时间:", "时间："), text
            assert "`" not in text, text
            assert not re.search(r"[\u4e00-\u9fff]'|'[\u4e00-\u9fff]", text), text
            assert not re.match(r"\s|.*\s$", text), text
        for section in plan.walk():
            assert section.title
            assert all(item.content for item in section.items)
        assert all(entry.month_text and entry.months for entry in plan.schedule)


# -- hand-checked plans: 党工会工作计划8篇


def test_party_plan_1_nests_circled_items_under_numbered_sections():
    plan = read_plans(PARTY)[0]

    # 一、指导思想 (not a section); 二、主要工作 with 1、…4、, each one paragraph and ①② → 3 items:
    # 1 top-level + 4 = 5 sections, 4 × 3 = 12 items, no schedule
    assert counts(plan) == (1, 5, 12, 0)
    assert plan.guiding_ideas.startswith("在市教育工会的领导下,以“三个代表”重要思想为指导。")
    assert plan.sections[0].title == "主要工作"
    assert titles(plan.sections[0].children) == [
        "抓好组织建设发挥工会作用",
        "抓好队伍素质提高办学质量",
        "抓好民主管理推进事业发展",
        "抓好服务工作建设和谐校园",
    ]
    first = plan.sections[0].children[0]
    assert first.level == 2
    assert first.items[0].content.startswith("为了更好地发挥工会组织的桥梁和纽带作用")
    assert first.items[1].content.startswith("抓紧抓好学习。")
    assert "多数工会干部都是兼职的特点" in first.items[1].content  # "兼职的`特点" in the paste
    assert "富有特色的创新性工作局面" in first.items[2].content  # "的'创新性"
    assert plan.year is None  # only "20xx年底"


def test_party_plan_2_warns_about_its_numbering():
    plan = read_plans(PARTY)[1]

    # title line "xx年武阳中学工会工作计划"; an opening paragraph and 一,指导思想 go to guiding ideas;
    # 二,工作思路 (1 paragraph), 三,主要任务 (1, 2, 3, 4, 7, 6 → 6 items), 四,做法与措施 (1 item)
    assert counts(plan) == (3, 3, 8, 0)
    assert plan.title == "xx年武阳中学工会工作计划"
    assert titles(plan.sections) == ["工作思路", "主要任务", "做法与措施"]
    assert plan.guiding_ideas.splitlines()[1].startswith('以邓小平理论和"三个代表"重要思想为指导')
    assert [w for w in plan.warnings if w.startswith("编号不连续")] == [
        "编号不连续：“4,配合学校,落实教代会通过”之后是“7,组织教职工学习新《工会法”。",
        "编号不连续：“7,组织教职工学习新《工会法”之后是“6,进一步发挥工会的民主管理”。",
    ]


def test_party_plan_3_reads_half_parenthesised_numbers_as_a_deeper_level():
    plan = read_plans(PARTY)[2]

    # opening paragraph → guiding ideas; 一、 1、…4、 (4 items) and 5、 with 1) 2) (a section, 2 items);
    # 二、 2 items; 三、 4 items; 四、 1、…8、 and the closing "20xx年,工会工作将…" paragraph (9 items):
    # 4 top-level + 1 = 5 sections, 4 + 2 + 2 + 4 + 9 = 21 items
    assert counts(plan) == (4, 5, 21, 0)
    assert plan.sections[0].children[0].title == "实施职工素质工程,全面提高职工队伍整体素质。"
    assert plan.sections[0].children[0].items[0].content == "通过每周例会和班组学习提高政治素质。"
    assert plan.sections[3].items[-1].content.startswith("20xx年,工会工作将和行政管理工作相互协作")


def test_party_plan_8_has_a_month_schedule():
    plan = read_plans(PARTY)[7]

    # 一、指导思想 (not a section); 二、主要工作任务: (一) 1-6, (二) 1-4, (三) 1-4, (四) with nothing under
    # it (a section, so it stays after (三)); 三、活动安排 → the schedule, 元月…八月 = 8 months with
    # activities numbered 1…20 (3, 2, 3, 3, 1, 4, 2, 2); the page's text after it is dropped
    assert counts(plan) == (1, 5, 14, 8)
    assert titles(plan.sections[0].children) == [
        "全面推进教职工思想政治工程,提高教职工队伍整体素质。",
        "进一步推进民主政治建设,加强学校民主管理监督。",
        "突出履行维护的基本职能,深入开展送温暖工程。",
        "切实抓好妇女工作、老干工作、关工委工作、计划生育工作。",
    ]
    assert [entry.month_text for entry in plan.schedule] == [
        "元月",
        "二月",
        "三月",
        "四月",
        "五月",
        "六月",
        "七月",
        "八月",
    ]
    assert [len(entry.activities) for entry in plan.schedule] == [3, 2, 3, 3, 1, 4, 2, 2]
    assert plan.schedule[0].activities == ["制定工会工作计划", "干部考核情况汇总、存档", "慰问困难教职工"]
    assert plan.schedule[-1].activities[-1] == "开展“金秋助学”活动和“送温暖”活动"


# -- hand-checked plans: 工会2025工作规划


def test_planning_2_two_levels_under_main_work():
    plan = read_plans(PLANNING)[1]

    # 一、指导思想 (not a section); 二、主要工作: (一)民主管理工程 = 1 paragraph + 1、…7、 (8 items),
    # (二)素质建设工程 = 1 paragraph + 1、…3、 (4 items): 3 sections, 12 items
    assert counts(plan) == (1, 3, 12, 0)
    assert titles(plan.sections) == ["主要工作"]
    assert titles(plan.sections[0].children) == ["民主管理工程", "素质建设工程"]
    assert plan.sections[0].children[0].items[0].content.startswith("以职代会为主渠道")
    assert plan.year == 2025  # from the header "工会2025工作规划"


def test_planning_7_joins_broken_lines_and_drops_the_signature():
    plan = read_plans(PLANNING)[6]

    # 一、目标要求 (1 paragraph); 二、工作内容: 1. (title, then its paragraph after "。 " on the same
    # line), 2. (一是…, 二是… = 2), 3. (one paragraph broken over two lines = 1); 三、落实措施: 1. 2. 3.
    # with a paragraph each; the 落款 "学校工会委员会" is not content: 3 + 3 + 3 = 9 sections, 8 items
    assert counts(plan) == (3, 9, 8, 0)
    assert titles(plan.sections) == ["目标要求", "工作内容", "落实措施"]
    work = plan.sections[1].children
    assert work[0].title == "建立“学习型”小组,争创“学习型”先进单位。"
    assert work[0].items[0].content.startswith("200x年是深入贯彻落实__大精神的重要一年")
    assert (
        work[2]
        .items[0]
        .content.endswith("促进教师从实践型向学者型、科研型发展,努力提高教育教学质量,为推动学校发展做出实质性贡献。")
    )
    assert "已略去落款“学校工会委员会”。" in plan.warnings


def test_planning_8_numbered_lines_without_text_under_them_are_items():
    plan = read_plans(PLANNING)[7]

    # opening paragraph → guiding ideas; 一、 (一)(二) → 2 items; 二、 2 paragraphs; 三、 1; 四、 1;
    # 五、 (一)(二)(三) → 3: 5 sections, 9 items
    assert counts(plan) == (5, 5, 9, 0)
    assert titles(plan.sections)[:2] == ["完善工会组织建设,理顺工作关系。", "加强工会兴趣小组建设,完善活动机制。"]
    assert plan.sections[0].items[1].content.startswith("组织机构改选。")
    assert plan.sections[4].items[2].content == "召开员工家属联谊会。"


def test_planning_9_un_numbered_headings_and_a_schedule():
    plan = read_plans(PLANNING)[8]

    # "指导思想:" (guiding ideas), "工作要点:" with 1、2、3、 (1 section, 3 items), "主要活动安排" with
    # 三月份, 四月份, 五月份, 六月份, 七—八月份 (5 months)
    assert counts(plan) == (1, 1, 3, 5)
    assert plan.guiding_ideas.startswith("以邓小平理论和“三个代表”重要思想为指南")
    assert titles(plan.sections) == ["工作要点"]
    assert [entry.month_text for entry in plan.schedule] == ["三月份", "四月份", "五月份", "六月份", "七—八月份"]
    assert plan.schedule[-1].months == [7, 8]
    # "四月份:" holds two sentences, no numbers: one activity each
    assert plan.schedule[1].activities == ["参加市教育工会组织的基层工会主席培训班", "组织教师参加“毓秀杯”好课评比活动"]
    assert plan.schedule[0].activities[1] == "拟定XX年年度工会工作计划"


def test_planning_4_a_title_glued_to_its_paragraph():
    plan = read_plans(PLANNING)[3]

    third = plan.sections[0].children[2]
    assert third.title == "推动落实两个战略目标,进一步完善工会组织机构建设"
    assert [item.content[:8] for item in third.items] == ["围绕推动落实_项", "加强分工会和工会"]
    # (五) had a space where the newline was
    assert plan.sections[0].children[4].title == "以改革创新精神,加强工会自身建设,提升服务能力"


def test_planning_5_a_numbered_paragraph_goes_on_in_the_next_paragraph():
    plan = read_plans(PLANNING)[4]

    first = plan.sections[0]
    assert first.children == []
    assert [item.content[:9] for item in first.items] == ["以争创活动为抓手,", "以学习宣传为指导,", "以竞赛活动为载体,"]
    second_paragraph = first.items[1].content.splitlines()[1]
    assert second_paragraph.startswith("镇工会在建会企业中深入开展“争当文明职工”活动")


# -- hand-checked plans: 工会工作计划表


def test_tables_1_reads_goal_deadline_and_owner_cells():
    plan = read_plans(TABLES)[0]

    # 一、 目标 + 措施 1、…6、 (6 items); 二、 目标 + 1、…5、 (5 items), 6、 and 7、 with (1)(2) each
    # (2 sections, 4 items); 三、 with only a 目标 (a section holding itself as its item):
    # 3 + 2 = 5 sections, 6 + 5 + 4 + 1 = 16 items
    assert counts(plan) == (3, 5, 16, 0)
    first = plan.sections[0]
    assert first.title == "健全女工组织，规范女职工工作制度。"
    assert first.items[0].content.startswith("组织健全：各级工会建立健全女职工委员会")
    assert [item.deadline_text for item in first.items] == ["", "3月25日前", "", "6月;12月", "3月;11月", "4月;10月"]
    # 目标 under the heading and 责任人 written once at its end are the whole row's
    assert {item.goal for item in first.items} == {
        "完善女职工工作体系，发挥女工组织作用，履行“联系女职工、代表女职工、服务女职工”的职责。"
    }
    assert {item.owner_text for item in first.items} == {"工会女工"}
    second = plan.sections[1]
    assert [item.deadline_text for item in second.items] == ["", "1-12月", "1、4季度", "3、11月", "1-12月"]
    assert second.children[0].items[1].deadline_text == "1月、12月"
    assert all(item.owner_text == "工会女工" for section in second.walk() for item in section.items)
    assert plan.sections[2].items[0].goal.startswith("宣传工作中涌现出的各类先模人物")


def test_tables_3_reads_a_schedule_pasted_from_a_table():
    plan = read_plans(TABLES)[2]

    # opening paragraph → guiding ideas; 一、…五、 with 1, 1, 1, 1, 2 paragraphs (6 items); then the
    # table "活动主题 / 具体内容" with 2月 3月 4月 5月 6月 9月 10月 11月 12月 (9 months)
    assert counts(plan) == (5, 5, 6, 9)
    assert [(entry.month_text, entry.theme) for entry in plan.schedule[:2]] == [
        ("2月", "新学期新面貌"),
        ("3月", "争创活动"),
    ]
    assert plan.schedule[0].activities == [
        "开展读书学习活动，让书香飘进办公室",
        "参加青年教师论坛",
        "庆祝“元宵节”",
        "关爱---全校教师体检",
    ]


def test_tables_4_three_levels_and_a_term_schedule():
    plan = read_plans(TABLES)[3]

    # 一、工作目标: (一)(二)(三) with a paragraph each (3 sections, 3 items); 二、工作措施: (一)重点工作
    # 1-6, (二)常规工作 1-7 (2 sections, 13 items); 三、学期工作日程安排: 二月…七月 (6 months, 4 4 3 4 4 1):
    # 2 + 3 + 2 = 7 sections, 16 items
    assert counts(plan) == (2, 7, 16, 6)
    assert titles(plan.sections) == ["工作目标", "工作措施"]
    assert titles(plan.sections[1].children) == ["重点工作", "常规工作"]
    assert [entry.month_text for entry in plan.schedule] == ["二月", "三月", "四月", "五月", "六月", "七月"]
    assert [len(entry.activities) for entry in plan.schedule] == [4, 4, 3, 4, 4, 1]


def test_tables_7_schedule_with_a_two_month_entry():
    plan = read_plans(TABLES)[6]

    # 一、指导思想 (not a section); 二、主要工作: (一) 1-7, (二) 1-4, (三) 1-5 (4 sections, 16 items);
    # 三、具体工作安排: 九月份 三月份 四月份 五月份 六月份 七、八月份 (6 months, un-numbered lines)
    assert counts(plan) == (1, 4, 16, 6)
    assert titles(plan.sections) == ["主要工作"]
    assert titles(plan.sections[0].children)[1] == "加强校园民主政治建设，推进学校民主管理和民主监督。"
    assert [entry.month_text for entry in plan.schedule][-1] == "七、八月份"
    assert plan.schedule[-1].months == [7, 8]
    assert plan.schedule[-1].activities == [
        "校歌颂唱决赛",
        "教研组校歌颂唱",
        "教职工疗修养活动",
        "二届二次教代会",
        "暑期送凉风帮困活动",
    ]


def test_tables_8_month_names_of_a_whole_year():
    plan = read_plans(TABLES)[7]

    # opening paragraph and 一、指导思想 → guiding ideas; 二、主要工作 1、…5、 (1 section, 5 items);
    # 三、主要活动安排: 一二月份 三月份 … 六月份 七八月份 九月份 十月份 十一月份 十二月份 (10 months)
    assert counts(plan) == (1, 1, 5, 10)
    assert [entry.months for entry in plan.schedule] == [[1, 2], [3], [4], [5], [6], [7, 8], [9], [10], [11], [12]]
    assert plan.schedule[0].activities == ["召开职工代表大会，农历新年慰问退休教职工"]


# -- hand-checked counts of the other plans: (file, index in the file, expected counts)

HAND_COUNTS = [
    # 篇4: opening paragraph → guiding ideas; 一。 1、…3、, 二。 1、…6、, 三。 1、…6、 ("三。八" inside a line
    # is no heading): 3 sections, 3 + 6 + 6 = 15 items
    pytest.param(PARTY, 3, (3, 3, 15, 0), id="party-4"),
    # 篇5: opening paragraph → guiding ideas; 一、 一是…三是 (3); 二、 1 paragraph + 一是…五是 (6); 三、 1 + 一是…三是
    # (4); 四、 五、 六、 1 paragraph each: 6 sections, 16 items
    pytest.param(PARTY, 4, (6, 6, 16, 0), id="party-5"),
    # 篇6: "处属各分会:…" and 一、指导思想: → guiding ideas; 二、创建理念 (its text after the colon, 1 item),
    # 三、创建目标 (lost newline before it) 1、…5、 (5); 四、创建要求: its text + 一、宣传栏 (2 items) and the
    # restarted list 二、 1、…3、 and 三、 1、…3、 (2 sections, 6 items), 四、 and 五、 with nothing under them
    # after a sibling section (2 empty sections); 五、创建规划 (lost newline) its text + 1、…3、 (4):
    # 4 top-level + 4 = 8 sections, 1 + 5 + 2 + 6 + 4 = 18 items
    pytest.param(PARTY, 5, (4, 8, 18, 0), id="party-6"),
    # 篇7: opening paragraph → guiding ideas; 一、…七、 with one paragraph each, and the closing "在下半年的
    # 工作中…" paragraph under 七、: 7 sections, 8 items
    pytest.param(PARTY, 6, (7, 7, 8, 0), id="party-7"),
    # 篇一: opening paragraph → guiding ideas; 一、…五、 with 1、 numbered paragraphs: 2, 4, 4, 3, 7 = 20 items
    pytest.param(PLANNING, 0, (5, 5, 20, 0), id="planning-1"),
    # 篇三: opening paragraph → guiding ideas; 一、…五、 with 1、 numbered paragraphs: 4, 4, 4, 2, 4 = 18 items
    pytest.param(PLANNING, 2, (5, 5, 18, 0), id="planning-3"),
    # 篇四: opening paragraph → guiding ideas; 一、公司工会20__年工作计划 with (一)…(五): (一) 2 paragraphs,
    # (二) 2, (三) its first paragraph glued to the title ("…机构建设围绕推动落实…") + 1 = 2, (四) 3, (五) its
    # paragraph after a space + 1 = 2: 1 + 5 = 6 sections, 11 items
    pytest.param(PLANNING, 3, (1, 6, 11, 0), id="planning-4"),
    # 篇五: no opening paragraph; 一、 1、 2、 3、 numbered paragraphs, 2、 going on in an un-numbered paragraph
    # before 3、 (one item of two paragraphs): 3 items; 二、 1、 1 item: 2 sections, 4 items
    pytest.param(PLANNING, 4, (2, 2, 4, 0), id="planning-5"),
    # 篇六: opening paragraph → guiding ideas; 一、 2 paragraphs, 二、…五、 1 each, 六、下半年工作打算 1 paragraph
    # + 1、…4、 (5): 6 sections, 2 + 4 + 5 = 11 items
    pytest.param(PLANNING, 5, (6, 6, 11, 0), id="planning-6"),
    # 篇十: opening paragraph → guiding ideas; 一、…五、 with one paragraph each ("一是…二是…" inside the
    # paragraph, not split): 5 sections, 5 items
    pytest.param(PLANNING, 9, (5, 5, 5, 0), id="planning-10"),
    # 篇二: opening paragraph → guiding ideas; 一、 二。 三。 四。 with "1。"-numbered paragraphs: 3, 6, 6, 7
    # ("三。八" inside a line is no heading): 4 sections, 22 items
    pytest.param(TABLES, 1, (4, 4, 22, 0), id="tables-2"),
    # 篇五: no opening paragraph; 一、 1 paragraph + 1、…6、 (7); 二、 1、…3、 (3); 三、 四、 1 paragraph each;
    # 五、 1 paragraph + the closing "总之，…" paragraph (2): 5 sections, 14 items
    pytest.param(TABLES, 4, (5, 5, 14, 0), id="tables-5"),
    # 篇六: opening paragraph and 一、指导思想: → guiding ideas; 二、主要工作: (一) 1、…4、 and "5、" after a lost
    # newline (5), (二) 1、…3、 (3), (三) 1、…4、 (4): 1 + 3 = 4 sections, 12 items
    pytest.param(TABLES, 5, (1, 4, 12, 0), id="tables-6"),
    # 篇九: no opening paragraph; 一、 二、 1 paragraph each; 三、 1 paragraph + 1、…3、 (4): 3 sections, 6 items
    pytest.param(TABLES, 8, (3, 3, 6, 0), id="tables-9"),
]


@pytest.mark.parametrize(("name", "index", "expected"), HAND_COUNTS)
def test_hand_counted_plans(name, index, expected):
    assert counts(read_plans(name)[index]) == expected


# -- small cases


def test_normalise_line():
    assert normalise_line("　１２、的`特点　和 的'创新性\t ") == "12、的特点 和 的创新性"
    assert normalise_line("It's fine") == "It's fine"


def test_full_width_numbering_and_both_parentheses():
    plan = parse_plan(
        "一、主要工作\n（一）加强组织建设\n１、召开教代会\n２．完善制度\n(二)关心职工生活\n1、开展送温暖活动\n（三）其他\n(1)走访"
    )

    assert counts(plan) == (1, 4, 4, 0)
    assert titles(plan.sections[0].children) == ["加强组织建设", "关心职工生活", "其他"]
    assert [item.content for item in plan.sections[0].children[0].items] == ["召开教代会", "完善制度"]
    assert plan.sections[0].children[0].level == 2


def test_a_plan_numbered_only_with_digits():
    plan = parse_plan(
        "2024年学校工会工作计划\n1、加强学习\n组织教职工学习工会法。\n2、关心职工\n开展帮扶。\n(1)走访\n(2)慰问"
    )

    assert plan.title == "2024年学校工会工作计划"
    assert plan.year == 2024
    assert titles(plan.sections) == ["加强学习", "关心职工"]
    assert [s.level for s in plan.sections] == [1, 1]
    assert [item.content for item in plan.sections[1].items] == ["开展帮扶。", "走访", "慰问"]


def test_a_skipped_level_nests_one_deeper():
    plan = parse_plan("一、加强民主管理\n（1）开好教代会\n①会前征集提案\n②会后落实提案\n（2）推进校务公开")

    section = plan.sections[0]
    # （1） is a section of level 2 (under 一、, not 3); （2） has nothing under it but follows a section,
    # so it stays a section (an item would be shown before （1）)
    assert counts(plan) == (1, 3, 2, 0)
    assert titles(section.children) == ["开好教代会", "推进校务公开"]
    assert [child.level for child in section.children] == [2, 2]
    assert [item.content for item in section.children[0].items] == ["会前征集提案", "会后落实提案"]
    assert section.items == section.children[1].items == []


def test_attribute_lines_belong_to_the_line_above():
    plan = parse_plan(
        "一、开展送温暖活动\n目标：覆盖全部困难职工\n1、走访困难职工\n措施：工会委员分片包干\n完成时间：1月底前\n"
        "负责人：张主席\n2、慰问退休教职工（时间：春节前，责任部门：工会办公室）\n3、组织体检。时限：4月\n"
    )

    first, second, third = plan.sections[0].items
    assert (first.content, first.goal, first.measures, first.deadline_text, first.owner_text) == (
        "走访困难职工",
        "覆盖全部困难职工",
        "工会委员分片包干",
        "1月底前",
        "张主席",
    )
    assert (second.content, second.deadline_text, second.owner_text) == ("慰问退休教职工", "春节前", "工会办公室")
    assert (third.content, third.deadline_text, third.goal) == ("组织体检。", "4月", "覆盖全部困难职工")


@pytest.mark.parametrize(
    ("line", "month_text", "months", "activities"),
    [
        ("元月：1、制定计划2、慰问困难职工", "元月", [1], ["制定计划", "慰问困难职工"]),
        ("元 月:召开工会委员会", "元月", [1], ["召开工会委员会"]),
        ("七、八月份", "七、八月份", [7, 8], []),
        ("十二月份：迎新年联欢。年终总结", "十二月份", [12], ["迎新年联欢", "年终总结"]),
        ("九月 1、庆祝教师节 2、新教师入会", "九月", [9], ["庆祝教师节", "新教师入会"]),
        ("11月：冬季长跑", "11月", [11], ["冬季长跑"]),
        ("9-12月：读书活动", "9-12月", [9, 10, 11, 12], ["读书活动"]),
        ("一二月份：慰问退休教职工", "一二月份", [1, 2], ["慰问退休教职工"]),
        ("正月：闹元宵", "正月", [], ["闹元宵"]),  # a lunar month: no calendar month to guess
    ],
)
def test_schedule_month_forms(line, month_text, months, activities):
    plan = parse_plan(f"三、活动安排\n{line}")

    [entry] = plan.schedule
    assert (entry.month_text, entry.months, entry.activities) == (month_text, months, activities)
    assert plan.sections == []


def test_schedule_takes_the_following_lines_and_ends_at_the_next_part():
    plan = parse_plan("一、主要工作\n1、开好教代会\n二、活动安排\n三月份\n庆三八\n1、植树\n三、保障措施\n1、经费保障")

    assert [(entry.month_text, entry.activities) for entry in plan.schedule] == [("三月份", ["庆三八", "植树"])]
    assert titles(plan.sections) == ["主要工作", "保障措施"]
    assert not [w for w in plan.warnings if w.startswith("编号不连续")]


def test_a_work_arrangement_without_months_is_an_ordinary_section():
    plan = parse_plan("一、具体工作安排\n1、召开教代会\n2、开展送温暖")

    assert plan.schedule == []
    assert titles(plan.sections) == ["具体工作安排"]
    assert len(plan.sections[0].items) == 2


def test_guiding_ideas_after_a_colon_on_the_heading():
    plan = parse_plan("一、指导思想：以党的二十大精神为指导。\n二、主要工作\n1、召开教代会")

    assert plan.guiding_ideas == "以党的二十大精神为指导。"
    assert titles(plan.sections) == ["主要工作"]


def test_lines_under_the_guiding_ideas_stay_text():
    plan = parse_plan("一、指导思想\n以党的二十大精神为指导。\n目标：建设职工之家\n二、主要工作\n1、召开教代会")

    assert plan.guiding_ideas == "以党的二十大精神为指导。\n目标：建设职工之家"
    assert [item.goal for section in plan.walk() for item in section.items] == [""]


def test_a_heading_lost_in_the_line_before_and_a_list_restarted_inside_a_section():
    plan = parse_plan(
        "一、创建目标：提升学习能力\n二、创建要求：主要途径如下：\n一、建立宣传栏。\n二、开展培训。宣传创建理念。三、表彰先进\n"
        "三、创建规划：分三个阶段推进"
    )

    assert titles(plan.sections) == ["创建目标", "创建要求", "创建规划"]
    assert [item.content for item in plan.sections[1].items] == [
        "主要途径如下：",
        "建立宣传栏。",
        "开展培训。宣传创建理念。",
        "表彰先进",
    ]
    assert not [w for w in plan.warnings if w.startswith("编号不连续")]


def test_a_title_glued_to_its_paragraph_is_split_when_its_siblings_are_titles():
    plan = parse_plan(
        "一、主要工作\n（一）加强组织建设\n健全工会小组。\n（二）推进民主管理，完善职代会制度按照上级要求，"
        "每年召开一次职代会，审议学校的重大事项。\n推行校务公开。\n（三）关心职工生活。每年走访困难职工，及时送去温暖。"
    )

    assert titles(plan.sections[0].children) == ["加强组织建设", "推进民主管理，完善职代会制度", "关心职工生活。"]
    assert [item.content[:4] for item in plan.sections[0].children[1].items] == ["按照上级", "推行校务"]
    assert [item.content for item in plan.sections[0].children[2].items] == ["每年走访困难职工，及时送去温暖。"]


def test_a_long_numbered_line_without_title_siblings_stays_whole():
    # no sibling before it had paragraphs under its title: a numbered paragraph, kept as one item
    plan = parse_plan(
        "一、主要工作\n1、推进民主管理，完善职代会制度按照上级要求，每年召开一次职代会，审议学校的重大事项。"
    )

    assert [item.content for item in plan.sections[0].items] == [
        "推进民主管理，完善职代会制度按照上级要求，每年召开一次职代会，审议学校的重大事项。"
    ]


def test_a_paragraph_between_two_numbered_paragraphs_belongs_to_the_first():
    long_one = "组织教职工学习工会法。各工会小组每月集中学习一次，做好学习记录，年底评选学习先进个人，予以表彰。"
    long_two = "开展送温暖活动。春节前走访慰问困难职工和退休教职工，建立困难职工档案，做到底数清、情况明。"
    plan = parse_plan(f"一、主要工作\n1、{long_one}\n同时办好工会宣传栏。\n时限：每月\n2、{long_two}\n全年工作总结。")

    items = plan.sections[0].items
    # the paragraph after the last one is the plan's closing word, not 2、's: no 3、 came to say so
    assert [item.content for item in items] == [f"{long_one}\n同时办好工会宣传栏。", long_two, "全年工作总结。"]
    assert items[0].deadline_text == "每月"


def test_split_documents_single_plan_and_junk():
    pasted = split_documents(
        "当前位置:首页\n2025-07-16 23:45:01访问手机版\n分享\n"
        "2024年工会工作计划\n一、主要工作\n1、召开教代会\n阅读 1234\n"
    )

    [plan] = pasted
    assert plan.label == plan.title == "2024年工会工作计划"
    assert plan.text == "2024年工会工作计划\n一、主要工作\n1、召开教代会"


def test_split_documents_header_forms():
    text = (
        "以下是小编为您整理的工会工作计划，供大家参考。\n时间:\n篇1：2024年学校工会工作计划\n一、主要工作\n1、召开教代会\n"
        "第二篇 医院工会工作计划\n一、开展健步走\n工会工作计划篇3\n一、关心职工\n1、送温暖\n"
    )

    pasted = split_documents(text)

    assert [plan.label for plan in pasted] == [
        "篇1：2024年学校工会工作计划",
        "第二篇：医院工会工作计划",
        "篇3：工会工作计划",
    ]
    assert parse_plan(pasted[0].text).year == 2024
    whole = parse_plan(text)
    assert whole.title == "2024年学校工会工作计划"
    assert "文中有多篇计划，只读了第一篇；请先选择要导入的一篇。" in whole.warnings


def test_year_from_the_user_when_the_text_has_a_placeholder():
    plan = parse_plan("20xx年工会工作计划\n一、主要工作\n1、召开教代会", year=2026)

    assert plan.year == 2026
    assert "文中的年份写作“20xx年”之类，保存前请改成实际年份。" in plan.warnings
    assert (
        "文中写的是2025年，与所选的2026年不同。" in parse_plan("2025年工会工作计划\n一、主要工作", year=2026).warnings
    )


def test_nothing_to_read():
    assert split_documents("分享\n下载本文\n") == []
    plan = parse_plan("")
    assert (plan.title, plan.sections, plan.schedule) == ("工会工作计划", [], [])
    assert "没有识别出任何章节或活动安排。" in plan.warnings
