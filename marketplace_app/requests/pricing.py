"""`POST /v1/estimate`: a price from the skill's base rate, the duration, the urgency and
how many operators are available now."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace_app import fees
from marketplace_app.catalogue import service as catalogue
from marketplace_app.core.money import apply_bps
from marketplace_app.operators.models import KycStatus, OperatorProfile
from marketplace_app.requests.models import URGENCY_SECONDS, Urgency

URGENCY_MULTIPLIER_BPS = {Urgency.one_minute: 20_000, Urgency.five_minutes: 15_000,
                          Urgency.fifteen_minutes: 12_000, Urgency.thirty_minutes: 10_000}
MINIMUM_PRICE_CENTS = 100
# Fewer operators online means a longer wait: scale the price and the expected match time.
SCARCITY = ((0, 13_000, 100), (1, 11_500, 50), (3, 10_000, 15))


@dataclass(frozen=True, slots=True)
class Estimate:
    """A price estimate and what drives it."""

    price_cents: int
    available_operators: int
    match_seconds: int
    fee: fees.FeeQuote


def available_operators(session: Session, skill: str) -> int:
    """Verified, available operators who have `skill`."""
    profiles = session.execute(select(OperatorProfile.skills).where(
        OperatorProfile.kyc_status == KycStatus.verified, OperatorProfile.available)).scalars()
    return sum(1 for skills in profiles if skill in (skills or []))


def estimate(session: Session, *, skill: str, urgency: str, duration_seconds: int,
             trailing_spend_cents: int) -> Estimate:
    """Price a request before creating it."""
    rate_cents = catalogue.get_active_skill(session, skill).base_rate_cents_per_hour
    available = available_operators(session, skill)
    scarcity_bps, share_percent = _scarcity(available)
    base_cents = (rate_cents * duration_seconds + 1800) // 3600
    price = apply_bps(apply_bps(base_cents, URGENCY_MULTIPLIER_BPS[Urgency(urgency)]), scarcity_bps)
    price = max(price, MINIMUM_PRICE_CENTS)
    window = URGENCY_SECONDS[Urgency(urgency)]
    return Estimate(price_cents=price, available_operators=available, match_seconds=window * share_percent // 100,
                    fee=fees.human_task_fee(price, trailing_30d_spend_cents=trailing_spend_cents))


def _scarcity(available: int) -> tuple[int, int]:
    chosen = SCARCITY[0]
    for row in SCARCITY:
        if available >= row[0]:
            chosen = row
    return chosen[1], chosen[2]


def match_share_percent(available: int) -> int:
    """The share of the urgency window an agent should expect to wait."""
    return _scarcity(available)[1]


def operator_count(session: Session) -> int:
    """All verified, available operators (any skill)."""
    return session.execute(select(func.count()).select_from(OperatorProfile).where(
        OperatorProfile.kyc_status == KycStatus.verified, OperatorProfile.available)).scalar_one()


def format_seconds(seconds: int) -> str:
    """`45` → `"45s"`, `180` → `"3min"` (the seed's style)."""
    if seconds < 120:
        return f"{seconds}s"
    return f"{round(seconds / 60)}min"
