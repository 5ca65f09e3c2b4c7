"""Money rules in one place: amounts are Decimal with two places (元.角分), never float."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db.models import DecimalField, Sum

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The largest amount a DecimalField(max_digits=14, decimal_places=2) holds.
MAX_AMOUNT = Decimal("999999999999.99")


def round_money(value: Decimal) -> Decimal:
    """To the 分, half up (四舍五入), the rounding 工会 accounting and 会费 use."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value: Any) -> Decimal:
    """An amount given as Decimal, int or text ("1,200.50"); floats are a programming error."""
    if isinstance(value, float):
        raise TypeError("money is never a float; pass a Decimal or a string")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        raise ValueError(value) from None


def yuan(value: Decimal) -> str:
    """1234.5 → "1,234.50" for messages."""
    return f"{value:,.2f}"


class MoneySum(Sum):
    """SUM of a money column as a Decimal to the 分, 0.00 for no rows.

    PostgreSQL sums numeric exactly. SQLite sums in floating point and Django hands the result back
    unrounded for an aggregate (0.01 + 2.00 - 2.00 → 0.00999999999999979; found by the property
    test), so every money total is rounded to the 分 here, on both databases alike.
    """

    output_field = DecimalField(max_digits=14, decimal_places=2)
    # An empty queryset (.none()) is answered without asking the database: no converter runs.
    empty_result_set_value = ZERO

    def get_db_converters(self, connection: Any) -> list:
        return [*super().get_db_converters(connection), _to_money]


def _to_money(value: Any, expression: Any, connection: Any) -> Decimal:
    return ZERO if value is None else round_money(Decimal(value))
