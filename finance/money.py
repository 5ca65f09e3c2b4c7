"""Money rules in one place: amounts are Decimal with two places (元.角分), never float."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

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
