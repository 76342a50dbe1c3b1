"""Hourly rate limits per key (RELIABILITY 26, smaller): `429 rate_limited` with `Retry-After`,
`X-RateLimit-Limit/Remaining/Reset` on every authenticated answer, fixed windows that reset
on the hour, and limiter state shared by threads and (through Redis) processes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace_app.core import clock
from tests.requests import helpers as h
from tests.support import assert_error

REQUESTS = "/v1/requests"
LIMITS = "/v1/account/limits"
T0 = datetime(2026, 2, 18, 10, 59, 30, tzinfo=UTC)
NEXT_HOUR = datetime(2026, 2, 18, 11, 0, tzinfo=UTC)


@pytest.fixture
def api():
    return h.client()


@pytest.fixture
def agent():
    return h.make_agent(funded_cents=10_000, rate_limit_per_hour=5)


def rate_headers(response):
    return {name: response.headers.get(name) for name in
            ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")}


def test_the_sixth_call_in_an_hour_is_429_with_retry_after_and_rate_headers(api, agent):
    # given
    clock.freeze(T0)
    reset = str(int(NEXT_HOUR.timestamp()))

    # when
    allowed = [api.get(REQUESTS, headers=agent.headers()) for _ in range(5)]
    refused = api.get(REQUESTS, headers=agent.headers())

    # then
    assert [response.status_code for response in allowed] == [200] * 5
    assert [rate_headers(response) for response in allowed] == [
        {"x-ratelimit-limit": "5", "x-ratelimit-remaining": str(left), "x-ratelimit-reset": reset}
        for left in (4, 3, 2, 1, 0)]
    message = assert_error(refused, status=429, code="rate_limited")
    assert "5" in message
    assert refused.headers["retry-after"] == "31"
    assert rate_headers(refused) == {"x-ratelimit-limit": "5", "x-ratelimit-remaining": "0",
                                     "x-ratelimit-reset": reset}


def test_a_rate_limited_create_writes_nothing(api, agent):
    # given a key at its limit
    for _ in range(5):
        assert api.get(REQUESTS, headers=agent.headers()).status_code == 200
    before = h.business_counts()

    # when
    response = api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers())

    # then
    assert_error(response, status=429, code="rate_limited")
    assert h.business_counts() == before
    assert h.escrow_cents(agent) == 0


def test_rate_headers_are_on_error_answers_too(api):
    # given a wallet too small for the seed's price
    poor = h.make_agent(funded_cents=100, rate_limit_per_hour=5)

    # when
    answers = [
        api.get(f"{REQUESTS}/req_000000000000000000000000", headers=poor.headers()),
        api.post(REQUESTS, json=h.request_body(max_price="free"), headers=poor.headers()),
        api.post(REQUESTS, json=h.SEED_BODY, headers=poor.headers()),
        api.post("/v1/estimate", json={"skill": "astrology", "urgency": "5min", "duration": "1h"},
                 headers=poor.headers()),
    ]

    # then every authenticated answer carries the headers, counting down
    assert [response.status_code for response in answers] == [404, 422, 402, 422]
    assert [response.headers["x-ratelimit-remaining"] for response in answers] == ["4", "3", "2", "1"]
    assert all(response.headers["x-ratelimit-limit"] == "5" for response in answers)


def test_an_unauthenticated_answer_has_no_rate_headers(api):
    # when
    response = api.get(REQUESTS, headers={"Authorization": "Bearer pk_live_unknown"})

    # then
    assert_error(response, status=401, code="unauthorized")
    assert rate_headers(response) == dict.fromkeys(("x-ratelimit-limit", "x-ratelimit-remaining",
                                                    "x-ratelimit-reset"))
    assert "retry-after" not in response.headers


def test_the_window_resets_on_the_next_hour(api, agent):
    # given a key refused at 10:59:30
    clock.freeze(T0)
    for _ in range(5):
        api.get(REQUESTS, headers=agent.headers())
    refused = api.get(REQUESTS, headers=agent.headers())
    assert refused.status_code == 429

    # when Retry-After seconds have passed
    clock.advance(timedelta(seconds=int(refused.headers["retry-after"])))
    response = api.get(REQUESTS, headers=agent.headers())

    # then a new window has begun
    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining"] == "4"
    assert response.headers["x-ratelimit-reset"] == str(int((NEXT_HOUR + timedelta(hours=1)).timestamp()))


def test_one_second_before_the_hour_is_still_the_old_window(api, agent):
    # given
    clock.freeze(T0)
    for _ in range(5):
        api.get(REQUESTS, headers=agent.headers())

    # when
    clock.freeze(NEXT_HOUR - timedelta(seconds=1))
    response = api.get(REQUESTS, headers=agent.headers())

    # then
    assert_error(response, status=429, code="rate_limited")
    assert response.headers["retry-after"] == "2"


def test_each_key_has_its_own_counter(api, agent):
    # given one key of the project at its limit
    for _ in range(5):
        api.get(REQUESTS, headers=agent.headers())
    other = h.add_key(agent)

    # when / then
    assert api.get(REQUESTS, headers=agent.headers()).status_code == 429
    assert api.get(REQUESTS, headers=other.headers()).status_code == 200


def test_the_limits_endpoint_reports_the_rate_window(api, agent):
    # given
    clock.freeze(T0)
    api.get(REQUESTS, headers=agent.headers())

    # when
    body = api.get(LIMITS, headers=agent.headers()).json()

    # then the call itself is counted too
    assert body["rate_limit"] == {"limit": 5, "remaining": 3, "window": "1h", "reset_at": "2026-02-18T11:00:00Z"}


KEYS = 10
LIMIT = 5


def _ten_keys_at_twice_their_limit():
    first = h.make_agent(rate_limit_per_hour=LIMIT)
    agents = [first] + [h.add_key(first) for _ in range(KEYS - 1)]
    calls = [("GET", LIMITS, agent.headers(), None) for _ in range(2 * LIMIT) for agent in agents]
    return agents, calls


def _assert_exactly_the_limit_per_key(agents, result):
    for index, agent in enumerate(agents):
        answers = result.statuses[index::KEYS]
        assert answers.count(200) == LIMIT, (agent.key_id, answers)
        assert answers.count(429) == LIMIT, (agent.key_id, answers)
    refused = [headers for headers, status in zip(result.headers, result.statuses, strict=True) if status == 429]
    assert all(0 < int(headers["retry-after"]) <= 3600 for headers in refused)
    assert all(headers["x-ratelimit-remaining"] == "0" and headers["x-ratelimit-limit"] == str(LIMIT)
               for headers in refused)


def test_ten_keys_at_twice_their_limit_across_four_threads_get_exactly_the_limit():
    # given
    agents, calls = _ten_keys_at_twice_their_limit()

    # when 100 calls (10 per key) run on 4 threads
    result = h.burst(calls, workers=4)

    # then
    _assert_exactly_the_limit_per_key(agents, result)


def test_ten_keys_at_twice_their_limit_across_two_processes_share_the_limiter(database, redis_url):
    # given two workers' worth of app processes and one Redis, as a deployment of several workers
    agents, calls = _ten_keys_at_twice_their_limit()

    # when 100 calls run from 2 OS processes at once (one thread per call)
    result = h.burst_from_processes(database, calls, processes=2)

    # then the counter lives in Redis, so the limit holds across workers
    _assert_exactly_the_limit_per_key(agents, result)
