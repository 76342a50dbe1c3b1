"""The MCP server (PRODUCT §7): the six tools through the official `mcp` client, over the
`/v1/mcp` HTTP endpoint of a real loopback server and over stdio; results and errors are the
REST API's own, and money moves exactly as through REST."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from marketplace_app.settings import PROJECT_ROOT
from tests.ledger.helpers import assert_ledger_balanced
from tests.mcp.helpers import error_of, over_http, over_stdio, payload, run
from tests.requests.helpers import SEED_BODY, available_cents, escrow_cents, make_agent
from tests.support import assert_error, row_counts

TOOLS = {"create_request", "check_status", "cancel_request", "estimate_price", "list_requests", "get_account_limits"}
PRICE_CENTS = 800


def test_the_six_tools_are_listed_with_input_schemas(live_api):
    # given
    agent = make_agent()

    # when
    async def session(client):
        return (await client.list_tools()).tools

    tools = {tool.name: tool for tool in run(session, over_http(live_api, agent.key))}

    # then
    assert set(tools) == TOOLS
    create = tools["create_request"].input_schema
    assert create["required"] == ["request"]
    assert set(create["$defs"]["RequestCreate"]["required"]) == {"skill", "urgency", "duration", "context", "max_price"}
    assert tools["check_status"].annotations.read_only_hint is True
    assert tools["cancel_request"].annotations.read_only_hint is False


def test_a_request_goes_estimate_create_status_list_limits_cancel_and_the_money_comes_back(live_api):
    # given a company with 20.00 EUR
    agent = make_agent(funded_cents=2_000)

    # when an agent works through every tool
    async def session(client):
        estimate = payload(await client.call_tool("estimate_price", {"estimate": {
            "skill": "legal_review", "urgency": "5min", "duration": "15min"}}))
        created = payload(await client.call_tool("create_request", {"request": SEED_BODY}))
        held = escrow_cents(agent)
        status = payload(await client.call_tool("check_status", {"request_id": created["request_id"]}))
        listed = payload(await client.call_tool("list_requests", {"status": "matching"}))
        limits = payload(await client.call_tool("get_account_limits", {}))
        cancelled = payload(await client.call_tool("cancel_request", {"request_id": created["request_id"]}))
        return estimate, created, held, status, listed, limits, cancelled

    estimate, created, held, status, listed, limits, cancelled = run(session, over_http(live_api, agent.key))

    # then each answer is the REST body
    assert estimate["estimated_price"].endswith("EUR") and estimate["estimated_price_cents"] > 0, estimate
    assert created["status"] == "matching" and created["max_price"] == "8.00EUR"
    assert held == PRICE_CENTS
    assert status["request_id"] == created["request_id"] and status["status"] == "matching"
    assert [item["request_id"] for item in listed["data"]] == [created["request_id"]]
    assert limits["credits"]["escrowed_cents"] == held
    assert cancelled["status"] == "cancelled"
    # and the escrow came back in full
    assert escrow_cents(agent) == 0
    assert available_cents(agent) == 2_000
    assert_ledger_balanced()


def test_refusals_are_tool_errors_carrying_the_rest_envelope_and_change_nothing(live_api):
    # given a company with too little credit, and another company's request
    poor = make_agent(funded_cents=100, company_name="Poor")
    other = make_agent(funded_cents=2_000, company_name="Other")

    async def create_other(client):
        return payload(await client.call_tool("create_request", {"request": SEED_BODY}))

    theirs = run(create_other, over_http(live_api, other.key))["request_id"]
    before = row_counts()

    # when the poor company's agent tries what it may not
    async def session(client):
        return (await client.call_tool("create_request", {"request": SEED_BODY}),
                await client.call_tool("check_status", {"request_id": theirs}),
                await client.call_tool("cancel_request", {"request_id": theirs}),
                await client.call_tool("check_status", {"request_id": "req_../../v1/limits"}),
                await client.call_tool("create_request", {"request": {**SEED_BODY, "max_price": "8EUR"}}))

    short, foreign, foreign_cancel, traversal, bad_price = run(session, over_http(live_api, poor.key))

    # then
    assert error_of(short)["code"] == "insufficient_credits"
    assert error_of(foreign)["code"] == "not_found"
    assert error_of(foreign_cancel)["code"] == "not_found"
    assert error_of(traversal)["code"] == "not_found"
    assert bad_price.is_error
    after = row_counts()
    assert {name: count for name, count in after.items() if count != before[name]
            and name not in ("rate_limit_counter", "api_key")} == {}
    assert escrow_cents(other) > 0 and available_cents(poor) == 100


def test_retries_with_one_idempotency_key_create_one_request(live_api):
    # given
    agent = make_agent(funded_cents=5_000)

    # when the same create is sent three times with one key
    async def session(client):
        return [payload(await client.call_tool("create_request", {"request": SEED_BODY,
                                                                  "idempotency_key": "mcp-retry-1"}))
                for _ in range(3)]

    answers = run(session, over_http(live_api, agent.key))

    # then
    assert len({answer["request_id"] for answer in answers}) == 1
    assert escrow_cents(agent) == PRICE_CENTS


def test_the_endpoint_refuses_missing_invalid_and_session_credentials_before_mcp(live_api):
    # given
    agent = make_agent()
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                  "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                             "clientInfo": {"name": "test", "version": "1"}}}
    accept = {"Accept": "application/json, text/event-stream"}

    # when / then
    for headers in ({}, {"Authorization": "Bearer pk_live_nope"}, {"X-API-Key": "garbage"},
                    {"Authorization": "Bearer ses_not_a_key"}):
        response = httpx.post(f"{live_api}/v1/mcp", json=initialize, headers={**accept, **headers})
        assert_error(response, status=401, code="unauthorized")
    # and the real key gets through (X-API-Key works as on REST)
    ok = httpx.post(f"{live_api}/v1/mcp", json=initialize, headers={**accept, "X-API-Key": agent.key})
    assert ok.status_code == 200, ok.text
    assert ok.json()["result"]["serverInfo"]["name"] == "Handoff"


def test_the_stdio_server_calls_the_api_with_its_environment_key(live_api):
    # given a funded company, and the stdio server started with its key
    agent = make_agent(funded_cents=2_000)

    # when an MCP host drives it
    async def session(client):
        names = {tool.name for tool in (await client.list_tools()).tools}
        created = payload(await client.call_tool("create_request", {"request": SEED_BODY}))
        status = payload(await client.call_tool("check_status", {"request_id": created["request_id"]}))
        missing = await client.call_tool("check_status", {"request_id": "req_missing"})
        return names, created, status, missing

    names, created, status, missing = run(session, over_stdio(live_api, agent.key))

    # then
    assert names == TOOLS
    assert status["status"] == "matching" and status["request_id"] == created["request_id"]
    assert error_of(missing)["code"] == "not_found"
    assert escrow_cents(agent) == PRICE_CENTS
    assert_ledger_balanced()


def test_the_stdio_server_without_a_key_stops_with_a_clear_message():
    # when
    done = subprocess.run([sys.executable, "-m", "marketplace_app.api.mcp"], capture_output=True, text=True,
                          env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(PROJECT_ROOT)},
                          cwd=PROJECT_ROOT, timeout=60)

    # then
    assert done.returncode == 1
    assert "HANDOFF_API_KEY is not set" in done.stderr


def test_only_post_is_served_and_other_methods_get_the_envelope(live_api):
    # given
    agent = make_agent()

    # when / then (stateless JSON: no GET stream, no session to DELETE)
    for method in ("GET", "DELETE", "PUT"):
        response = httpx.request(method, f"{live_api}/v1/mcp", headers={"Authorization": f"Bearer {agent.key}"})
        assert_error(response, status=405, code="method_not_allowed")
        assert response.headers["Allow"] == "POST"


def test_a_bad_output_schema_or_deadline_is_a_tool_error_naming_the_problem(live_api):
    # given a funded company
    agent = make_agent(funded_cents=2_000)
    refused = [({"output_schema": {"$ref": "file:///etc/passwd"}}, "points outside the schema"),
               ({"output_schema": {"type": 12}}, "output_schema is not a valid JSON Schema at /type"),
               ({"deadline": "9999-12-31T23:59:59-23:59"}, "deadline must be at most 365 days ahead")]

    # when its agent sends each through the create_request tool
    async def session(client):
        return [await client.call_tool("create_request", {"request": {**SEED_BODY, **fields}})
                for fields, _ in refused]

    results = run(session, over_http(live_api, agent.key))

    # then each is an error that names the problem, and nothing was escrowed
    for result, (_, problem) in zip(results, refused, strict=True):
        assert result.is_error
        assert problem in result.content[0].text
    assert escrow_cents(agent) == 0 and available_cents(agent) == 2_000
