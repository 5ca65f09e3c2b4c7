"""The one integer parser for what a request carries: ids, tiers, years, months, pages, units.

`int()` is too generous for input: it takes signs, spaces, underscores and every Unicode decimal
digit ("٣", "１２"), and `str.isdigit()` is true for "²" which `int()` then refuses — a 500
(issue 17, finding 3). And a key of twenty digits overflows SQLite's and PostgreSQL's integers in
the query. Here a number is 1 to 18 ASCII digits within the bounds the caller gives; anything
else is None, and the caller answers with a form error, a default or a 404.
"""

import re
from typing import Any

ASCII_DIGITS = re.compile(r"[0-9]{1,18}")
# The largest primary key either database stores (PostgreSQL bigint; SQLite's INTEGER is 64-bit too).
MAX_KEY = 2**63 - 1


def parse_int(value: Any, *, minimum: int = 0, maximum: int = MAX_KEY) -> int | None:
    """`value` as an int if it is 1-18 ASCII digits within [minimum, maximum], else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and ASCII_DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if minimum <= number <= maximum else None
