"""The roster list: its filters, the capped count, the statistics panel, and what never shows."""

import datetime
import itertools
import json
import re

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from members import selectors
from members.filters import MemberFilter, YearRangeField
from members.idcard import make_id_number
from members.models import Member, Role
from members.stats import AGE_BAND_BY_KEY, roster_stats, stats_cache_key, years_before
from members.tests.factories import DepartmentFactory, MemberFactory, OrgUnitFactory, RoleGrantFactory, UserFactory
from members.views import roster as roster_views

URL = reverse("members:member_list")
FULL_ID_NUMBER = re.compile(r"\d{17}[\dXx]")
_sequence = itertools.count()


def person(unit, *, birth=datetime.date(1980, 5, 1), gender="F", **fields) -> Member:
    """A member with a valid 身份证号 for the given birth date and gender."""
    number = make_id_number("130534", birth, next(_sequence) % 500, gender)
    return MemberFactory(org_unit=unit, id_number=number, gender=gender, birth_date=birth, **fields)


def person_with_x(unit, **fields) -> Member:
    """A member whose 身份证号 ends in X (the check digit 10)."""
    birth = datetime.date(1975, 3, 8)
    for sequence in range(500):
        number = make_id_number("110105", birth, sequence, "M")
        if number.endswith("X"):
            return MemberFactory(org_unit=unit, id_number=number, gender="M", birth_date=birth, **fields)
    raise AssertionError("no check digit X in 500 sequences")


def names(response) -> set[str]:
    return {member.name for member in response.context["page"]}


# --- access and methods -------------------------------------------------------------------------


def test_needs_login(client, org):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_outsider_without_roster_role_is_sent_to_the_dashboard(login, outsider):
    response = login(outsider).get(URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_committee_of_another_base_union_sees_none_of_the_school(login, other_committee, org, member_in_a):
    response = login(other_committee).get(URL)
    assert response.status_code == 200
    assert "张三" not in response.content.decode()
    # A unit of the school is not theirs to filter by: refused, nothing of the school shows.
    response = login(other_committee).get(URL, {"unit": org.school.pk})
    body = response.content.decode()
    assert "没有这个单位" in body and "张三" not in body and "第一中学工会" not in body


def test_read_only_role_reads_the_list(login, treasurer, member_in_b):
    response = login(treasurer).get(URL)
    assert response.status_code == 200
    assert "李四" in response.content.decode()


def test_wrong_method_is_405(login, chair):
    assert login(chair).post(URL).status_code == 405


def test_personal_data_is_not_cached(login, chair):
    assert "no-store" in login(chair).get(URL)["Cache-Control"]


# --- filters ------------------------------------------------------------------------------------


@pytest.fixture
def roster(org):
    """A few members of the school with known attributes (the chair's own record is there too)."""
    teaching = DepartmentFactory(name="教务处", org_unit=org.school)
    today = timezone.localdate()
    return {
        "wang": person(
            org.branch_a,
            name="王芳",
            gender="F",
            birth=years_before(today, 30),
            phone="13912345678",
            member_no="QH-001",
            department=teaching,
            frontline=True,
            joined_on=datetime.date(2010, 3, 1),
        ),
        "zhao": person(
            org.group_a,
            name="赵强",
            gender="M",
            birth=years_before(today, 40),
            phone="13800001111",
            department=org.school_office,
            joined_on=datetime.date(2015, 9, 1),
        ),
        "sun": person(
            org.branch_b,
            name="孙丽",
            gender="F",
            birth=years_before(today, 50),
            frontline=True,
            joined_on=datetime.date(2018, 1, 15),
            status=Member.Status.RETIRED,
        ),
        "qian": person(
            org.branch_b,
            name="钱伟",
            gender="M",
            birth=years_before(today, 60),
            joined_on=None,
        ),
        "hospital": person(org.ward, name="周医生", gender="M"),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"unit": "branch_a"}, {"王芳", "赵强"}),  # the subtree: 语文组 is under 分工会 A
        ({"unit": "branch_b"}, {"孙丽", "钱伟"}),
        ({"department": "office"}, {"赵强"}),
        ({"status": "retired"}, {"孙丽"}),
        ({"gender": "M", "unit": "branch_b"}, {"钱伟"}),
        ({"frontline": "yes"}, {"王芳", "孙丽"}),
        ({"frontline": "no", "unit": "branch_a"}, {"赵强"}),
        ({"join_year": "2015"}, {"赵强"}),
        ({"join_year": "2010-2015"}, {"王芳", "赵强"}),
        ({"join_year": "2011至2018"}, {"赵强", "孙丽"}),
        ({"join_year": "2016-"}, {"孙丽"}),
        ({"join_year": "-2010"}, {"王芳"}),
        ({"age": "under35", "unit": "branch_a"}, {"王芳"}),
        ({"age": "35-45"}, {"赵强"}),
        ({"age": "46-55"}, {"孙丽"}),
        ({"age": "over55"}, {"钱伟"}),
        ({"q": "王芳"}, {"王芳"}),
        ({"q": "5678"}, {"王芳"}),  # phone tail
        ({"q": "qh-001"}, {"王芳"}),  # member number, any case
        ({"frontline": "yes", "gender": "F", "join_year": "2018", "unit": "school"}, {"孙丽"}),
    ],
)
def test_filters(login, chair, org, roster, params, expected):
    departments = {"office": org.school_office.pk}
    units = {"branch_a": org.branch_a.pk, "branch_b": org.branch_b.pk, "school": org.school.pk}
    query = {
        key: units[value] if key == "unit" else departments[value] if key == "department" else value
        for key, value in params.items()
    }
    response = login(chair).get(URL, query)
    assert response.status_code == 200
    assert not response.context["filter"].errors
    assert names(response) - {"chair"} == expected


def test_name_search_finds_names_containing_what_was_typed_at_any_length(login, chair, org):
    for name in ["张伟", "张伟明", "李张伟", "张小伟", "欧阳伟明", "伟"]:
        person(org.branch_a, name=name)
    client = login(chair)
    expected = {
        "张伟": {"张伟", "张伟明", "李张伟"},  # not 张小伟: the characters must be adjacent
        "伟明": {"张伟明", "欧阳伟明"},
        "伟": {"张伟", "张伟明", "李张伟", "张小伟", "欧阳伟明", "伟"},
        "张": {"张伟", "张伟明", "李张伟", "张小伟"},
        "欧阳伟明": {"欧阳伟明"},
        "阳伟": {"欧阳伟明"},
        "伟伟": set(),  # both characters occur, never as this pair
        "明张": set(),
        "%": set(),  # LIKE's wildcards are searched as text
    }
    for query, names_found in expected.items():
        assert names(client.get(URL, {"q": query})) - {"chair"} == names_found, query


def test_search_by_the_last_digits_of_the_id_number(login, chair, org, roster):
    wang = roster["wang"]
    tail = wang.id_number[-4:]
    body = login(chair).get(URL, {"q": tail}).content.decode()
    assert "王芳" in body
    assert wang.id_number_masked in body
    assert not FULL_ID_NUMBER.search(body)
    # One digit matches every number ending in it; the full-width digits of a Chinese IME count too.
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in tail)
    assert "王芳" in names(login(chair).get(URL, {"q": fullwidth}))
    # Five digits cannot be a tail of the masked column (only four are kept in clear).
    assert "王芳" not in names(login(chair).get(URL, {"q": wang.id_number[-5:]}))


def test_search_by_an_id_number_ending_in_x(login, chair, org):
    member = person_with_x(org.branch_b, name="欧阳修")
    person(org.branch_b, name="司马光", gender="M")
    for query in [member.id_number[-4:], member.id_number[-4:].lower(), member.id_number[-2:].lower(), "x"]:
        response = login(chair).get(URL, {"q": query})
        assert "欧阳修" in names(response), query
        assert "司马光" not in names(response), query
        assert not FULL_ID_NUMBER.search(response.content.decode())


@pytest.mark.parametrize("query", ["会员123", "1234", "123X", "张伟", "王"])
def test_every_arm_of_the_search_has_an_index_on_postgresql(db, query):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the search indexes (migrations 0006, 0008) are PostgreSQL's")
    # The search alone (no scope, no order), as the planner sees it inside the list's queries.
    members = MemberFilter().search(Member.objects.order_by(), "q", query).values("pk")
    sql, params = members.query.sql_with_params()
    with connection.cursor() as cursor:
        # A few test rows are cheaper to read whole: forbid that to see what the indexes allow.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on members_member" not in plan, plan
    assert "member_name_grams_idx" in plan, plan


def test_the_list_never_shows_a_full_id_number(login, chair, org, roster):
    MemberFactory.create_batch(5, org_unit=org.branch_a)
    body = login(chair).get(URL).content.decode()
    assert not FULL_ID_NUMBER.search(body)
    assert roster["wang"].id_number_masked in body


def select_options(body: str, name: str) -> list[tuple[str, str, bool, str]]:
    """(value, label, selected, optgroup label) of each option of the <select name=...>."""
    select = re.search(rf'<select name="{name}".*?</select>', body, re.S)[0]
    options, group = [], ""
    for match in re.finditer(
        r'<optgroup label="([^"]*)">|<option value="([^"]*)"( selected)?>([^<]*)</option>', select
    ):
        if match[1] is not None:
            group = match[1]
        else:
            options.append((match[2], match[4], bool(match[3]), group))
    return options


def test_branch_committee_picks_departments_of_the_school_above(login, committee, org, roster):
    body = login(committee).get(URL).content.decode()
    options = select_options(body, "department")
    assert [label for _, label, _, group in options if group == "第一中学工会"] == ["办公室", "教务处"]
    assert "人民医院工会" not in {group for *_, group in options}
    assert names(login(committee).get(URL, {"department": org.school_office.pk})) == {"赵强"}


def test_unit_choices_are_the_scope_indented_by_depth(login, chair, org):
    options = select_options(login(chair).get(URL).content.decode(), "unit")
    assert options[0] == ("", "全部单位", False, "")
    assert options[1] == (str(org.school.pk), "第一中学工会", False, "")
    assert (str(org.group_a.pk), "\u3000\u3000语文组工会小组", False, "") in options
    assert str(org.hospital.pk) not in {pk for pk, *_ in options}
    options = select_options(login(chair).get(URL, {"unit": org.branch_b.pk}).content.decode(), "unit")
    assert [label for _, label, selected, _ in options if selected] == ["\u3000高二年级分工会"]


def test_a_selected_value_is_never_echoed_into_the_pickers(login, chair, org):
    body = login(chair).get(URL, {"unit": f'{org.school.pk}"><script>', "department": "0"}).content.decode()
    assert '"><script>' not in body
    assert not any(selected for _, _, selected, _ in select_options(body, "unit"))
    assert not any(selected for _, _, selected, _ in select_options(body, "department"))


@pytest.fixture
def picker_labels(login):
    def labels(user, name: str) -> list[str]:
        return [label.strip("\u3000") for _, label, *_ in select_options(login(user).get(URL).content.decode(), name)]

    return labels


def test_pickers_come_from_the_cache_and_follow_changes_of_the_tree(
    login, chair, org, picker_labels, empty_cache, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from members.models import OrgUnit

    assert "高三年级分工会" not in picker_labels(chair, "unit")
    with CaptureQueriesContext(connection) as captured:
        login(chair).get(URL)
    # Neither the units nor the departments are read again: only the tree's version is.
    reads = ('SELECT "members_orgunit"."id" AS "pk"', 'SELECT "members_department"."id" AS "pk"')
    assert not [q["sql"] for q in captured if q["sql"].startswith(reads)]
    # A new unit, a renamed one, a new department: each shows on the next page view.
    OrgUnitFactory(name="高三年级分工会", kind=OrgUnit.Kind.BRANCH, parent=org.school)
    assert "高三年级分工会" in picker_labels(chair, "unit")
    org.branch_b.name = "高二年级（文科）分工会"
    org.branch_b.save()
    assert "高二年级（文科）分工会" in picker_labels(chair, "unit")
    assert "高二年级分工会" not in picker_labels(chair, "unit")
    DepartmentFactory(name="总务处", org_unit=org.school)
    assert "总务处" in picker_labels(chair, "department")
    # A deleted one disappears.
    org.group_a.delete()
    assert "语文组工会小组" not in picker_labels(chair, "unit")
    # A moved one is indented under its new parent.
    org.branch_a.parent = org.county
    org.branch_a.kind = OrgUnit.Kind.BASE
    org.branch_a.save()
    assert "高一年级分工会" not in picker_labels(chair, "unit")


def test_cached_pickers_are_per_scope(login, chair, committee, org, empty_cache):
    login(chair).get(URL)  # the chair's pickers (the whole school) in the cache first
    options = select_options(login(committee).get(URL).content.decode(), "unit")
    assert [label.strip("\u3000") for _, label, *_ in options] == ["全部单位", "高一年级分工会", "语文组工会小组"]


# --- invalid values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"join_year": "abc"}, "请填写四位年份，如 2015 或 2010-2015"),
        ({"join_year": "2015-2010"}, "起始年份不能晚于结束年份"),
        ({"join_year": "1800"}, "入会年份应在 1949 年到"),
        ({"unit": "999999"}, "没有这个单位，或它不在您可查看的范围内"),
        ({"unit": "abc"}, "没有这个单位，或它不在您可查看的范围内"),
        ({"unit": "hospital"}, "没有这个单位，或它不在您可查看的范围内"),
        ({"department": "hospital_office"}, "没有这个部门，或它不在您可查看的范围内"),
        ({"age": "60-70"}, "请从列表中选择"),
        ({"gender": "X"}, "请从列表中选择"),
        ({"frontline": "maybe"}, "请从列表中选择"),
        ({"status": "asleep"}, "请从列表中选择"),
    ],
)
def test_invalid_filter_values_show_a_chinese_error_and_the_list_still_works(
    login, chair, org, roster, params, message
):
    ids = {"hospital": org.hospital.pk, "hospital_office": org.hospital_office.pk}
    query = {key: ids.get(value, value) for key, value in params.items()}
    response = login(chair).get(URL, {**query, "gender": query.get("gender", "M")})
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert "以下筛选条件有误，未使用" in body
    assert "is-invalid" in body
    # The other filters still apply (gender=M unless gender itself was the bad value); nothing leaks.
    assert names(response) - {"chair"} == ({"王芳", "孙丽", "钱伟", "赵强"} if "gender" in params else {"赵强", "钱伟"})
    assert "周医生" not in body and "人民医院" not in body


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015", (2015, 2015)),
        (" 2010 - 2015 ", (2010, 2015)),
        ("2010~2015", (2010, 2015)),
        ("2010—2015", (2010, 2015)),
        ("2010年至2015年", (2010, 2015)),
        ("２０１５", (2015, 2015)),
        ("2010-", (2010, None)),
        ("-2015", (None, 2015)),
        ("", None),
    ],
)
def test_join_year_accepts_a_year_or_a_range(text, expected):
    assert YearRangeField(required=False).clean(text) == expected


@pytest.mark.parametrize("text", ["abc", "15", "2015-2010", "-", "20150", "2010-2015-2020", "1900"])
def test_join_year_rejects_anything_else(text):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        YearRangeField(required=False).clean(text)


def test_age_bands_turn_over_on_the_birthday():
    today = datetime.date(2026, 3, 10)

    def band(birth):
        members = [key for key, b in AGE_BAND_BY_KEY.items() if _matches(b.q(today), birth)]
        assert len(members) == 1, (birth, members)
        return members[0]

    assert band(years_before(today, 35)) == "35-45"  # 35 today
    assert band(years_before(today, 35) + datetime.timedelta(days=1)) == "under35"  # 35 tomorrow
    assert band(years_before(today, 46) + datetime.timedelta(days=1)) == "35-45"  # still 45
    assert band(years_before(today, 46)) == "46-55"
    assert band(years_before(today, 56) + datetime.timedelta(days=1)) == "46-55"
    assert band(years_before(today, 56)) == "over55"
    assert years_before(datetime.date(2028, 2, 29), 35) == datetime.date(1993, 2, 28)


def _matches(q, birth) -> bool:
    """Evaluate a Q of birth_date bounds in Python (the bands use only lte/gt)."""
    for child in q.children:
        lookup, bound = child
        if lookup == "birth_date__lte" and not birth <= bound:
            return False
        if lookup == "birth_date__gt" and not birth > bound:
            return False
    return True


def test_filter_works_without_a_request_user_scope(chair, org, roster):
    """Exports build the filter with a bare request carrying only the user."""
    from django.http import HttpRequest, QueryDict

    request = HttpRequest()
    request.user = chair
    member_filter = MemberFilter(
        QueryDict(f"unit={org.branch_b.pk}&gender=M"), queryset=selectors.member_list(chair), request=request
    )
    assert member_filter.is_valid()
    assert [m.name for m in member_filter.qs] == ["钱伟"]


# --- counting and paging ------------------------------------------------------------------------


def test_count_is_exact_below_the_cap(login, chair, org):
    MemberFactory.create_batch(3, org_unit=org.branch_a)
    body = login(chair).get(URL).content.decode()
    assert "共 4 条，第 1–4 条" in body  # and the chair's own record


def test_count_stops_at_the_cap(login, chair, org, monkeypatch):
    monkeypatch.setattr(selectors, "ROSTER_COUNT_CAP", 5)
    monkeypatch.setattr(roster_views, "PAGE_SIZE", 2)
    MemberFactory.create_batch(8, org_unit=org.branch_a)
    client = login(chair)
    response = client.get(URL)
    body = response.content.decode()
    assert "共 5+ 条，第 1–2 条" in body
    assert "1 / 3+" in body
    assert response.context["page"].paginator.count == 6  # counted cap + 1, not 9
    # The last page ends at the cap and says how to reach further.
    body = client.get(URL, {"page": 3}).content.decode()
    assert "共 5+ 条，第 5–5 条" in body
    assert "翻页只列出前 5 条" in body
    assert "下一页" not in body
    # Past the last page: the last page, not an error.
    assert client.get(URL, {"page": 99}).context["page"].number == 3


def test_count_query_is_limited(chair, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    MemberFactory.create_batch(3, org_unit=org.branch_a)
    with CaptureQueriesContext(connection) as ctx:
        assert selectors.roster_count(selectors.member_list(chair), cap=2) == 3
    assert "LIMIT 3" in ctx.captured_queries[-1]["sql"]


@pytest.mark.parametrize("sorted_below", [0, 10_000])  # the name index walked, or the view sorted
def test_both_ways_of_asking_the_order_give_the_same_pages(login, chair, org, monkeypatch, sorted_below):
    monkeypatch.setattr(selectors, "SORTED_IN_QUERY_BELOW", sorted_below)
    monkeypatch.setattr(roster_views, "PAGE_SIZE", 3)
    for name in ["丙", "甲", "乙", "甲", "丁", "Ann", "ann", "甲乙"]:
        MemberFactory(name=name, org_unit=org.branch_a)
    client = login(chair)
    seen = [(m.name, m.pk) for number in (1, 2, 3) for m in client.get(URL, {"page": number}).context["page"]]
    shown = Member.objects.filter(pk__in=[pk for _, pk in seen])
    expected = list(shown.order_by("name", "pk").values_list("name", "pk"))
    assert seen == expected and len(seen) == 9  # the eight and the chair's own record


def test_pages_follow_name_then_pk(login, chair, org):
    for name in ["丙", "甲", "乙", "甲"]:
        MemberFactory(name=name, org_unit=org.branch_a)
    page = login(chair).get(URL).context["page"]
    assert [m.name for m in page] == sorted(m.name for m in page)
    twins = [m.pk for m in page if m.name == "甲"]
    assert twins == sorted(twins)


@pytest.mark.parametrize("rows", [1, 30])
def test_query_count_is_flat_with_every_filter(login, chair, org, rows, django_assert_num_queries):
    # Members that every filter below keeps: the page has 1 or 30 rows.
    born = years_before(timezone.localdate(), 50)
    for i in range(rows):
        person(
            org.branch_b,
            birth=born,
            gender="F",
            name=f"会员{i}",
            department=org.school_office,
            frontline=True,
            joined_on=datetime.date(2015, 6, 1),
        )
    client = login(chair)
    query = {
        "q": "会员",
        "unit": org.school.pk,
        "department": org.school_office.pk,
        "status": "active",
        "gender": "F",
        "frontline": "yes",
        "join_year": "2015",
        "age": "46-55",
    }
    client.get(URL)  # warm the session
    # As the plain list (test_views), plus one query each to validate the unit and the department.
    with django_assert_num_queries(9):
        response = client.get(URL, query)
    assert not response.context["filter"].errors
    assert len(response.context["page"]) == rows
    # Seen again before the roster changes: user, grants, versions, the unit's and the department's
    # validation and the page's rows; the count and the statistics are the cached view's.
    with django_assert_num_queries(6):
        again = client.get(URL, query)
    assert [m.pk for m in again.context["page"]] == [m.pk for m in response.context["page"]]


# --- statistics ---------------------------------------------------------------------------------


def _band_of(birth: datetime.date, today: datetime.date) -> str:
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return "under35" if age < 35 else "35-45" if age <= 45 else "46-55" if age <= 55 else "over55"


def test_statistics_of_a_known_roster(chair, org, roster):
    today = timezone.localdate()
    own = chair.member  # the chair's own record at the school (a factory member: random age and gender)
    members = selectors.member_list(chair).filter(status=Member.Status.ACTIVE)
    stats = roster_stats(chair, members, today=today)
    # Active members in the chair's scope: the chair, 王芳, 赵强, 钱伟 (孙丽 is retired).
    assert stats.total == 4
    males = 2 + (own.gender == "M")
    assert [(str(s.label), s.count) for s in stats.gender] == [("男", males), ("女", 4 - males)]
    expected = {"under35": 1, "35-45": 1, "46-55": 0, "over55": 1}
    expected[_band_of(own.birth_date, today)] += 1
    assert [(str(s.label), s.count) for s in stats.age_bands] == [
        ("35岁以下", expected["under35"]),
        ("35–45岁", expected["35-45"]),
        ("46–55岁", expected["46-55"]),
        ("55岁以上", expected["over55"]),
    ]
    assert (stats.frontline.count, stats.frontline.percent) == (1, 25.0)
    assert [(str(u.label), u.count, u.level) for u in stats.units] == [
        ("第一中学工会", 4, 0),
        ("高一年级分工会", 2, 1),
        ("高二年级分工会", 1, 1),
        ("第一中学工会本级", 1, 1),
    ]


def test_statistics_break_down_the_chosen_unit(chair, org, roster):
    stats = roster_stats(chair, selectors.member_list(chair, unit=org.branch_a), root=org.branch_a)
    assert [(str(u.label), u.count, u.level) for u in stats.units] == [
        ("高一年级分工会", 2, 0),
        ("语文组工会小组", 1, 1),
        ("高一年级分工会本级", 1, 1),
    ]


def test_statistics_take_two_queries_however_many_units(chair, org, roster, django_assert_num_queries):
    from members import access

    access.grants_for(chair)  # cached on the user for the request, as in a view
    with django_assert_num_queries(2):
        roster_stats(chair, selectors.member_list(chair))


def test_statistics_for_several_top_units_and_for_a_superuser(org, roster):
    from members.models import Role
    from members.tests.factories import RoleGrantFactory, UserFactory

    user = UserFactory()
    RoleGrantFactory(user=user, org_unit=org.branch_a, role=Role.COMMITTEE)
    RoleGrantFactory(user=user, org_unit=org.ward, role=Role.COMMITTEE)
    stats = roster_stats(user, selectors.member_list(user))
    assert [(str(u.label), u.count) for u in stats.units if u.level == 0] == [("高一年级分工会", 2), ("内科分工会", 1)]
    assert stats.chart_data()["units"] == {"labels": ["高一年级分工会", "内科分工会"], "values": [2, 1]}

    admin = UserFactory(username="root", is_superuser=True)
    stats = roster_stats(admin, selectors.member_list(admin))
    assert stats.total == 5
    assert [(str(u.label), u.count, u.level) for u in stats.units][:3] == [
        ("县总工会", 5, 0),
        ("第一中学工会", 4, 1),
        ("人民医院工会", 1, 1),
    ]


def test_statistics_on_the_page(login, chair, org, roster):
    response = login(chair).get(URL)
    body = response.content.decode()
    assert response.context["stats"].total == 4  # 在册 only: 孙丽 is retired
    assert "在册 4 人" in body
    stats_table = body[body.index('data-testid="roster-stats"') :]
    assert "高一年级分工会" in stats_table and "一线职工占比" in stats_table
    data = json.loads(re.search(r'<script id="roster-stats-data" type="application/json">(.*?)</script>', body)[1])
    assert data["total"] == 4
    males = 2 + (chair.member.gender == "M")
    assert data["gender"] == {"labels": ["男", "女"], "values": [males, 4 - males]}
    assert data["frontline"]["values"] == [1, 3]
    # With a status picked, the statistics follow it.
    response = login(chair).get(URL, {"status": "retired"})
    assert response.context["stats"].total == 1
    assert "已退休 1 人" in response.content.decode()


def test_statistics_follow_the_filters(login, chair, org, roster):
    response = login(chair).get(URL, {"unit": org.branch_b.pk, "status": "retired"})
    stats = response.context["stats"]
    assert stats.total == 1
    assert stats.frontline.count == 1
    assert stats.units[0].label == "高二年级分工会"


@pytest.fixture
def empty_cache():
    from django.core.cache import cache

    cache.clear()
    yield cache
    cache.clear()


def test_count_and_statistics_are_cached_until_the_roster_changes(
    login, chair, committee, org, monkeypatch, empty_cache, django_assert_num_queries
):
    monkeypatch.setattr(selectors, "ROSTER_COUNT_CAP", 5)
    MemberFactory.create_batch(8, org_unit=org.branch_a)
    client = login(chair)
    first = client.get(URL)
    assert first.context["stats"].total == 10  # the 8, the chair's and the committee member's own records
    # Nothing changed: user, grants (with the own member record), the versions and the
    # page's rows; a fresh view also counts (1) and groups the statistics (2).
    with django_assert_num_queries(4):
        second = client.get(URL)
    assert second.context["stats"].total == 10
    assert second.context["page"].paginator.capped and "共 5+ 条" in second.content.decode()
    # One more member: counted on the next view, whoever's process wrote it.
    MemberFactory(org_unit=org.branch_a)
    with django_assert_num_queries(7):
        third = client.get(URL)
    assert third.context["stats"].total == 11
    # Other filters, another scope: other keys.
    assert stats_cache_key(chair, "") != stats_cache_key(committee, "")
    assert stats_cache_key(chair, "") != stats_cache_key(chair, "gender=F")
    assert stats_cache_key(chair, "", version="1") != stats_cache_key(chair, "", version="2")


def test_cached_statistics_are_counted_again_when_the_unit_tree_changes(login, chair, org, empty_cache):
    from members.models import OrgUnit

    MemberFactory.create_batch(3, org_unit=org.branch_a)
    client = login(chair)
    client.get(URL)
    new_branch = OrgUnitFactory(name="高三年级分工会", kind=OrgUnit.Kind.BRANCH, parent=org.school)
    stats = client.get(URL).context["stats"]
    assert ("高三年级分工会", 0) in [(u.label, u.count) for u in stats.units]
    Member.objects.filter(org_unit=org.branch_a).update(org_unit=new_branch)
    stats = client.get(URL).context["stats"]
    assert ("高三年级分工会", 3) in [(u.label, u.count) for u in stats.units]


def test_every_write_to_the_roster_moves_its_version(login, chair, org, empty_cache):
    """The version is kept by the database (migration 0007): writes that send no signal count too."""
    from members.selectors import roster_versions

    client = login(chair)
    assert client.get(URL).context["stats"].total == 1
    seen = {roster_versions()[1]}
    MemberFactory(org_unit=org.branch_a, gender="F")  # save()
    assert client.get(URL).context["stats"].total == 2
    seen.add(roster_versions()[1])
    Member.objects.filter(org_unit=org.branch_a).update(gender="M")  # a queryset update
    assert client.get(URL).context["stats"].gender[1].count == (chair.member.gender == "F")  # the chair's own
    seen.add(roster_versions()[1])
    Member.objects.bulk_create([MemberFactory.build(org_unit=org.branch_b) for _ in range(2)])
    assert client.get(URL).context["stats"].total == 4
    seen.add(roster_versions()[1])
    Member.objects.filter(org_unit=org.branch_b).delete()
    assert client.get(URL).context["stats"].total == 2
    seen.add(roster_versions()[1])
    assert len(seen) == 5


def test_empty_result_shows_no_chart(login, chair, org):
    body = login(chair).get(URL, {"q": "没有这个人"}).content.decode()
    assert "没有符合条件的会员" in body
    assert "没有可统计的会员" in body
    assert "roster-stats-data" not in body
    assert "chart.umd.min.js" not in body


def test_scripts_obey_the_content_security_policy(login, chair, org, roster):
    response = login(chair).get(URL)
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)[1]
    assert "unsafe-inline" not in policy
    body = response.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>", body)
    assert any("roster-stats.js" in attrs for attrs in scripts)
    assert any("vendor/chartjs/chart.umd.min.js" in attrs for attrs in scripts)
    for attrs in scripts:
        # Either loaded with this response's nonce, or a data block the browser never runs.
        assert f'nonce="{nonce}"' in attrs or 'type="application/json"' in attrs, attrs
    assert " style=" not in body  # style attributes are blocked by the policy: none to break


# --- the 工作台's head counts ---------------------------------------------------------------------


def test_dashboard_head_counts_are_kept_until_the_roster_changes(chair, org, empty_cache):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from members import dashboard

    def card() -> dict:
        request = RequestFactory().get("/")
        request.user = chair
        chair.__dict__.pop("_union_grants", None)  # a new request's user
        return dashboard.roster_overview_card(request)

    MemberFactory.create_batch(3, org_unit=org.branch_a, gender="F")
    first = card()
    assert first["overview"]["active"] == 4  # the three and the chair's own record
    with CaptureQueriesContext(connection) as seen:
        again = card()
    # The grants and the versions; neither the head counts nor the breakdown are read again.
    assert len(seen) == 2, [q["sql"] for q in seen]
    assert again["overview"] == first["overview"] and again["breakdown"] == first["breakdown"]
    Member.objects.filter(org_unit=org.branch_a).update(status=Member.Status.RETIRED)
    changed = card()
    assert changed["overview"]["active"] == 1 and changed["overview"]["retired"] == 3
    assert ("高一年级分工会", 0) in [(unit.name, n) for unit, n in changed["breakdown"]]


def test_a_write_in_one_top_level_unit_leaves_the_other_units_version_alone(chair, other_committee, org):
    """Issue 23 (migration 0009): the school's cached figures survive a write at the hospital; the
    county's, which cover both, do not."""
    from members.selectors import ROSTER_VERSION_BUCKETS, roster_versions

    county = UserFactory(username="county")
    RoleGrantFactory(user=county, org_unit=org.county, role=Role.CHAIR)
    assert org.school.pk % ROSTER_VERSION_BUCKETS != org.hospital.pk % ROSTER_VERSION_BUCKETS

    def versions() -> tuple[str, str, str]:
        return tuple(roster_versions(user)[1] for user in (chair, other_committee, county))

    before = versions()
    patient = MemberFactory(org_unit=org.ward)  # at the hospital
    school, hospital, whole = versions()
    assert school == before[0] and hospital != before[1] and whole != before[2]

    before = versions()
    Member.objects.filter(pk=patient.pk).update(org_unit=org.branch_a)  # moved: both sides move
    assert all(now != then for now, then in zip(versions(), before, strict=True))

    before = versions()
    Member.objects.bulk_create([MemberFactory.build(org_unit=org.group_a) for _ in range(2)])  # the school
    school, hospital, whole = versions()
    assert school != before[0] and hospital == before[1] and whole != before[2]

    before = versions()
    Member.objects.filter(org_unit=org.group_a).delete()
    school, hospital, whole = versions()
    assert school != before[0] and hospital == before[1] and whole != before[2]


def test_filters_by_the_roster_fields_of_issue_18(login, chair, org):
    MemberFactory(name="马六", org_unit=org.branch_a, ethnicity="回族", education="master", political_status="masses")
    MemberFactory(name="周七", org_unit=org.branch_a, ethnicity="汉族", education="college", political_status="masses")
    client = login(chair)
    assert names(client.get(URL, {"ethnicity": "回族"})) == {"马六"}
    assert names(client.get(URL, {"education": "college"})) == {"周七"}
    assert names(client.get(URL, {"political_status": "masses"})) == {"马六", "周七"}
    bad = client.get(URL, {"education": "phd"})
    assert bad.status_code == 200 and "请从列表中选择" in bad.content.decode()
