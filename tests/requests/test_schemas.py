"""The request input models: durations, prices and every field parsed once, exactly, or refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from marketplace_app.core import clock
from marketplace_app.core.money import MAX_AMOUNT_CENTS, format_money
from marketplace_app.requests.schemas import (
    MAX_DURATION_SECONDS,
    MIN_DURATION_SECONDS,
    EstimateIn,
    RateIn,
    RequestCreate,
    format_duration,
    parse_duration,
    parse_price,
)
from tests.requests.helpers import SEED_BODY, request_body

T0 = datetime(2026, 2, 18, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "seconds"), [
    ("1min", 60), ("15min", 900), ("1h", 3600), ("1h30min", 5400), ("90s", 90), ("24h", 86_400), ("2h5s", 7205),
    ("0h1min", 60), ("1440min", 86_400), ("1min30s", 90), ("60s", 60),
])
def test_durations_parse_to_seconds(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", [
    "", "0min", "59s", "25h", "24h1s", "99999s", "15 min", "15MIN", "1d", "15", "-15min", "1.5h", "٥min", "min",
    "h", "1h1h", "30s1min", "1m", None, 15, b"15min", "15min\n",
])
def test_bad_durations_are_refused(text):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@settings(max_examples=300, deadline=None)
@given(st.integers(MIN_DURATION_SECONDS, MAX_DURATION_SECONDS))
def test_format_duration_round_trips_through_parse(seconds):
    assert parse_duration(format_duration(seconds)) == seconds


@settings(max_examples=500, deadline=None)
@given(st.integers(1, MAX_AMOUNT_CENTS))
def test_every_formatted_price_parses_back_to_the_same_cents(cents):
    # when
    parsed = parse_price(format_money(cents, "EUR"))

    # then exactly, as an int
    assert parsed == cents and type(parsed) is int


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_is_either_an_exact_price_or_refused(text):
    try:
        cents = parse_price(text)
    except ValueError:
        return
    assert type(cents) is int and 0 < cents <= MAX_AMOUNT_CENTS
    assert text.replace(" ", "").removesuffix("EUR").replace(".", "").isdigit()


@pytest.mark.parametrize("value", ["0.00EUR", "-1.00EUR", "1e3EUR", "NaN", "8.00USD", "8,00EUR", 8, None])
def test_bad_prices_are_refused(value):
    with pytest.raises(ValueError, match="max_price"):
        parse_price(value)


def test_the_seed_body_is_valid_and_exposes_seconds_and_cents():
    # when
    body = RequestCreate(**SEED_BODY)

    # then
    assert (body.duration_seconds, body.max_price_cents) == (900, 800)
    assert body.information_policy == "redacted"
    assert body.proof_requirements == [] and body.output_schema is None


def test_optional_extras_are_accepted():
    # given
    clock.freeze(T0)

    # when
    body = RequestCreate(**request_body(
        title="NDA review", location="Madrid", deadline=(T0 + timedelta(hours=2)).isoformat(),
        proof_requirements=["Quote the clause", "Name the statute"],
        output_schema={"type": "object", "properties": {"compliant": {"type": "boolean"}}},
        callback_url="https://93.184.216.34/callback"))

    # then
    assert body.deadline == T0 + timedelta(hours=2)
    assert body.proof_requirements == ["Quote the clause", "Name the statute"]


@pytest.mark.parametrize(("field", "value"), [
    ("deadline", "2026-02-18T11:59:59Z"), ("deadline", "2026-02-18T13:00:00"), ("proof_requirements", [" "]),
    ("deadline", "9999-12-31T23:59:59-23:59"), ("deadline", "2027-02-18T12:00:01Z"), ("output_schema", {"type": 12}),
    ("output_schema", {"$ref": "https://example.com/x.json"}),
    ("proof_requirements", ["x" * 301]), ("output_schema", {"x": "y" * 10_001}), ("callback_url", "mailto:a@b.c"),
    ("context", " "), ("status", "completed"), ("urgency", "10min"), ("information_policy", "secret"),
])
def test_bad_fields_are_refused(field, value):
    # given
    clock.freeze(T0)

    # when / then
    with pytest.raises(ValidationError) as caught:
        RequestCreate(**request_body(**{field: value}))
    assert caught.value.errors()[0]["loc"][0] == field


def test_strings_are_strict():
    # when / then nothing is coerced into a string
    for field in ("skill", "duration", "context", "max_price"):
        with pytest.raises(ValidationError):
            RequestCreate(**request_body(**{field: 800}))


def test_estimate_and_rate_inputs_forbid_extras_and_coercion():
    with pytest.raises(ValidationError):
        EstimateIn(skill="legal_review", urgency="5min", duration="15min", price="1.00EUR")
    with pytest.raises(ValidationError):
        EstimateIn(skill="legal_review", urgency="5min", duration="0min")
    assert RateIn(score=1).score == 1 and RateIn(score=5, comment="x" * 500).comment == "x" * 500
    for bad in ({"score": 0}, {"score": 6}, {"score": "5"}, {"score": 5.0}, {"score": True},
                {"score": 5, "comment": "x" * 501}, {"score": 5, "extra": 1}):
        with pytest.raises(ValidationError):
            RateIn(**bad)
