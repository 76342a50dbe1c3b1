"""The one formatter set: every page words money, rates, moments and skills the same way."""

from __future__ import annotations

from datetime import UTC, datetime

from marketplace_app.catalogue import queries as catalogue
from marketplace_app.core.db import unit_of_work
from marketplace_app.ui.state import display


def test_money_groups_thousands_like_a_rate():
    # then
    assert display.money(1_000_000) == "10,000.00 EUR"
    assert display.money(-800) == "-8.00 EUR"
    assert display.signed_money(5_000) == "+50.00 EUR"
    assert display.rate(1_000) == "1,000 / hour"


def test_an_amount_in_the_wire_format_reads_like_money():
    # then
    assert display.wire_money("12345.60EUR") == display.money(1_234_560) == "12,345.60 EUR"
    assert display.wire_money("not money") == "not money"


def test_every_catalogue_skill_reads_as_its_catalogue_title():
    # given
    with unit_of_work(read_only=True) as session:
        titles = catalogue.active_skill_titles(session)

    # then
    assert titles
    assert {row["name"]: display.skill(row["name"]) for row in titles} == {row["name"]: row["title"]
                                                                             for row in titles}


def test_moments_are_to_the_minute_in_utc_said_once():
    # given
    moment = datetime(2026, 5, 1, 14, 3, 59, tzinfo=UTC)

    # then
    assert display.when(moment) == display.when(moment.replace(tzinfo=None)) == "2026-05-01 14:03 UTC"
    assert display.when(None) == display.NEVER
    assert display.every(7_200) == "every 2 h" and display.duration(250) == "4 min 10 s"
