"""Hostile input for property-based tests: what a careless, curious or malicious user can send.

Shared by tests/hostile/test_forms_*.py (every form and the views behind them) and the upload and
import tests. Everything here is a hypothesis strategy producing *strings* (or lists of strings), as a
browser would send them; what a value means is the form's business.

- `hostile_text()`: anything, including NUL and other control characters, bidi overrides, emoji, SQL
  and HTML/JS fragments and 100,000-character strings. Often invalid (Django refuses NUL).
- `storable_text(max_length)`: the same kinds of content, but a value a correct form accepts: no NUL,
  not blank, at most max_length characters. If a form refuses it or the database cannot store it,
  that is a bug.
- `overlong_text(max_length)`: always longer than max_length.
- `amounts()` / `invalid_amounts()`, `dates()` / `invalid_dates()`, `integers()`, `datetimes()`,
  `times()`, `choice_values(choices)`: for the other field kinds.

Markers: `XSS_PAYLOADS` carry a recognisable attribute (`hostile`) so a test can assert that no page
echoes them unescaped: `assert_escaped(html)`.
"""

import datetime as dt
import string

from hypothesis import strategies as st

HUGE = 100_000

CONTROL = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1b[31m", "\x7f", "\r", "\r\n", "\t"]
# Bidi overrides and invisible characters: a name that reads differently from what is stored.
INVISIBLE = ["\u202e", "\u202d", "\u200b", "\u200d", "\u2028", "\u2029", "\ufeff", "\u00a0", "\u3000"]
EMOJI = ["😀", "👨‍👩‍👧‍👦", "🇨🇳", "🏳️‍🌈", "🧧", "𠀀", "𪚥"]  # 𠀀 𪚥: CJK outside the BMP
SQL_FRAGMENTS = [
    "'; DROP TABLE members_member; --",
    "' OR 1=1 --",
    '" OR "1"="1',
    "1; SELECT pg_sleep(5)",
    "%",
    "_",
    "\\",
    "'",
    "''",
    "%' AND 1=1 --",
    "$$",
    "E'\\x00'",
]
XSS_PAYLOADS = [
    '<script>alert("hostile")</script>',
    '"><img src=x onerror="alert(\'hostile\')">',
    "'><svg onload=alert('hostile')>",
    "javascript:alert('hostile')",
    "{{ hostile }}{% hostile %}",
    "</textarea><script>alert('hostile')</script>",
]
# What must never appear in a page that echoed one of XSS_PAYLOADS.
RAW_MARKUP = ['<script>alert("hostile")', "<img src=x onerror", "<svg onload", "</textarea><script>"]
FORMULAS = ["=1+1", '=HYPERLINK("http://evil")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)"]
ODD_NUMBERS = ["-1", "0", "1e30", "NaN", "nan", "Infinity", "-Infinity", "inf", "999999999999", "１２３"]
FRAGMENTS = CONTROL + INVISIBLE + EMOJI + SQL_FRAGMENTS + XSS_PAYLOADS + FORMULAS + ODD_NUMBERS + ["", " ", "　"]

# Every code point a form post can carry: surrogates cannot be encoded in UTF-8, so no request has one.
any_character = st.characters(exclude_categories=("Cs",))


def _huge(fragment: str) -> str:
    return (fragment * (HUGE // max(len(fragment), 1) + 1))[:HUGE] if fragment else "x" * HUGE


def hostile_text() -> st.SearchStrategy[str]:
    """Any string, weighted towards the fragments above; sometimes 100,000 characters long."""
    fragment = st.sampled_from(FRAGMENTS)
    mixed = st.lists(st.one_of(fragment, st.text(any_character, max_size=20)), min_size=1, max_size=6).map("".join)
    return st.one_of(fragment, mixed, st.text(any_character, max_size=50), fragment.map(_huge))


def _printable(text: str) -> str:
    # A value a correct form must accept: Django refuses NUL (it cannot be stored in PostgreSQL),
    # and strips surrounding whitespace, so the value starts with a visible character.
    return "测" + text.replace("\x00", "")


def storable_text(max_length: int | None = None) -> st.SearchStrategy[str]:
    """Hostile content a correct form accepts and a correct database stores (at most max_length)."""
    limit = max_length or HUGE
    base = st.one_of(
        st.sampled_from(FRAGMENTS),
        st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=5).map("".join),
        st.text(any_character, max_size=60),
    ).map(_printable)
    full = st.sampled_from(FRAGMENTS).map(lambda f: _printable(_huge(f.replace("\x00", "") or "x")))
    return st.one_of(base, full).map(lambda s: s[:limit])


def overlong_text(max_length: int) -> st.SearchStrategy[str]:
    """Strictly longer than max_length after Django strips whitespace (so: surely refused)."""
    return st.one_of(
        st.sampled_from(FRAGMENTS).map(lambda f: "长" * (max_length + 1) + f.replace("\x00", "")),
        st.integers(min_value=1, max_value=50).map(lambda n: "😀" * (max_length + n)),
        st.just("x" * max(HUGE, max_length + 1)),
    )


def amounts() -> st.SearchStrategy[str]:
    """Money as typed: signs, exponents, NaN/Infinity, too many digits, separators, full-width digits."""
    cents = st.integers(min_value=-(10**16), max_value=10**16).map(lambda c: f"{c / 100:.2f}")
    return st.one_of(
        st.sampled_from(
            [
                "-1",
                "-0.01",
                "0",
                "0.00",
                "0.001",
                "1e30",
                "1E+30",
                "-1e30",
                "1e-30",
                "NaN",
                "-NaN",
                "sNaN",
                "Infinity",
                "-Infinity",
                "inf",
                "123456789012",
                "999999999999.99",
                "9999999999.99",
                "99999999999999",
                "0.1e2",
                "1,000.00",
                "１００",
                "¥100",
                "100元",
                " 100 ",
                "",
                "abc",
                "0x10",
                "1_000",
                "١٢٣",
            ]
        ),
        cents,
        hostile_text(),
    )


def invalid_amounts(*, max_digits: int, decimal_places: int, min_value: float | None) -> st.SearchStrategy[str]:
    """Amounts a DecimalField(max_digits, decimal_places, min_value) must refuse."""
    whole = max_digits - decimal_places
    values = ["NaN", "Infinity", "-Infinity", "sNaN", "1e30", "abc", "1,000.00", "0x10", "'; DROP TABLE x; --"]
    values += ["9" * (whole + 1), "1" + "0" * whole + ".00", "0." + "1" * (decimal_places + 1)]
    values += ['<script>alert("hostile")</script>', "1" * (max_digits + 1)]
    if min_value is not None and min_value >= 0:
        values += ["-1", "-0.01", "-1e30"]
    return st.sampled_from(values)


def integers() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(
            ["-1", "0", "2147483647", "2147483648", "-2147483649", "9223372036854775808", "1e3", "1.5", "", "x"]
        ),
        st.integers(min_value=-(10**20), max_value=10**20).map(str),
        hostile_text(),
    )


def invalid_dates() -> st.SearchStrategy[str]:
    """Never a date: impossible days, year 0, five-digit years, other words."""
    return st.one_of(
        st.sampled_from(
            [
                "0000-00-00",
                "1900-02-29",
                "2023-02-29",
                "2025-02-30",
                "2025-13-01",
                "2025-00-10",
                "2025-04-31",
                "99999-01-01",
                "-0001-01-01",
                "2025/13/45",
                "today",
                "明天",
                "'; DROP TABLE x; --",
                '<script>alert("hostile")</script>',
                "1" * 40,
            ]
        ),
        st.text(string.ascii_letters + "-/:", min_size=1, max_size=12).filter(lambda s: any(c.isalpha() for c in s)),
    )


def dates() -> st.SearchStrategy[str]:
    """Dates as typed: the ends of the calendar (date arithmetic can overflow there) and non-dates."""
    real = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(dt.date.isoformat)
    edges = st.sampled_from(["0001-01-01", "9999-12-31", "1900-01-01", "2000-02-29", "1970-01-01", "2099-12-31"])
    return st.one_of(edges, real, invalid_dates(), st.just(""))


def datetimes() -> st.SearchStrategy[str]:
    return st.one_of(
        dates().map(lambda d: f"{d}T08:30"),
        st.sampled_from(["9999-12-31T23:59", "0001-01-01T00:00", "2025-03-09T25:61", "2025-03-09 08:00", "x"]),
    )


def times() -> st.SearchStrategy[str]:
    return st.sampled_from(["00:00", "23:59", "24:00", "25:61", "-1:00", "12", "noon", "", "08:30:00.000001"])


def choice_values(choices: list[str]) -> st.SearchStrategy[str]:
    """Mostly a real choice (so other fields are reached), sometimes anything."""
    real = st.sampled_from(choices) if choices else st.nothing()
    return st.one_of(real, real, st.sampled_from(["", "0", "-1", "99999999999999999999", "1 OR 1=1"]), hostile_text())


def booleans() -> st.SearchStrategy[str]:
    return st.sampled_from(["on", "", "true", "false", "0", "1", "None", "😀"])


def assert_escaped(html: str) -> None:
    """No XSS payload from the input appears as markup in the page."""
    for raw in RAW_MARKUP:
        assert raw not in html, f"unescaped input in the page: {raw!r}"
