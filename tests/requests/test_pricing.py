"""`pricing.estimate`: skill rate × duration × urgency × scarcity, a minimum price, the expected
wait from live availability, and a fee quote whose parts add up to the price."""

from __future__ import annotations

import pytest

from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import ValidationFailed
from marketplace_app.requests import pricing
from tests.requests import helpers as h


def estimate(skill="legal_review", urgency="5min", duration_seconds=900, spend_cents=0):
    with unit_of_work(read_only=True) as session:
        return pricing.estimate(session, skill=skill, urgency=urgency, duration_seconds=duration_seconds,
                                trailing_spend_cents=spend_cents)


def test_the_seed_estimate_is_7_50_with_three_operators_and_a_45_second_wait():
    # given
    h.make_operators(count=3)

    # when
    result = estimate()

    # then 20.00/h x 15 min = 5.00, x1.5 for 5min urgency
    assert (result.price_cents, result.available_operators, result.match_seconds) == (750, 3, 45)
    assert result.fee.fee_cents + result.fee.reward_cents == 750


@pytest.mark.parametrize(("urgency", "price_cents", "match_seconds"), [
    ("1min", 1000, 9), ("5min", 750, 45), ("15min", 600, 135), ("30min", 500, 270),
])
def test_urgency_scales_price_and_wait(urgency, price_cents, match_seconds):
    # given
    h.make_operators(count=3)

    # when
    result = estimate(urgency=urgency)

    # then
    assert (result.price_cents, result.match_seconds) == (price_cents, match_seconds)


@pytest.mark.parametrize(("operators", "price_cents", "match_seconds"), [
    (0, 975, 300), (1, 863, 150), (2, 863, 150), (3, 750, 45), (10, 750, 45),
])
def test_scarcity_raises_the_price_and_the_wait(operators, price_cents, match_seconds):
    # given
    h.make_operators(count=operators)

    # when
    result = estimate()

    # then (the scarcity multiplier rounds half up to the cent)
    assert (result.available_operators, result.price_cents, result.match_seconds) == \
        (operators, price_cents, match_seconds)


def test_only_verified_available_operators_with_the_skill_count():
    # given
    h.make_operators(count=2)
    h.make_operators(count=1, verified=False)
    h.make_operators(count=1, available=False)
    h.make_operators(count=1, skills=("translation", "research"))
    h.make_operators(count=1, skills=("translation", "legal_review"))

    # when / then
    with unit_of_work(read_only=True) as session:
        assert pricing.available_operators(session, "legal_review") == 3
        assert pricing.available_operators(session, "translation") == 2
        assert pricing.available_operators(session, "captcha_solving") == 0
        assert pricing.operator_count(session) == 4


def test_a_tiny_job_costs_at_least_the_minimum_price():
    # when a one-minute captcha at relaxed urgency with plenty of operators
    h.make_operators(count=3, skills=("captcha_solving",))
    result = estimate(skill="captcha_solving", urgency="30min", duration_seconds=60)

    # then
    assert result.price_cents == pricing.MINIMUM_PRICE_CENTS


def test_long_jobs_scale_with_duration():
    # given
    h.make_operators(count=3)

    # when
    result = estimate(urgency="30min", duration_seconds=24 * 3600)

    # then 24 h x 20.00/h
    assert result.price_cents == 48_000


def test_the_fee_follows_the_buyers_trailing_spend_tier():
    # given
    h.make_operators(count=3)

    # when
    low, mid, high = (estimate(urgency="30min", duration_seconds=3 * 3600, spend_cents=spend)
                      for spend in (0, 500_000, 2_500_001))

    # then 18% below 5,000.00, 15% from 5,000.00, 12% above 25,000.00 (of 60.00)
    assert [quote.fee.fee_cents for quote in (low, mid, high)] == [1080, 900, 720]
    assert all(quote.fee.fee_cents + quote.fee.reward_cents == quote.price_cents for quote in (low, mid, high))


def test_an_unknown_skill_is_refused_with_the_valid_ones():
    with pytest.raises(ValidationFailed, match="legal_review"):
        estimate(skill="astrology")


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (45, "45s"), (119, "119s"), (120, "2min"),
                                               (900, "15min"), (1800, "30min")])
def test_wait_times_read_like_the_seed(seconds, text):
    assert pricing.format_seconds(seconds) == text
