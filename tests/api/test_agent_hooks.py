"""`POST /hooks/agent`: create_request / check_status / cancel_request with the same fields,
auth, errors and money rules as the REST calls."""

from __future__ import annotations

import pytest

from tests.ledger.helpers import assert_ledger_balanced
from tests.requests import helpers as h
from tests.support import assert_error

HOOK = "/hooks/agent"


@pytest.fixture
def api():
    return h.client()


@pytest.fixture
def agent():
    return h.make_agent(funded_cents=2_000)


def hook(api, agent, action, **fields):
    return api.post(HOOK, json={"action": action, **fields}, headers=agent.headers())


def test_create_check_and_cancel_through_the_hook(api, agent):
    # when
    created = hook(api, agent, "create_request", **h.SEED_BODY)
    request_id = created.json()["request_id"]
    status = hook(api, agent, "check_status", request_id=request_id)
    cancelled = hook(api, agent, "cancel_request", request_id=request_id)

    # then each answers like its REST twin
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "matching"
    assert status.status_code == 200
    assert (status.json()["request_id"], status.json()["status"]) == (request_id, "matching")
    assert "timeline" in status.json()
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert (h.available_cents(agent), h.escrow_cents(agent)) == (2_000, 0)
    assert h.transfers(kind="escrow_void") == 1
    assert_ledger_balanced()


def test_hook_errors_use_the_rest_codes(api):
    # given a wallet of 3.50
    poor = h.make_agent(funded_cents=350)

    # when
    response = hook(api, poor, "create_request", **h.SEED_BODY)

    # then
    assert assert_error(response, status=402, code="insufficient_credits") == \
        "Not enough credits. Current balance: 3.50 EUR"


@pytest.mark.parametrize("payload", [
    {}, {"action": "delete_everything"}, {"action": None}, {"action": ["create_request"]},
    {"action": "check_status"}, {"action": "check_status", "request_id": 5},
    {"action": "check_status", "request_id": "req_x", "extra": 1},
    {"action": "create_request"}, {**h.SEED_BODY, "action": "create_request", "status": "completed"},
    {**h.SEED_BODY, "action": "create_request", "max_price": "1e309"},
    {**h.SEED_BODY, "action": "create_request", "company_id": "com_x"},
])
def test_bad_hook_payloads_are_422_and_write_nothing(api, agent, payload):
    # given
    before = h.business_counts()

    # when
    response = api.post(HOOK, json=payload, headers=agent.headers())

    # then
    assert_error(response, status=422, code="validation_error")
    assert h.business_counts() == before


@pytest.mark.parametrize("body", [[], "create_request", 1, None])
def test_a_hook_body_that_is_not_an_object_is_422(api, agent, body):
    # when / then
    assert_error(api.post(HOOK, json=body, headers=agent.headers()), status=422, code="validation_error")


def test_the_hook_needs_a_key(api):
    # when / then
    assert_error(api.post(HOOK, json={"action": "check_status", "request_id": "req_x"}), status=401,
                 code="unauthorized")


def test_the_hook_carries_rate_limit_headers(api, agent):
    # when
    response = hook(api, agent, "check_status", request_id="req_000000000000000000000000")

    # then
    assert_error(response, status=404, code="not_found")
    assert response.headers["x-ratelimit-limit"] == "1000"


def test_the_hook_honours_idempotency_key_on_create(api, agent):
    # given an agent framework that retries its hook call with the same key
    headers = agent.headers(Idempotency_Key="hook-create-1")

    # when
    first = api.post(HOOK, json={"action": "create_request", **h.SEED_BODY}, headers=headers)
    retry = api.post(HOOK, json={"action": "create_request", **h.SEED_BODY}, headers=headers)

    # then one request is created and escrowed, as on POST /v1/requests
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.content == first.content
    assert h.count_requests() == 1
    assert h.escrow_cents(agent) == 800
