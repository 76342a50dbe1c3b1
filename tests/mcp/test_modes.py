"""The MCP tools keep test and live apart exactly as REST does (each tool is one REST call with
the caller's key): a `pk_test_` key's `check_status`, `cancel_request` and `list_requests` never
reach a live request, nor a live key a test one; the owning mode's key still can."""

from __future__ import annotations

import pytest

from marketplace_app.companies.models import KeyMode
from tests.ledger.helpers import assert_ledger_balanced, journal_counts
from tests.mcp.helpers import error_of, over_http, payload, run
from tests.requests import helpers as rh

PRICE_CENTS = 800
OTHER = {"live": "test", "test": "live"}


@pytest.mark.parametrize("owner", ["live", "test"])
def test_the_other_modes_key_cannot_see_list_or_cancel_a_request_through_mcp(live_api, owner):
    # given one project with a live and a test key, and a request of the `owner` mode
    live = rh.make_agent(funded_cents=2_000)
    keys = {"live": live, "test": rh.add_key(live, mode=KeyMode.test)}
    request_id = rh.created(rh.client().post("/v1/requests", json=rh.SEED_BODY, headers=keys[owner].headers()))
    stranger = keys[OTHER[owner]]
    before = (journal_counts(), rh.available_cents(live), rh.escrow_cents(live), rh.request_row(request_id))

    # when the other mode's key uses the three tools on it
    async def session(client):
        status = await client.call_tool("check_status", {"request_id": request_id})
        cancel = await client.call_tool("cancel_request", {"request_id": request_id})
        listed = payload(await client.call_tool("list_requests", {}))
        cursor = await client.call_tool("list_requests", {"starting_after": request_id})
        return status, cancel, listed, cursor

    status, cancel, listed, cursor = run(session, over_http(live_api, stranger.key))

    # then each is the REST 404, the list leaves it out, and nothing moved
    missing = {"code": "not_found", "message": f"Request {request_id} not found"}
    assert error_of(status) == missing
    assert error_of(cancel) == missing
    assert error_of(cursor) == missing
    assert listed["data"] == []
    assert (journal_counts(), rh.available_cents(live), rh.escrow_cents(live),
            rh.request_row(request_id)) == before
    assert rh.event_types(request_id) == ["request.matching"]

    # and the owner's key sees, lists and cancels it (a live cancel refunds the escrow)
    async def owned(client):
        seen = payload(await client.call_tool("check_status", {"request_id": request_id}))
        mine = payload(await client.call_tool("list_requests", {}))
        return seen, mine, payload(await client.call_tool("cancel_request", {"request_id": request_id}))

    seen, mine, cancelled = run(owned, over_http(live_api, keys[owner].key))
    assert seen["mode"] == owner
    assert [row["request_id"] for row in mine["data"]] == [request_id]
    assert cancelled["refunded_cents"] == (PRICE_CENTS if owner == "live" else 0)
    assert (rh.available_cents(live), rh.escrow_cents(live)) == (2_000, 0)
    assert_ledger_balanced()
