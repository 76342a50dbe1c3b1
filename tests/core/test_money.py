"""Money parsing, formatting, basis points and splits (RELIABILITY 16; STYLE habit 3).

Every amount either parses exactly to `int` cents or is refused with
`ValidationFailed` (422); nothing ever becomes a float.
"""

from __future__ import annotations

import ast
import itertools
import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, Integer

import marketplace_app.models  # noqa: F401  (registers every table)
from marketplace_app.core.db import metadata
from marketplace_app.core.errors import ValidationFailed
from marketplace_app.core.money import (
    MAX_AMOUNT_CENTS,
    apply_bps,
    display_money,
    format_money,
    parse_money,
    parse_positive_money,
    parse_typed_amount,
    split_largest_remainder,
)
from marketplace_app.settings import PROJECT_ROOT
from tests.core.helpers import exact_shares, hamilton

PROPERTY = settings(derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HOSTILE_STRINGS = [
    "", " ", "EUR", "1e309", "1e309EUR", "1E3EUR", "NaN", "NaNEUR", "nan", "Infinity", "-Infinity", "inf",
    "-0.00", "-0.00EUR", "-8.00EUR", "+8.00EUR", "0.001", "0.001EUR", "8.000EUR", "8,00EUR", "8,00 EUR",
    "1,000.00EUR", "1 000.00EUR", "1_000EUR", "0x10EUR", ".50EUR", "8.EUR", "8.", "08.0.0EUR", "8.00EUR8",
    "٨.٠٠EUR", "٨EUR", "۸.۰۰EUR", "৮.00EUR", "８.００EUR", "８EUR", "8.００EUR", "𝟖.00EUR", "8.00ＥＵＲ",
    str(2**63), f"{2**63}EUR", f"{2**63}.00EUR", str(2**64), f"{2**63 - 1}EUR", "9999999999999EUR",
    "99999999999.99EUR", "1000000000.01EUR",
    " 8.00EUR", "8.00EUR ", "\t8.00EUR", "8.00EUR\t", "8.00EUR\n", "\n8.00EUR", "8.00\nEUR", "8.00\tEUR",
    "8.00  EUR", "8.00\u00a0EUR", "8.00\u2009EUR", "8.00EUR\x00", "\u200b8.00EUR",
    "8.00USD", "8.00 USD", "8.00eur", "8.00Eur", "8.00EURO", "8.00EU", "EUR8.00", "EUR 8.00", "€8.00", "8.00€",
]
NON_STRINGS = [8, 800, 8.0, 8.5, float("nan"), float("inf"), None, True, False, [], ["8.00EUR"],
               {"amount": "8.00EUR"}, b"8.00EUR", Decimal("8.00"), Fraction(8), 8 + 0j]
EXACT = {
    "8.00EUR": 800, "8EUR": 800, "8.5EUR": 850, "8.5 EUR": 850, "8.05EUR": 805, "8.50EUR": 850, "0.1EUR": 10,
    "0.01EUR": 1, "0EUR": 0, "0.00EUR": 0, "000008.00EUR": 800, "8.00 EUR": 800,
    # Without a currency the deployment currency is assumed (the pattern makes it optional).
    "8.00": 800, "8": 800, "0.99": 99,
    "1000000000.00EUR": MAX_AMOUNT_CENTS, "999999999.99EUR": MAX_AMOUNT_CENTS - 1,
}


@pytest.mark.parametrize("text", HOSTILE_STRINGS)
def test_hostile_amount_strings_are_refused_with_a_validation_error(text):
    # Given a hostile amount
    # When it is parsed
    # Then it is refused as a 422, with no other exception type leaking out
    with pytest.raises(ValidationFailed) as refused:
        parse_money(text, currency="EUR")
    assert refused.value.status == 422


@pytest.mark.parametrize("value", NON_STRINGS, ids=repr)
def test_non_strings_are_refused_even_when_numerically_fine(value):
    # Given a number, None, a bool, a list or bytes instead of a string
    # When it is parsed
    # Then it is refused: a float or Decimal is never trusted as money
    with pytest.raises(ValidationFailed):
        parse_money(value, currency="EUR")


@pytest.mark.parametrize(("text", "cents"), EXACT.items())
def test_well_formed_amounts_parse_exactly_to_int_cents(text, cents):
    # Given a well-formed amount
    # When it is parsed
    parsed = parse_money(text, currency="EUR")

    # Then it is exactly these cents, an int, and survives a format/parse round trip
    assert parsed == cents
    assert type(parsed) is int
    assert parse_money(format_money(parsed, "EUR"), currency="EUR") == parsed


def test_round_trip_gives_the_canonical_form():
    # Given loose but valid spellings
    # When each is parsed and formatted again
    # Then the wire form is canonical
    assert format_money(parse_money("8EUR", currency="EUR"), "EUR") == "8.00EUR"
    assert format_money(parse_money("8.5 EUR", currency="EUR"), "EUR") == "8.50EUR"
    assert format_money(parse_money("0008.05", currency="EUR"), "EUR") == "8.05EUR"


def test_the_deployment_currency_decides_what_is_accepted():
    # Given a USD deployment
    # When USD and EUR amounts arrive
    # Then only USD is accepted
    assert parse_money("8.00USD", currency="USD") == 800
    with pytest.raises(ValidationFailed):
        parse_money("8.00EUR", currency="USD")


def test_parse_positive_money_refuses_zero_but_not_one_cent():
    # Given zero and one cent
    # When parsed as a positive amount
    # Then zero is refused and one cent is one cent
    for zero in ("0EUR", "0.00EUR", "0.0"):
        with pytest.raises(ValidationFailed):
            parse_positive_money(zero, currency="EUR")
    assert parse_positive_money("0.01EUR", currency="EUR") == 1


def test_error_messages_name_the_field_and_truncate_the_input():
    # Given a long hostile value
    # When parsed for a named field
    with pytest.raises(ValidationFailed) as refused:
        parse_money("x" * 10_000, currency="EUR", field="max_price")

    # Then the message names the field and does not echo all of it
    assert "max_price" in refused.value.message
    assert len(refused.value.message) < 200


@PROPERTY
@given(cents=st.integers(min_value=0, max_value=MAX_AMOUNT_CENTS))
def test_format_then_parse_is_the_identity_up_to_the_maximum(cents):
    assert parse_money(format_money(cents, "EUR"), currency="EUR") == cents


@PROPERTY
@given(cents=st.integers(min_value=MAX_AMOUNT_CENTS + 1, max_value=10**15))
def test_amounts_above_the_maximum_are_refused(cents):
    with pytest.raises(ValidationFailed):
        parse_money(format_money(cents, "EUR"), currency="EUR")


@PROPERTY
@given(text=st.one_of(
    st.text(max_size=30),
    st.from_regex(r"[-+ ]?[0-9٠-٩０-９]{0,14}([.,][0-9]{0,4})?[ \t]?(EUR|eur|USD|€)?\s?", fullmatch=True),
))
def test_any_text_parses_exactly_or_is_refused(text):
    # Given any text at all
    try:
        cents = parse_money(text, currency="EUR")
    except ValidationFailed:
        return
    # Then a parsed value is an exact in-range int that matches the decimal reading of the text
    assert type(cents) is int
    assert 0 <= cents <= MAX_AMOUNT_CENTS
    assert text.isascii()
    number = text.removesuffix("EUR").strip()
    assert Decimal(number) * 100 == cents


def test_format_and_display():
    # Given some amounts
    # When formatted
    # Then the wire and display forms are exact
    assert format_money(0, "EUR") == "0.00EUR"
    assert format_money(5, "EUR") == "0.05EUR"
    assert format_money(123_456, "EUR") == "1234.56EUR"
    assert format_money(-5, "EUR") == "-0.05EUR"
    assert display_money(350, "EUR") == "3.50 EUR"


@pytest.mark.parametrize(("amount", "rate", "expected"), [
    (25, 1800, 5),        # 4.5 rounds half up
    (1, 5000, 1),         # 0.5 rounds half up
    (1, 4999, 0),         # 0.4999 rounds down
    (3, 5000, 2),         # 1.5 rounds half up
    (1_125, 1800, 203),   # 202.5
    (1_124, 1800, 202),   # 202.32
    (10_010, 1500, 1502),  # 1501.5
    (0, 1800, 0),
    (999, 0, 0),
    (MAX_AMOUNT_CENTS, 10_000, MAX_AMOUNT_CENTS),
])
def test_apply_bps_rounds_half_up_to_the_cent(amount, rate, expected):
    assert apply_bps(amount, rate) == expected


@PROPERTY
@given(amount=st.integers(min_value=0, max_value=MAX_AMOUNT_CENTS), rate=st.integers(min_value=0, max_value=10_000))
def test_apply_bps_matches_decimal_round_half_up(amount, rate):
    exact = Decimal(amount) * Decimal(rate) / Decimal(10_000)
    result = apply_bps(amount, rate)
    assert type(result) is int
    assert result == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize(("amount", "rate"), [(-1, 100), (100, -1)])
def test_apply_bps_refuses_negative_inputs(amount, rate):
    with pytest.raises(ValueError):
        apply_bps(amount, rate)


@pytest.mark.parametrize(("total", "weights", "parts"), [
    (100, [1, 1, 1], [34, 33, 33]),
    (1, [1, 1, 1], [1, 0, 0]),       # ties: earlier parts win
    (2, [1, 1, 1], [1, 1, 0]),
    (10, [0, 1], [0, 10]),
    (0, [5, 5], [0, 0]),
    (101, [50, 50], [51, 50]),
    (7, [1, 2, 4], [1, 2, 4]),
    (10, [1, 2], [3, 7]),            # 3.33 / 6.67: the larger remainder takes the cent
    (333, [600, 200], [250, 83]),    # 2.4975 / 0.8325: a dispute refund from reward and fee
])
def test_split_examples(total, weights, parts):
    assert split_largest_remainder(total, weights) == parts


@PROPERTY
@given(total=st.integers(min_value=0, max_value=MAX_AMOUNT_CENTS),
       weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20)
       .filter(lambda ws: sum(ws) > 0))
def test_split_sums_to_the_total_and_each_part_is_within_a_cent_of_its_share(total, weights):
    parts = split_largest_remainder(total, weights)
    weight_sum = sum(weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert type(part) is int
        # |part - total * weight / weight_sum| < 1, in exact integers
        assert abs(part * weight_sum - total * weight) < weight_sum
        if weight == 0:
            assert part == 0


# Small weights make equal remainders (ties) common; large ones make every remainder distinct.
SPLIT_WEIGHTS = st.lists(st.one_of(st.integers(min_value=0, max_value=4), st.integers(min_value=0, max_value=10**9)),
                         min_size=1, max_size=12).filter(lambda ws: sum(ws) > 0)


@settings(PROPERTY, max_examples=3_000)
@given(total=st.one_of(st.integers(min_value=0, max_value=1_000), st.integers(min_value=0, max_value=MAX_AMOUNT_CENTS)),
       weights=SPLIT_WEIGHTS)
def test_split_is_the_largest_remainder_result_of_the_exact_fraction_oracle(total, weights):
    # when
    parts = split_largest_remainder(total, weights)

    # then it is Hamilton's apportionment, whole, never negative, each within a cent of its exact share
    assert parts == hamilton(total, weights)
    assert sum(parts) == total
    exact = exact_shares(total, weights)
    assert all(part >= 0 and abs(part - share) < 1 for part, share in zip(parts, exact, strict=True))
    # and of two parts with equal remainders, the later one never has a cent the earlier one lacks
    bumped = [part > math.floor(share) for part, share in zip(parts, exact, strict=True)]
    for first, second in itertools.combinations(range(len(parts)), 2):
        if exact[first] - math.floor(exact[first]) == exact[second] - math.floor(exact[second]) and bumped[second]:
            assert bumped[first], (first, second, parts)


@pytest.mark.parametrize(("total", "weights"), [(-1, [1]), (10, []), (10, [0, 0]), (10, [2, -1])])
def test_split_refuses_bad_input(total, weights):
    with pytest.raises(ValueError):
        split_largest_remainder(total, weights)


MONEY_SOURCES = ["marketplace_app/core/money.py", "marketplace_app/fees.py", "marketplace_app/ledger"]


def _money_modules() -> list[Path]:
    files: list[Path] = []
    for source in MONEY_SOURCES:
        path = PROJECT_ROOT / source
        files.extend(sorted(path.glob("*.py")) if path.is_dir() else [path])
    return files


@pytest.mark.parametrize("path", _money_modules(), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_money_code_never_uses_floats(path):
    # Given a money module's syntax tree
    tree = ast.parse(path.read_text(), filename=str(path))

    # When it is searched for float literals, float() and true division
    floats = [node.lineno for node in ast.walk(tree) if (
        (isinstance(node, ast.Constant) and isinstance(node.value, float))
        or (isinstance(node, ast.Name) and node.id == "float")
        or (isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.Div)))]

    # Then there are none
    assert floats == [], f"{path.name}: float arithmetic on lines {floats}"


def test_every_money_column_is_an_integer():
    # Given every table in the schema
    money_columns = [column for table in metadata.sorted_tables for column in table.columns
                     if column.name.endswith(("_cents", "_bps"))]

    # When their types are read
    not_integers = [f"{column.table.name}.{column.name}" for column in money_columns
                    if not isinstance(column.type, Integer | BigInteger)]

    # Then all of them are integers
    assert money_columns
    assert not_integers == []


@pytest.mark.parametrize(("text", "cents"), [
    ("25", 2500), ("25.5", 2550), ("25.50", 2550), ("€25", 2500), ("€ 25.50", 2550), ("25 €", 2500),
    ("25,50", 2550), ("1,000.50", 100_050), ("25 EUR", 2500), ("25EUR", 2500), ("  7.05 ", 705), ("0.01", 1),
])
def test_an_amount_a_person_types_parses_to_cents(text, cents):
    assert parse_typed_amount(text, currency="EUR") == cents


@pytest.mark.parametrize("text", ["abc", "", "   ", "25.505", "-5", "$25", "25 USD", "1e3", "12,34,56", "2 5",
                                  "25.", ".5", None, 25])
def test_anything_else_is_refused_saying_how_to_type_an_amount(text):
    with pytest.raises(ValidationFailed) as refused:
        parse_typed_amount(text, currency="EUR")
    assert refused.value.message == "Enter an amount in euros, for example 25 or 25.50."


def test_zero_and_too_much_are_refused_in_plain_words():
    with pytest.raises(ValidationFailed, match=r"^Enter an amount above zero, for example 25 or 25\.50\.$"):
        parse_typed_amount("0.00", currency="EUR")
    with pytest.raises(ValidationFailed, match=r"^Enter at most 1000000000\.00 EUR\.$"):
        parse_typed_amount("1000000000.01", currency="EUR")


def test_the_currency_named_is_the_deployments():
    assert parse_typed_amount("$25", currency="USD") == 2500
    with pytest.raises(ValidationFailed, match=r"^Enter an amount in US dollars, for example 25 or 25\.50\.$"):
        parse_typed_amount("€25", currency="USD")
