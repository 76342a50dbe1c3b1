"""Platform fees (PRODUCT.md section 3), all integer cents and basis points.

Rounding rule: the percentage fee rounds half up to the cent; then the minimum
fee applies; then the cap (50 % of the price, rounded down) applies. The worker's
reward is always `price - fee`, so `reward + fee == price` exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from marketplace_app.core.money import apply_bps
from marketplace_app.settings import get_settings


@dataclass(frozen=True, slots=True)
class FeeQuote:
    """How a price divides between the worker and the platform."""

    price_cents: int
    fee_cents: int
    reward_cents: int
    rate_bps: int


def human_fee_rate_bps(trailing_30d_spend_cents: int) -> int:
    """Return the fee rate for a buyer with this trailing 30-day spend."""
    for upper_cents, rate_bps in get_settings().human_fee_tiers:
        if upper_cents is None or trailing_30d_spend_cents < upper_cents:
            return rate_bps
    raise ValueError("the fee tiers must end with an open tier")


def human_task_fee(price_cents: int, *, trailing_30d_spend_cents: int) -> FeeQuote:
    """Quote the fee on a human task of `price_cents`."""
    settings = get_settings()
    rate_bps = human_fee_rate_bps(trailing_30d_spend_cents)
    return _quote(price_cents, rate_bps, min_fee_cents=settings.human_fee_min_cents,
                  cap_bps=settings.human_fee_cap_bps)


def agent_job_fee(price_cents: int, *, trust_tier: str) -> FeeQuote:
    """Quote the fee on an agent-to-agent job sold by an agent of `trust_tier`."""
    rate_bps = get_settings().agent_fee_tier_bps[trust_tier]
    return _quote(price_cents, rate_bps, min_fee_cents=0, cap_bps=get_settings().human_fee_cap_bps)


def _quote(price_cents: int, rate_bps: int, *, min_fee_cents: int, cap_bps: int) -> FeeQuote:
    if price_cents <= 0:
        raise ValueError("a fee needs a positive price")
    cap_cents = price_cents * cap_bps // 10_000
    fee_cents = min(max(apply_bps(price_cents, rate_bps), min_fee_cents), cap_cents)
    return FeeQuote(price_cents=price_cents, fee_cents=fee_cents, reward_cents=price_cents - fee_cents,
                    rate_bps=rate_bps)
