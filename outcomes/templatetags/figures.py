"""Template filters for figures: numbers as people read them."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def plain_number(value) -> str:
    """A decimal without trailing zeros: 66.00 → 66, 0.50 → 0.5, 73.80 → 73.8."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value)).normalize()
    return format(number.quantize(Decimal(1)) if number == number.to_integral() else number, "f")
