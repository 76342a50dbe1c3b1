"""The MCP tools accept an agent's key (scoped `requests` or `*`) as well as a project key, over
`/v1/mcp` and over stdio; a key without the `requests` scope and a frozen agent's key are refused
at the door with the REST refusal (stdio: as tool errors), and nothing is created."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from marketplace_app.agents.models import Agent, AgentStatus
from marketplace_app.core.db import unit_of_work
from tests.agents.guard_support import make_scoped_agent
from tests.ledger.helpers import assert_ledger_balanced
from tests.mcp.helpers import error_of, over_http, over_stdio, payload, run
from tests.requests.helpers import SEED_BODY, count_requests, escrow_cents
from tests.support import assert_error

PRICE_CENTS = 800
INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                         "clientInfo": {"name": "test", "version": "1"}}}
ACCEPT = {"Accept": "application/json, text/event-stream"}


async def create_and_check(client):
    created = payload(await client.call_tool("create_request", {"request": SEED_BODY}))
    status = payload(await client.call_tool("check_status", {"request_id": created["request_id"]}))
    listed = payload(await client.call_tool("list_requests", {}))
    return created, status, listed


@pytest.mark.parametrize("scopes", [["requests"], ["*"]])
def test_an_agent_key_drives_the_tools_over_http(live_api, scopes):
    # given an active agent with 20.00 EUR
    agent = make_scoped_agent(scopes=scopes, funded_cents=2_000)

    # when
    created, status, listed = run(create_and_check, over_http(live_api, agent.key))

    # then
    assert (created["status"], status["request_id"]) == ("matching", created["request_id"])
    assert [item["request_id"] for item in listed["data"]] == [created["request_id"]]
    assert escrow_cents(agent) == PRICE_CENTS
    assert_ledger_balanced()


def test_the_stdio_server_accepts_an_agent_key(live_api):
    # given
    agent = make_scoped_agent(scopes=["requests"], funded_cents=2_000)

    # when
    created, status, _listed = run(create_and_check, over_stdio(live_api, agent.key))

    # then
    assert status["status"] == "matching" and status["request_id"] == created["request_id"]
    assert escrow_cents(agent) == PRICE_CENTS


def freeze(agent_id: str) -> None:
    with unit_of_work() as session:
        session.execute(update(Agent).where(Agent.id == agent_id).values(status=AgentStatus.frozen))


def test_the_endpoint_refuses_a_key_without_the_requests_scope_and_a_frozen_agents_key(live_api):
    # given
    jobs_only = make_scoped_agent(scopes=["jobs"], funded_cents=2_000)
    frozen = make_scoped_agent(scopes=["requests"], funded_cents=2_000)
    freeze(frozen.agent_id)

    # when
    unscoped = httpx.post(f"{live_api}/v1/mcp", json=INITIALIZE, headers={**ACCEPT, **jobs_only.headers()})
    refused = httpx.post(f"{live_api}/v1/mcp", json=INITIALIZE, headers={**ACCEPT, **frozen.headers()})

    # then
    assert "'requests' scope" in assert_error(unscoped, status=403, code="forbidden")
    assert_error(refused, status=403, code="agent_frozen")


def test_the_stdio_server_with_an_unscoped_agent_key_answers_tool_errors_and_creates_nothing(live_api):
    # given
    agent = make_scoped_agent(scopes=["listings"], funded_cents=2_000)

    # when
    async def session(client):
        return await client.call_tool("create_request", {"request": SEED_BODY})

    result = run(session, over_stdio(live_api, agent.key))

    # then
    error = error_of(result)
    assert error["code"] == "forbidden" and "'requests' scope" in error["message"]
    assert count_requests() == 0
