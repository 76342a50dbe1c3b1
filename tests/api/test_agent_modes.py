"""Test and live are two worlds (PRODUCT §4, as in Stripe): a key of one mode meets the other
mode's requests nowhere. Two keys of ONE project (the closest two worlds can be), every agent
route that takes a request id, both directions: `404 not_found` worded exactly as for another
tenant's id, and nothing changes (no ledger row, no event, no timeline line, the row as it was);
then the owning mode's key does the same call successfully, which proves the request was there
to be reached."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from marketplace_app.core import clock
from tests.ledger.helpers import assert_ledger_balanced
from tests.requests import helpers as rh
from tests.support import assert_error
from tests.work import helpers as w

MODES = ("live", "test")
OTHER = {"live": "test", "test": "live"}
PRICE_CENTS = w.PRICE_CENTS


@pytest.fixture
def api():
    return rh.client()


@pytest.fixture
def world() -> w.TwoModes:
    return w.two_modes()


@dataclass(frozen=True, slots=True)
class Call:
    """One agent call about a request: the state it needs and the status the owner gets."""

    state: str
    method: str
    path: str
    body: dict[str, Any] | None
    owner_status: int

    def send(self, api, agent: rh.Agent, request_id: str):
        body = None if self.body is None else {
            name: (request_id if value == "{id}" else value) for name, value in self.body.items()}
        return api.request(self.method, self.path.format(id=request_id), json=body, headers=agent.headers())


CALLS = {
    "get": Call("matching", "GET", "/v1/requests/{id}", None, 200),
    "cancel": Call("matching", "POST", "/v1/requests/{id}/cancel", None, 200),
    "rate": Call("completed", "POST", "/v1/requests/{id}/rate", {"score": 2}, 200),
    "approve": Call("needs_review", "POST", "/v1/requests/{id}/approve", None, 200),
    "reject": Call("needs_review", "POST", "/v1/requests/{id}/reject", {"reason": "Missed clause 4.2"}, 200),
    "dispute": Call("completed", "POST", "/v1/requests/{id}/dispute", {"reason": "Missed clause 4.2"}, 201),
    "hook_check_status": Call("matching", "POST", "/hooks/agent", {"action": "check_status", "request_id": "{id}"},
                              200),
    "hook_cancel_request": Call("matching", "POST", "/hooks/agent",
                                {"action": "cancel_request", "request_id": "{id}"}, 200),
}


@pytest.mark.parametrize("owner", MODES)
@pytest.mark.parametrize("name", CALLS)
def test_the_other_modes_key_gets_not_found_and_changes_nothing(api, world, owner, name):
    # given a request of the `owner` mode, and the project's key of the other mode
    call = CALLS[name]
    request_id = w.request_in(world, owner, call.state)
    row = dict(rh.request_row(request_id))
    before = w.snapshot()
    books = (rh.available_cents(world.keys["live"]), rh.escrow_cents(world.keys["live"]))

    # when the other mode's key calls
    response = call.send(api, world.keys[OTHER[owner]], request_id)

    # then it is not found, in the words another tenant's id gets, and nothing moved
    assert assert_error(response, status=404, code="not_found") == f"Request {request_id} not found"
    w.assert_nothing_changed(before)
    assert dict(rh.request_row(request_id)) == row
    assert (rh.available_cents(world.keys["live"]), rh.escrow_cents(world.keys["live"])) == books
    assert rh.transfers(kind="escrow_void", reference_id=request_id) == 0

    # and the owning mode's key can make the very same call
    owned = call.send(api, world.keys[owner], request_id)
    assert owned.status_code == call.owner_status, owned.text
    assert_ledger_balanced()


@pytest.mark.parametrize("owner", MODES)
def test_the_dispute_of_a_request_is_out_of_reach_of_the_other_mode(api, world, owner):
    # given a rejected result: a disputed request with its dispute
    request_id = w.request_in(world, owner, "needs_review")
    assert CALLS["reject"].send(api, world.keys[owner], request_id).status_code == 200
    before = w.snapshot()

    # when the other mode's key reads it, appeals it and offers to settle it
    stranger = world.keys[OTHER[owner]]
    path = f"/v1/requests/{request_id}/dispute"
    answers = [api.get(path, headers=stranger.headers()),
               api.post(f"{path}/appeal", json={"reason": "Look again"}, headers=stranger.headers()),
               api.post(f"{path}/settlement", json={"refund": "1.00EUR"}, headers=stranger.headers())]

    # then every answer is not found and nothing changed
    for response in answers:
        assert assert_error(response, status=404, code="not_found") == f"Request {request_id} not found"
    w.assert_nothing_changed(before)
    assert api.get(path, headers=world.keys[owner].headers()).status_code == 200


@pytest.mark.parametrize("mode", MODES)
def test_a_key_lists_only_its_own_modes_requests_by_offset_and_by_keyset(api, world, mode):
    # given three requests of each mode in the one project, interleaved in time
    clock.freeze(w.T0)
    made: dict[str, list[str]] = {"live": [], "test": []}
    for _ in range(3):
        for kind in MODES:
            clock.advance(timedelta(seconds=1))
            made[kind].append(w.create(world.keys[kind])["id"])
    newest_first = list(reversed(made[mode]))
    headers = world.keys[mode].headers()

    # when the key lists by offset, and then page by page with the keyset cursor
    by_offset = api.get("/v1/requests", params={"limit": 100, "offset": 0}, headers=headers).json()
    second_offset = api.get("/v1/requests", params={"limit": 2, "offset": 2}, headers=headers).json()
    first = api.get("/v1/requests", params={"limit": 2}, headers=headers).json()
    second = api.get("/v1/requests", params={"limit": 2, "starting_after": first["next_starting_after"]},
                     headers=headers).json()

    # then only its own mode's requests appear, each page continuing where the last ended
    assert [row["request_id"] for row in by_offset["data"]] == newest_first
    assert {row["mode"] for row in by_offset["data"]} == {mode}
    assert [row["request_id"] for row in second_offset["data"]] == newest_first[2:]
    assert [row["request_id"] for row in first["data"]] == newest_first[:2] and first["has_more"]
    assert [row["request_id"] for row in second["data"]] == newest_first[2:] and not second["has_more"]


@pytest.mark.parametrize("owner", MODES)
def test_the_other_modes_request_is_no_keyset_cursor(api, world, owner):
    # given
    request_id = w.create(world.keys[owner])["id"]
    w.create(world.keys[OTHER[owner]])

    # when
    response = api.get("/v1/requests", params={"starting_after": request_id},
                       headers=world.keys[OTHER[owner]].headers())

    # then
    assert assert_error(response, status=404, code="not_found") == f"Request {request_id} not found"


def test_an_idempotency_key_used_in_live_mode_does_not_replay_in_test_mode(api, world):
    # given a live create with an Idempotency-Key
    body = rh.request_body()
    live = api.post("/v1/requests", json=body, headers=world.keys["live"].headers(idempotency_key="order-42"))
    assert live.status_code == 201, live.text

    # when a test key of the same project sends the same key and body
    test = api.post("/v1/requests", json=body, headers=world.keys["test"].headers(idempotency_key="order-42"))

    # then test mode gets its own request; the live answer is not replayed into the test world
    assert test.status_code == 201, test.text
    assert "Idempotent-Replayed" not in test.headers
    assert test.json()["mode"] == "test"
    assert test.json()["request_id"] != live.json()["request_id"]
    # and each mode still replays its own answer
    again = api.post("/v1/requests", json=body, headers=world.keys["live"].headers(idempotency_key="order-42"))
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == live.json()


def test_account_limits_report_only_the_keys_own_mode(api, world):
    # given a live request of 20.00 and a test request of 5.00 today
    rh_agent = world.keys["live"]
    clock.freeze(w.T0)
    w.create(rh_agent)
    w.create(world.keys["test"], max_price="5.00EUR")

    # when
    live = api.get("/v1/account/limits", headers=rh_agent.headers()).json()
    test = api.get("/v1/account/limits", headers=world.keys["test"].headers()).json()

    # then the live key sees live credit and live spend; the test key sees the test world only
    assert live["mode"] == "live"
    assert (live["credits"]["available_cents"], live["credits"]["escrowed_cents"]) == (100_000 - PRICE_CENTS,
                                                                                       PRICE_CENTS)
    assert live["budget"]["daily"]["used_cents"] == PRICE_CENTS
    assert test["mode"] == "test"
    assert (test["credits"]["available_cents"], test["credits"]["escrowed_cents"]) == (0, 0)
    assert test["budget"]["daily"]["used_cents"] == 500
    assert test["budget"]["monthly"]["used_cents"] == 500


def test_the_estimates_fee_tier_counts_only_the_keys_own_modes_spend(api, world):
    # given 6,000 EUR of live spend completed this month (the 15 % tier); test mode has spent nothing
    clock.freeze(w.T0)
    rh.fund(world.keys["live"], cents=600_000)
    ids = rh.seed_matching_requests(world.keys["live"], count=3, price_cents=200_000,
                                    deadline=w.T0 + timedelta(hours=1))
    for request_id in ids:
        rh.complete_by_hand(request_id)
    estimate = {"skill": "legal_review", "urgency": "5min", "duration": "15min"}

    # when
    live = api.post("/v1/estimate", json=estimate, headers=world.keys["live"].headers()).json()
    test = api.post("/v1/estimate", json=estimate, headers=world.keys["test"].headers()).json()

    # then
    assert live["fee_rate_bps"] == 1_500
    assert test["fee_rate_bps"] == 1_800
