"""Platform fees (RELIABILITY 6, PRODUCT section 3): exact, tiered, int-only.

The oracle below recomputes the documented rounding rule with `Decimal`:
percentage rounded half up to the cent, then the minimum fee, then the cap of
50 % of the price rounded down; the reward is the rest.
"""

from __future__ import annotations

import random
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace_app.core.money import MAX_AMOUNT_CENTS
from marketplace_app.fees import FeeQuote, agent_job_fee, human_fee_rate_bps, human_task_fee

MIN_FEE_CENTS = 200
CAP_BPS = 5_000
TIER_5K_CENTS = 500_000
TIER_25K_CENTS = 2_500_000
AGENT_RATES_BPS = {"bronze": 1200, "silver": 1000, "gold": 800, "platinum": 600}
PAIRS = 100_000


def expected_human_rate_bps(spend_cents: int) -> int:
    """PRODUCT: 18 % below €5,000, 15 % up to €25,000, 12 % above (exactly €25,000 is tested apart)."""
    if spend_cents < TIER_5K_CENTS:
        return 1800
    if spend_cents < TIER_25K_CENTS:
        return 1500
    return 1200


def oracle_fee_cents(price_cents: int, rate_bps: int, *, min_fee_cents: int) -> int:
    percentage = (Decimal(price_cents) * rate_bps / 10_000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    cap = (Decimal(price_cents) * CAP_BPS / 10_000).quantize(Decimal(1), rounding=ROUND_FLOOR)
    return int(min(max(percentage, Decimal(min_fee_cents)), cap))


def assert_quote_is_sound(quote: FeeQuote, *, price_cents: int, rate_bps: int, min_fee_cents: int) -> None:
    assert all(type(value) is int for value in (quote.price_cents, quote.fee_cents, quote.reward_cents,
                                                quote.rate_bps)), quote
    assert quote.price_cents == price_cents
    assert quote.rate_bps == rate_bps
    assert quote.reward_cents + quote.fee_cents == price_cents
    cap_cents = price_cents * CAP_BPS // 10_000
    assert min(min_fee_cents, cap_cents) <= quote.fee_cents <= cap_cents
    assert quote.reward_cents >= quote.fee_cents >= 0
    assert quote.fee_cents == oracle_fee_cents(price_cents, rate_bps, min_fee_cents=min_fee_cents), quote


def random_price(rng: random.Random) -> int:
    low, high = rng.choice([(1, 600), (600, 2_000), (2_000, 100_000), (100_000, 10_000_000),
                            (10_000_000, MAX_AMOUNT_CENTS)])
    return rng.randint(low, high)


def random_spend(rng: random.Random) -> int:
    near_boundary = [TIER_5K_CENTS - 1, TIER_5K_CENTS, TIER_5K_CENTS + 1, TIER_25K_CENTS - 1, TIER_25K_CENTS + 1, 0]
    if rng.random() < 0.3:
        return rng.choice(near_boundary)
    spend = rng.randint(0, 10 * TIER_25K_CENTS)
    return spend + 1 if spend == TIER_25K_CENTS else spend


def test_100000_random_human_quotes_are_exact_and_follow_the_rounding_rule():
    # Given 100,000 seeded (price, trailing spend) pairs across every tier and boundary
    rng = random.Random(6)
    rates_seen: set[int] = set()

    # When each is quoted
    for _ in range(PAIRS):
        price, spend = random_price(rng), random_spend(rng)
        quote = human_task_fee(price, trailing_30d_spend_cents=spend)

        # Then reward + fee = price, the tier rate applies, min fee and cap hold, all ints
        assert_quote_is_sound(quote, price_cents=price, rate_bps=expected_human_rate_bps(spend),
                              min_fee_cents=MIN_FEE_CENTS)
        rates_seen.add(quote.rate_bps)
    assert rates_seen == {1800, 1500, 1200}


@settings(derandomize=True, deadline=None, max_examples=1_000)
@given(price=st.integers(min_value=1, max_value=MAX_AMOUNT_CENTS),
       spend=st.integers(min_value=0, max_value=10**10).filter(lambda s: s != TIER_25K_CENTS))
def test_human_quotes_hold_for_any_price_and_spend(price, spend):
    quote = human_task_fee(price, trailing_30d_spend_cents=spend)
    assert_quote_is_sound(quote, price_cents=price, rate_bps=expected_human_rate_bps(spend),
                          min_fee_cents=MIN_FEE_CENTS)


def test_every_price_up_to_200_euros_at_every_rate():
    # Given every price from 1 cent to €200 (where the minimum fee and the cap interact)
    # When quoted in each tier
    # Then each quote is sound
    for spend, rate in ((0, 1800), (TIER_5K_CENTS, 1500), (TIER_25K_CENTS + 1, 1200)):
        for price in range(1, 20_001):
            quote = human_task_fee(price, trailing_30d_spend_cents=spend)
            assert_quote_is_sound(quote, price_cents=price, rate_bps=rate, min_fee_cents=MIN_FEE_CENTS)


@pytest.mark.parametrize(("spend", "rate"), [
    (0, 1800),
    (TIER_5K_CENTS - 1, 1800),       # €4,999.99
    (TIER_5K_CENTS, 1500),           # €5,000.00 is no longer "below €5,000"
    (TIER_5K_CENTS + 1, 1500),
    (TIER_25K_CENTS - 1, 1500),      # €24,999.99
    (TIER_25K_CENTS + 1, 1200),      # €25,000.01 is "above"
    (10**12, 1200),
])
def test_human_fee_tier_boundaries(spend, rate):
    assert human_fee_rate_bps(spend) == rate


def test_exactly_25000_euros_of_spend_is_still_the_15_percent_tier():
    assert human_fee_rate_bps(TIER_25K_CENTS) == 1500


@pytest.mark.parametrize(("price", "spend", "fee", "reward"), [
    (1_125, 0, 203, 922),                    # 18 % = 202.5 → 203 (half up)
    (1_124, 0, 202, 922),                    # 18 % = 202.32 → 202
    (1_112, 0, 200, 912),                    # 18 % = 200.16 → 200 = the minimum
    (10_010, TIER_5K_CENTS, 1_502, 8_508),   # 15 % = 1,501.5 → 1,502
    (100_000, TIER_25K_CENTS + 1, 12_000, 88_000),
    (1_000, 0, 200, 800),                    # 18 % = 180 → the €2.00 minimum
    (400, 0, 200, 200),                      # minimum fee, exactly at the 50 % cap
    (300, 0, 150, 150),                      # minimum fee 200 capped at 50 % = 150
    (301, 0, 150, 151),                      # cap 150.5 rounds down to 150
    (3, 0, 1, 2),                            # cap 1.5 → 1
    (1, 0, 0, 1),                            # cap 0.5 → 0: a one-cent task carries no fee
])
def test_human_fee_rounding_examples(price, spend, fee, reward):
    quote = human_task_fee(price, trailing_30d_spend_cents=spend)
    assert (quote.fee_cents, quote.reward_cents) == (fee, reward)


@pytest.mark.parametrize("price", [0, -1, -10_000])
def test_a_fee_needs_a_positive_price(price):
    with pytest.raises(ValueError):
        human_task_fee(price, trailing_30d_spend_cents=0)
    with pytest.raises(ValueError):
        agent_job_fee(price, trust_tier="bronze")


def test_100000_random_agent_quotes_are_exact_per_trust_tier():
    # Given 100,000 seeded (price, trust tier) pairs
    rng = random.Random(7)
    tiers = sorted(AGENT_RATES_BPS)

    # When each is quoted
    for _ in range(PAIRS):
        price, tier = random_price(rng), rng.choice(tiers)
        quote = agent_job_fee(price, trust_tier=tier)

        # Then the tier rate applies with no minimum fee, capped at 50 %
        assert_quote_is_sound(quote, price_cents=price, rate_bps=AGENT_RATES_BPS[tier], min_fee_cents=0)


@pytest.mark.parametrize(("tier", "price", "fee"), [
    ("bronze", 10_000, 1_200), ("silver", 10_000, 1_000), ("gold", 10_000, 800), ("platinum", 10_000, 600),
    ("platinum", 25, 2),    # 1.5 → 2 (half up)
    ("bronze", 4, 0),       # 0.48 → 0; no minimum fee for agent jobs
    ("gold", 1, 0),
])
def test_agent_fee_examples(tier, price, fee):
    quote = agent_job_fee(price, trust_tier=tier)
    assert (quote.fee_cents, quote.reward_cents, quote.rate_bps) == (fee, price - fee, AGENT_RATES_BPS[tier])


def test_an_unknown_trust_tier_is_refused():
    with pytest.raises(KeyError):
        agent_job_fee(10_000, trust_tier="diamond")
