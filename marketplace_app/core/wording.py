"""Numbers people read, worded from settings: "48 hours", "7 days", "5 business days", "5.00 EUR".

Every window, limit and count that a message, an OpenAPI description or a page shows is built
here from its setting, so changing the setting changes every sentence that mentions it.
"""

from __future__ import annotations

from marketplace_app.core.money import display_money
from marketplace_app.settings import get_settings

NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def hours(count: int) -> str:
    """`48` → `"48 hours"`, `1` → `"1 hour"`."""
    return _counted(count, "hour")


def days(count: int) -> str:
    """`7` → `"7 days"`, `1` → `"1 day"`."""
    return _counted(count, "day")


def business_days(count: int) -> str:
    """`5` → `"5 business days"`."""
    return _counted(count, "business day")


def delay(seconds: int) -> str:
    """A short delay in its largest whole unit: `300` → `"5 min"`, `7200` → `"2 h"`, `90` → `"90 s"`."""
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def money(cents: int) -> str:
    """Cents in the deployment's currency, for people: `500` → `"5.00 EUR"`."""
    return display_money(cents, get_settings().currency)


def number_word(count: int) -> str:
    """A small count spelled out to open a sentence: `3` → `"Three"`; above ten, digits."""
    return NUMBER_WORDS[count].capitalize() if 0 <= count < len(NUMBER_WORDS) else str(count)


def _counted(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"
