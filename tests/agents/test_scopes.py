"""Scoped and expiring agent keys (AUTX): every route an agent key may call names the scope it
needs (walked from the route inventory), a key holding neither that scope nor `*` is refused with
403 `forbidden` naming it before anything happens, and an expired key gets 401 saying so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from starlette.websockets import WebSocketDisconnect

from marketplace_app.api.access import ACCESS_KEY, KEY_LEVELS, OWN_ACCOUNT, SCOPE_KEY, SCOPES
from marketplace_app.companies.models import ApiKey, KeyStatus
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from tests.agents.guard_support import make_scoped_agent
from tests.api.test_route_inventory import API, BODY_METHODS, concrete
from tests.requests.helpers import SEED_BODY
from tests.support import api_client, assert_error, row_counts

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
def client():
    """An API client seeing server errors as responses (tests/agents has no shared conftest of its own)."""
    with api_client() as test_client:
        yield test_client


def agent_routes() -> list[tuple[str, str, bool, str | None]]:
    """Every route an agent key may call, as (method, path, is a WebSocket, declared scope), read
    the way tests/api/test_route_inventory.py reads access: from the route, or its endpoint when the
    route has no OpenAPI operation (a WebSocket, the MCP endpoint)."""
    found = []
    for context in iter_route_contexts(API.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            extra = context.openapi_extra or {}
        else:
            extra = getattr(getattr(route, "endpoint", None), "openapi_extra", None) or {}
        if extra.get(ACCESS_KEY) in KEY_LEVELS:
            websocket = isinstance(route, APIWebSocketRoute)
            found += [(method, context.path, websocket, extra.get(SCOPE_KEY))
                      for method in sorted(context.methods or {"GET"})]
    return sorted(found)


AGENT_ROUTES = [(method, path) for method, path, websocket, scope in agent_routes()
                if not websocket and scope != OWN_ACCOUNT]
OWN_ACCOUNT_ROUTES = [(method, path) for method, path, websocket, scope in agent_routes() if scope == OWN_ACCOUNT]
SCOPE_OF = {path: scope for _method, path, _websocket, scope in agent_routes()}


def test_the_walk_finds_the_agent_routes():
    # then
    assert {("POST", "/v1/requests"), ("GET", "/v1/requests"), ("GET", "/v1/requests/{request_id}"),
            ("POST", "/hooks/agent"), ("POST", "/v1/mcp"), ("GET", "/v1/account/limits")} <= set(AGENT_ROUTES)
    assert [path for _method, path, websocket, _scope in agent_routes() if websocket] == ["/v1/ws"]


def test_every_agent_route_declares_a_known_scope():
    # then
    assert {path: scope for path, scope in SCOPE_OF.items() if scope not in SCOPES} == {}


def test_a_key_of_any_scope_reaches_its_agents_own_account():
    # given a key of an active agent that may only do jobs
    agent = make_scoped_agent(scopes=["jobs"], funded_cents=2_000)
    assert {("GET", "/v1/agents/me"), ("POST", "/v1/agents/heartbeat"), ("POST", "/v1/agents/rotate-key"),
            ("GET", "/v1/agents/me/trust-history")} <= set(OWN_ACCOUNT_ROUTES)
    with api_client() as client:
        # when it reads itself and beats
        me = client.get("/v1/agents/me", headers=agent.headers())
        beat = client.post("/v1/agents/heartbeat", headers=agent.headers())
    # then neither is refused for its scope
    assert (me.status_code, beat.status_code) == (200, 200), (me.text, beat.text)


@pytest.mark.parametrize(("method", "path"), AGENT_ROUTES)
def test_every_agent_route_refuses_a_key_without_its_scope(client, method, path):
    # given a key of an active agent that may only do jobs
    agent = make_scoped_agent(scopes=["jobs"], funded_cents=2_000)
    before = row_counts()

    # when
    response = client.request(method, concrete(path), headers=agent.headers(),
                              json={} if method in BODY_METHODS else None)

    # then the refusal names the scope, and nothing changed
    message = assert_error(response, status=403, code="forbidden")
    assert f"'{SCOPE_OF[path]}' scope" in message and "jobs" in message
    assert row_counts() == before


def test_a_key_scoped_to_requests_creates_lists_and_reads_requests(client):
    # given
    agent = make_scoped_agent(scopes=["requests"], funded_cents=2_000)

    # when
    created = client.post("/v1/requests", json=SEED_BODY, headers=agent.headers())
    listed = client.get("/v1/requests", headers=agent.headers())
    read = client.get(f"/v1/requests/{created.json()['request_id']}", headers=agent.headers())

    # then
    assert created.status_code == 201, created.text
    assert [item["request_id"] for item in listed.json()["data"]] == [created.json()["request_id"]]
    assert read.status_code == 200, read.text


@pytest.mark.parametrize("scopes", [["*"], ["jobs", "*"], None])
def test_a_star_key_and_an_unscoped_key_may_call_every_agent_route(client, scopes):
    # given
    agent = make_scoped_agent(scopes=scopes, funded_cents=2_000)

    # when
    created = client.post("/v1/requests", json=SEED_BODY, headers=agent.headers())
    limits = client.get("/v1/account/limits", headers=agent.headers())

    # then
    assert created.status_code == 201, created.text
    assert limits.status_code == 200, limits.text


def test_a_key_with_no_scope_at_all_is_refused(client):
    # given
    agent = make_scoped_agent(scopes=[], funded_cents=2_000)

    # when
    response = client.get("/v1/requests", headers=agent.headers())

    # then
    assert "scopes: none" in assert_error(response, status=403, code="forbidden")


def test_a_stream_refuses_a_key_without_the_requests_scope(client):
    # given
    agent = make_scoped_agent(scopes=["orders"])

    # when
    with client.websocket_connect(f"/v1/ws?token={agent.key}") as websocket:
        error = websocket.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            websocket.receive_json()

    # then
    assert error["error"]["code"] == "forbidden" and "'requests' scope" in error["error"]["message"]
    assert closed.value.code == 4403


def test_an_agent_key_works_until_it_expires_then_gets_401_saying_it_expired(client):
    # given a key that expires in an hour
    clock.freeze(T0)
    agent = make_scoped_agent(scopes=["requests"], expires_at=T0 + timedelta(hours=1))
    assert client.get("/v1/requests", headers=agent.headers()).status_code == 200

    # when the hour has passed
    clock.advance(timedelta(hours=1))
    listed = client.get("/v1/requests", headers=agent.headers())
    read = client.get("/v1/requests/req_0123456789abcdef01234567", headers=agent.headers())

    # then
    for response in (listed, read):
        assert "expired" in assert_error(response, status=401, code="unauthorized")


def test_a_revoked_key_that_also_expired_gets_the_plain_401(client):
    # given an expired key that was revoked before (the revocation is the reason that counts)
    clock.freeze(T0)
    agent = make_scoped_agent(expires_at=T0 + timedelta(minutes=5))
    with unit_of_work() as session:
        session.get_one(ApiKey, agent.key_id).status = KeyStatus.revoked
    clock.advance(timedelta(minutes=10))

    # when
    response = client.get("/v1/requests", headers=agent.headers())

    # then
    assert "expired" not in assert_error(response, status=401, code="unauthorized")
