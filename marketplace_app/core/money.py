"""Money in integer minor units: the only place external amount strings are parsed.

Amounts are `int` cents; rates are `int` basis points (1 bp = 0.01 %). The wire
format is the seed's `"8.00EUR"`. Parsing goes through `Decimal` exactly once and
never through `float`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from marketplace_app.core.errors import ValidationFailed

BPS_PER_UNIT = 10_000
MINOR_UNITS_PER_MAJOR = 100
# A cap far below 2**63 so sums of many amounts stay exact in BIGINT columns.
MAX_AMOUNT_CENTS = 100_000_000_000

_AMOUNT = re.compile(r"(?P<major>[0-9]{1,12})(?:\.(?P<minor>[0-9]{1,2}))?(?: ?(?P<currency>[A-Z]{3}))?", re.ASCII)
# What a person types into a dashboard's amount field: "25", "25.5", "25.50", "25,50", "€25", "25 €",
# "1,000.50" or "25 EUR" (a comma followed by one or two digits is a decimal comma, by three a
# thousands separator).
_TYPED_AMOUNT = re.compile(r"(?P<major>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,12})(?:[.,](?P<minor>[0-9]{1,2}))?", re.ASCII)
# The currencies a deployment is likely to run in, as people name and write them.
CURRENCY_WORDS = {"EUR": ("euros", "€"), "USD": ("US dollars", "$"), "GBP": ("pounds", "£"),
                  "CHF": ("Swiss francs", "")}


def parse_money(text: object, *, currency: str, field: str = "amount") -> int:
    """Parse `"8.00EUR"` (or `"8EUR"`, `"8.5 EUR"`) into cents of `currency`.

    Args:
        text: The client's value; anything but a well-formed string is refused.
        currency: The deployment currency the amount must be in.
        field: The field name used in error messages.

    Returns:
        The amount in minor units (non-negative).

    Raises:
        ValidationFailed: For anything that is not exactly such an amount.
    """
    if not isinstance(text, str):
        raise ValidationFailed(f"{field} must be a string like '8.00{currency}'")
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise ValidationFailed(f"{field} must look like '8.00{currency}' (got {text[:40]!r})")
    if match["currency"] not in (None, currency):
        raise ValidationFailed(f"{field} must be in {currency}, not {match['currency']}")
    try:
        cents = int(Decimal(f"{match['major']}.{match['minor'] or '0'}") * MINOR_UNITS_PER_MAJOR)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only digits
        raise ValidationFailed(f"{field} is not a number") from exc
    if cents > MAX_AMOUNT_CENTS:
        raise ValidationFailed(f"{field} is larger than the maximum of {format_money(MAX_AMOUNT_CENTS, currency)}")
    return cents


def parse_positive_money(text: object, *, currency: str, field: str = "amount") -> int:
    """Like `parse_money`, but zero is refused too."""
    cents = parse_money(text, currency=currency, field=field)
    if cents <= 0:
        raise ValidationFailed(f"{field} must be greater than zero")
    return cents


def typed_amount_hint(currency: str) -> str:
    """How to type an amount, e.g. "Enter an amount in euros, for example 25 or 25.50"."""
    words, _symbol = CURRENCY_WORDS.get(currency, (currency, ""))
    return f"Enter an amount in {words}, for example 25 or 25.50"


def parse_typed_amount(text: object, *, currency: str) -> int:
    """Parse an amount a person typed ("25", "25.5", "25.50", "€25", "25 EUR") into positive cents.

    The dashboards' money fields use this; the API keeps the seed's strict `"8.00EUR"` (`parse_money`).

    Raises:
        ValidationFailed: Anything else, zero, or above the maximum, in words a person can act on.
    """
    cleaned = text.strip() if isinstance(text, str) else ""
    _words, symbol = CURRENCY_WORDS.get(currency, (currency, ""))
    for mark in filter(None, (symbol, currency, currency.lower())):
        cleaned = cleaned.removeprefix(mark).removesuffix(mark).strip()
    match = _TYPED_AMOUNT.fullmatch(cleaned)
    if match is None:
        raise ValidationFailed(f"{typed_amount_hint(currency)}.")
    major = match["major"].replace(",", "")
    cents = int(Decimal(f"{major}.{match['minor'] or '0'}") * MINOR_UNITS_PER_MAJOR)
    if cents <= 0:
        raise ValidationFailed("Enter an amount above zero, for example 25 or 25.50.")
    if cents > MAX_AMOUNT_CENTS:
        raise ValidationFailed(f"Enter at most {display_money(MAX_AMOUNT_CENTS, currency)}.")
    return cents


def format_money(cents: int, currency: str) -> str:
    """Render cents in the wire format, e.g. `800` → `"8.00EUR"`."""
    sign = "-" if cents < 0 else ""
    major, minor = divmod(abs(cents), MINOR_UNITS_PER_MAJOR)
    return f"{sign}{major}.{minor:02d}{currency}"


def display_money(cents: int, currency: str) -> str:
    """Render cents for people, e.g. `350` → `"3.50 EUR"` (as in the seed's messages)."""
    return f"{format_money(cents, currency)[:-3]} {currency}"


def apply_bps(amount_cents: int, rate_bps: int) -> int:
    """Return `amount × rate`, rounded half up to the cent (the one rounding rule)."""
    if amount_cents < 0 or rate_bps < 0:
        raise ValueError("apply_bps takes non-negative amounts and rates")
    return (amount_cents * rate_bps + BPS_PER_UNIT // 2) // BPS_PER_UNIT


def split_largest_remainder(total_cents: int, weights: Sequence[int]) -> list[int]:
    """Split `total_cents` in proportion to integer `weights` (Hamilton's largest remainder method).

    The one helper for every proportional split of money (a dispute refund taken from reward and
    fee, a 50 % small-claims refund, milestones). Each part gets the floor of its exact share
    `total × weight / Σ weights`; the cents left over (fewer than the number of parts) go one each
    to the parts with the largest remainders. Ties go to the earlier part, so callers list the
    part that should win a tie first. So the parts sum exactly to the total, none is negative,
    each is within one cent of its exact share, and none exceeds its weight when the total does
    not exceed the sum of the weights.

    Args:
        total_cents: The amount to split (non-negative).
        weights: One non-negative integer weight per part, with a positive sum.

    Returns:
        One amount in cents per weight, in the order of `weights`.

    Raises:
        ValueError: A negative total or weight, no weights, or weights that sum to zero.
    """
    if total_cents < 0 or not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise ValueError("split needs a non-negative total and non-negative weights with a positive sum")
    weight_sum = sum(weights)
    floors = [total_cents * w // weight_sum for w in weights]
    remainders = [total_cents * w % weight_sum for w in weights]
    leftover = total_cents - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        floors[i] += 1
    return floors
