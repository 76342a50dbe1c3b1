"""Project policy on create (PRODUCT §4): allowed skills, the per-request cap, daily and monthly
budgets that refunds free again, a budget that holds under concurrency, and what
`/v1/account/limits` and `/v1/account/policy` report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.requests import expiry
from tests.ledger.helpers import assert_ledger_balanced
from tests.requests import helpers as h
from tests.support import assert_error

REQUESTS = "/v1/requests"
T0 = datetime(2026, 2, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def api():
    return h.client()


def create(api, agent, price="5.00EUR", **overrides):
    return api.post(REQUESTS, json=h.request_body(max_price=price, **overrides), headers=agent.headers())


def test_a_skill_outside_the_projects_list_is_skill_not_allowed(api):
    # given
    agent = h.make_agent(funded_cents=5_000, allowed_skills=["translation", "research"])
    before = h.business_counts()

    # when
    refused = create(api, agent)
    allowed = create(api, agent, skill="research")

    # then
    message = assert_error(refused, status=400, code="skill_not_allowed")
    assert "legal_review" in message and "translation" in message
    assert allowed.status_code == 201
    assert h.business_counts()["request"] == before["request"] + 1


@pytest.mark.parametrize(("project_policy", "weaker"), [("sandboxed", "redacted"), ("sandboxed", "open"),
                                                       ("redacted", "open")])
def test_a_request_cannot_show_operators_more_than_its_projects_policy(api, project_policy, weaker):
    # given a project whose company chose to hide more
    agent = h.make_agent(funded_cents=5_000, information_policy=project_policy)
    before = h.business_counts()

    # when an agent asks for a weaker policy, then for the project's own and a stricter one
    refused = create(api, agent, information_policy=weaker)
    same = create(api, agent, information_policy=project_policy)
    stricter = create(api, agent, information_policy="sandboxed")

    # then the weaker one is refused and changes nothing; the others stand as asked
    message = assert_error(refused, status=422, code="validation_error")
    assert weaker in message and project_policy in message
    assert (same.status_code, stricter.status_code) == (201, 201)
    assert [same.json()["information_policy"], stricter.json()["information_policy"]] == [project_policy,
                                                                                          "sandboxed"]
    assert h.business_counts()["request"] == before["request"] + 2


def test_an_empty_allowed_list_allows_every_catalogue_skill(api):
    # given
    agent = h.make_agent(funded_cents=5_000)

    # when / then
    for skill in ("legal_review", "captcha_solving", "photo_verification"):
        assert create(api, agent, price="1.00EUR", skill=skill).status_code == 201


def test_a_price_above_the_per_request_cap_is_limit_exceeded(api):
    # given
    agent = h.make_agent(funded_cents=5_000, max_per_request_cents=800)

    # when
    at_cap = create(api, agent, price="8.00EUR")
    above = create(api, agent, price="8.01EUR")

    # then
    assert at_cap.status_code == 201
    assert "8.01 EUR" in assert_error(above, status=400, code="limit_exceeded")
    assert h.escrow_cents(agent) == 800


def test_the_daily_budget_refuses_what_does_not_fit_and_refunds_free_it(api):
    # given a daily budget of 10.00 already used by two requests of 5.00
    clock.freeze(T0)
    agent = h.make_agent(funded_cents=5_000, daily_budget_cents=1_000)
    first = h.created(create(api, agent, urgency="1min"))
    second = h.created(create(api, agent))

    # when a third is asked for
    refused = create(api, agent)

    # then it is refused with the numbers, and nothing is held for it
    message = assert_error(refused, status=400, code="limit_exceeded")
    assert message == "Daily budget exceeded: 10.00 EUR of 10.00 EUR used today, this request needs 5.00 EUR"
    assert h.escrow_cents(agent) == 1_000

    # when one is cancelled, the budget is free for one more
    assert api.post(f"{REQUESTS}/{second}/cancel", headers=agent.headers()).status_code == 200
    assert create(api, agent).status_code == 201
    assert create(api, agent).status_code == 400

    # when the other expires, it frees its share too
    clock.advance(timedelta(seconds=91))
    with unit_of_work() as session:
        assert expiry.expire_unmatched(session) == 1
    assert h.statuses([first]) == {first: "expired"}
    assert create(api, agent).status_code == 201
    assert_ledger_balanced()


def test_the_daily_budget_starts_again_the_next_utc_day(api):
    # given a full daily budget
    clock.freeze(T0)
    agent = h.make_agent(funded_cents=5_000, daily_budget_cents=500)
    h.created(create(api, agent))
    assert create(api, agent).status_code == 400

    # when the UTC day turns
    clock.freeze(datetime(2026, 2, 28, 0, 0, tzinfo=UTC))

    # then
    assert create(api, agent).status_code == 201


def test_the_monthly_budget_holds_across_days_and_starts_again_next_month(api):
    # given a monthly budget of 12.00 and a request of 5.00 on two days
    clock.freeze(T0)
    agent = h.make_agent(funded_cents=5_000, monthly_budget_cents=1_200)
    h.created(create(api, agent))
    clock.advance(timedelta(days=1))
    h.created(create(api, agent))

    # when a third 5.00 is asked for in the same month
    refused = create(api, agent)

    # then
    assert "Monthly budget exceeded" in assert_error(refused, status=400, code="limit_exceeded")

    # when the month turns
    clock.freeze(datetime(2026, 3, 1, 0, 0, 1, tzinfo=UTC))

    # then
    assert create(api, agent).status_code == 201


def test_limit_checks_come_before_money_checks(api):
    # given an empty wallet and a per-request cap
    agent = h.make_agent(max_per_request_cents=100)

    # when / then the policy refusal is reported, not the balance
    assert_error(create(api, agent), status=400, code="limit_exceeded")


BUDGET_RACE_CONTENDERS = 20


def _budget_race(agent, result):
    assert result.codes() == {(201, None): 5, (400, "limit_exceeded"): BUDGET_RACE_CONTENDERS - 5}, result.codes()
    assert h.count_requests() == 5
    assert h.escrow_cents(agent) == 500
    assert_ledger_balanced()


def test_20_concurrent_creates_against_a_daily_budget_that_fits_5_let_exactly_5_through():
    # given a daily budget of 5.00 and plenty of credit
    agent = h.make_agent(funded_cents=10_000, daily_budget_cents=500)

    # when 20 creates of 1.00 arrive together (real concurrency on PostgreSQL)
    result = h.burst([("POST", REQUESTS, agent.headers(), h.request_body(max_price="1.00EUR"))]
                     * BUDGET_RACE_CONTENDERS)

    # then
    _budget_race(agent, result)


def test_the_daily_budget_holds_against_creates_from_several_processes(database):
    # given
    agent = h.make_agent(funded_cents=10_000, daily_budget_cents=500)

    # when
    result = h.burst_from_processes(database, [("POST", REQUESTS, agent.headers(),
                                                h.request_body(max_price="1.00EUR"))] * BUDGET_RACE_CONTENDERS,
                                    processes=2)

    # then
    _budget_race(agent, result)


# What the agent can read about its limits and policy


def test_account_limits_report_credits_budgets_and_rate(api):
    # given
    clock.freeze(T0)
    agent = h.make_agent(funded_cents=5_000, daily_budget_cents=2_000, monthly_budget_cents=10_000,
                         max_per_request_cents=1_000, rate_limit_per_hour=50)
    h.created(create(api, agent, price="8.00EUR"))

    # when
    body = api.get("/v1/account/limits", headers=agent.headers()).json()

    # then
    assert body["mode"] == "live"
    assert body["credits"] == {"available": "42.00EUR", "available_cents": 4_200, "escrowed": "8.00EUR",
                               "escrowed_cents": 800}
    assert body["budget"]["daily"] == {"cap": "20.00EUR", "cap_cents": 2_000, "used": "8.00EUR", "used_cents": 800,
                                       "remaining": "12.00EUR", "remaining_cents": 1_200}
    assert body["budget"]["monthly"]["remaining_cents"] == 9_200
    assert (body["budget"]["max_per_request"], body["budget"]["max_per_request_cents"]) == ("10.00EUR", 1_000)
    assert body["rate_limit"] == {"limit": 50, "remaining": 48, "window": "1h", "reset_at": "2026-02-27T13:00:00Z"}


def test_account_limits_without_caps_say_so(api):
    # given
    agent = h.make_agent()

    # when
    body = api.get("/v1/account/limits", headers=agent.headers()).json()

    # then
    assert body["budget"]["daily"]["cap"] is None and body["budget"]["daily"]["remaining"] is None
    assert body["budget"]["max_per_request"] is None
    assert body["credits"]["available_cents"] == 0


def test_account_policy_shows_the_projects_rules(api):
    # given
    agent = h.make_agent(information_policy="sandboxed", allowed_skills=["translation"],
                         redaction_terms=["Project Falcon"])

    # when
    body = api.get("/v1/account/policy", headers=agent.headers()).json()

    # then
    assert body["information_policy"] == "sandboxed"
    assert (body["allowed_skills"], body["all_skills_allowed"]) == (["translation"], False)
    assert body["redaction"]["terms"] == ["Project Falcon"]
    assert "email" in body["redaction"]["masks"]
    assert set(body["policies"]) == {"open", "redacted", "sandboxed"}


def test_account_policy_without_a_list_names_every_catalogue_skill(api):
    # given
    agent = h.make_agent()

    # when
    body = api.get("/v1/account/policy", headers=agent.headers()).json()

    # then
    assert body["all_skills_allowed"] is True
    assert {"legal_review", "translation", "research", "captcha_solving"} <= set(body["allowed_skills"])
