"""Every view parameter and form field that reads an integer, fed what `int()` chokes on.

Issue 17, finding 3: `str.isdigit()` is true for "²", which `int()` refuses (a 500), `int()` itself
takes "١٢", "+1" and " 1", and a key of twenty digits overflows the database's integer in the
query. Each parameter below gets Unicode digits, signs, blanks and huge numbers from hypothesis;
the answer must be a page, a form error, a redirect with a message, a 400 or a 404, never a 500.
All of them go through union_office.integers.
"""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from union_office.integers import MAX_KEY, parse_int

from . import sweep

HOSTILE_INTEGERS = st.one_of(
    st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=6),  # ², ⁰, ٣, １
    st.integers(min_value=-(2**70), max_value=2**70).map(str),  # signs and overflow
    st.integers(min_value=0, max_value=9).map(lambda n: f" {n}"),
    st.sampled_from(["", " ", "+1", "1_0", "0x10", "1e3", "²", "²⁰¹⁰", "١٢", "１２", "9" * 30, "-0", "2**63"]),
)


def _student_act(world):
    return reverse("welfare:student_act", kwargs={"pk": world.own.student.pk, "action": "approve"})


def _plan(name):
    return lambda world: reverse(name, kwargs={"pk": world.own.plan.pk})


# (persona, method, url of the world, parameter, the other parameters)
TARGETS = [
    ("chair", "GET", lambda world: reverse("activities:calendar"), "year", {"month": "3"}),
    ("chair", "GET", lambda world: reverse("activities:calendar"), "month", {"year": "2026"}),
    ("treasurer", "GET", lambda world: reverse("finance:entry_create"), "unit", {}),
    ("chair", "POST", _student_act, "tier", {"comment": "同意"}),
    ("chair", "POST", lambda world: reverse("welfare:file_create"), "family", {}),
    ("chair", "GET", lambda world: reverse("welfare:report"), "year", {}),
    ("chair", "GET", lambda world: reverse("members:member_list"), "unit", {}),
    ("chair", "GET", lambda world: reverse("members:member_list"), "department", {}),
    ("chair", "GET", lambda world: reverse("members:member_list"), "join_year", {}),
    ("chair", "GET", lambda world: reverse("members:member_list"), "page", {}),
    ("chair", "GET", lambda world: reverse("members:audit_log"), "unit", {}),
    ("chair", "GET", lambda world: reverse("members:audit_log"), "page", {}),
    ("chair", "GET", lambda world: reverse("plans:compare"), "a", {}),
    ("chair", "POST", _plan("plans:node_move"), "node_id", {"parent_id": "", "index": "0"}),
    ("chair", "POST", _plan("plans:node_move"), "index", {}),
    ("chair", "POST", _plan("plans:schedule_move"), "entry_id", {"index": "0"}),
    ("chair", "POST", _plan("plans:schedule_move"), "index", {}),
    ("chair", "POST", _plan("plans:header_edit"), "revision", {"title": "计划", "year": "2026"}),
    ("chair", "POST", _plan("plans:header_edit"), "year", {"title": "计划"}),
]


def _value(parameter: str, raw: str) -> str:
    # The family field is lines of 姓名,关系,出生年份,…: the integer is the birth year.
    return f"张三,父亲,{raw},工人,1000," if parameter == "family" else raw


@pytest.mark.parametrize(
    ("persona", "method", "url_of", "parameter", "others"),
    TARGETS,
    ids=[f"{t[1]} {t[3]} {i}" for i, t in enumerate(TARGETS)],
)
def test_no_integer_parameter_answers_500(app_world, db, persona, method, url_of, parameter, others):
    url = url_of(app_world)
    if parameter == "node_id" or (parameter == "index" and "node" in url):
        others = {**others, "node_id": str(app_world.own.section.pk)}
    if parameter == "entry_id" or (parameter == "index" and "schedule" in url):
        others = {**others, "entry_id": str(app_world.own.schedule_entry.pk)}

    @hypothesis_settings(
        max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], database=None
    )
    @given(raw=HOSTILE_INTEGERS)
    @example(raw="²")
    @example(raw="²⁰¹⁰")
    @example(raw="9" * 25)
    def check(raw):
        result = sweep.call(app_world, persona, method, url, {**others, parameter: _value(parameter, raw)})
        assert not result.outcome.startswith("500"), f"{method} {url} {parameter}={raw!r}: {result.outcome}"
        assert result.outcome in ("ok", "400", "404"), f"{method} {url} {parameter}={raw!r}: {result.outcome}"

    check()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", 12), ("0", 0), (7, 7), ("²", None), ("١٢", None), ("１２", None), (" 1", None), ("+1", None)]
    + [("-1", None), ("1_0", None), ("", None), (None, None), (True, None), ("9" * 19, None), (str(MAX_KEY), None)],
)
def test_parse_int_takes_ascii_digits_within_bounds_only(raw, expected):
    assert parse_int(raw) == expected
