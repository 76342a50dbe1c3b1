"""How numbers from settings are worded for people."""

from __future__ import annotations

import pytest

from marketplace_app.core import wording


@pytest.mark.parametrize(("count", "text"), [(1, "1 hour"), (48, "48 hours"), (0, "0 hours")])
def test_hours(count: int, text: str) -> None:
    assert wording.hours(count) == text


def test_days_and_business_days() -> None:
    assert (wording.days(7), wording.days(1), wording.business_days(5)) == ("7 days", "1 day", "5 business days")


@pytest.mark.parametrize(("seconds", "text"), [(300, "5 min"), (1800, "30 min"), (7200, "2 h"), (90, "90 s"),
                                               (3660, "61 min")])
def test_delay_uses_its_largest_whole_unit(seconds: int, text: str) -> None:
    assert wording.delay(seconds) == text


def test_money_is_in_the_deployment_currency() -> None:
    assert wording.money(500) == "5.00 EUR"


@pytest.mark.parametrize(("count", "text"), [(3, "Three"), (10, "Ten"), (12, "12")])
def test_number_word(count: int, text: str) -> None:
    assert wording.number_word(count) == text
