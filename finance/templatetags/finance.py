"""{{ amount|money }}: 1,234.50 (Decimal in, text out; never through float)."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(value: Decimal | None) -> str:
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"


@register.filter
def percent(value: Decimal | None) -> str:
    """0.4567 → 45.67%."""
    if value is None:
        return "—"
    return f"{Decimal(value) * 100:,.2f}%"


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key)
