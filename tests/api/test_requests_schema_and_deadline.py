"""`POST /v1/requests` and the inbound hook (both parse `RequestCreate`): an invalid or unsafe
`output_schema` and a deadline out of bounds are 422s naming the problem, never 500s; nothing
is fetched and nothing is written."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from marketplace_app.core import clock
from tests.core.schema_host import schema_host
from tests.ledger.helpers import assert_ledger_balanced
from tests.requests import helpers as h
from tests.support import assert_error
from tests.work.helpers import set_setting

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def nested(levels: int) -> dict:
    schema: dict = {"type": "string"}
    for _ in range(levels):
        schema = {"items": schema}
    return schema


def create(client, agent: h.Agent, door: str, **fields):
    """Create through REST or through the inbound hook, with the seed body plus `fields`."""
    body = h.request_body(**fields)
    if door == "hook":
        return client.post("/hooks/agent", json={"action": "create_request", **body}, headers=agent.headers())
    return client.post(h.REQUESTS_PATH, json=body, headers=agent.headers())


BAD_SCHEMAS = [
    ({"type": 12}, "output_schema is not a valid JSON Schema at /type: 12 is not valid under any of the given"),
    ({"minLength": -1}, "output_schema is not a valid JSON Schema at /minLength: -1 is less than the minimum of 0"),
    (nested(200), "output_schema nests deeper than 32 levels"),
    ({"description": "x" * 10_001}, "output_schema must be at most 10000 bytes of JSON"),
    ({"anyOf": [{"type": "string"} for _ in range(600)]}, "output_schema has more than 500 JSON objects"),
    ({"$ref": "file:///etc/passwd"}, "$ref 'file:///etc/passwd' points outside the schema"),
    ({"pattern": r"^(\w+)\1$"}, "at /pattern: pattern '^(\\\\w+)\\\\1$' is not supported"),
    ({"$defs": {"a": {"allOf": [{"$ref": "#"}]}}, "$ref": "#/$defs/a"}, "refers to itself in a loop"),
]


@pytest.mark.parametrize("door", ["rest", "hook"])
@pytest.mark.parametrize(("schema", "problem"), BAD_SCHEMAS, ids=[problem[:40] for _, problem in BAD_SCHEMAS])
def test_a_bad_output_schema_is_a_422_naming_the_problem_and_writes_nothing(client, door, schema, problem):
    # given
    agent = h.make_agent(funded_cents=2_000)
    before = h.business_counts()

    # when
    response = create(client, agent, door, output_schema=schema)

    # then
    assert problem in assert_error(response, status=422, code="validation_error")
    assert h.business_counts() == before
    assert (h.available_cents(agent), h.escrow_cents(agent)) == (2_000, 0)


@pytest.mark.parametrize("door", ["rest", "hook"])
def test_a_reference_to_a_live_server_is_refused_at_creation_and_never_fetched(client, door):
    # given a live loopback server that a fetch of the schema's references would reach
    agent = h.make_agent(funded_cents=2_000)
    with schema_host() as host:
        # when agents name it in $ref and $dynamicRef
        direct = create(client, agent, door, output_schema={"$ref": host.url})
        dynamic = create(client, agent, door, output_schema={"properties": {"a": {"$dynamicRef": host.url}}})

    # then both are refused and nothing was fetched
    assert "points outside the schema" in assert_error(direct, status=422, code="validation_error")
    assert "points outside the schema" in assert_error(dynamic, status=422, code="validation_error")
    assert host.paths == []
    assert h.count_requests() == 0


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_a_schema_with_a_non_json_number_is_a_422(client, number):
    # given a body Python's JSON parser accepts but JSON (and PostgreSQL) does not
    agent = h.make_agent(funded_cents=2_000)
    body = json.dumps(h.request_body(output_schema={"maximum": "MARK"})).replace('"MARK"', number)

    # when
    response = client.post(h.REQUESTS_PATH, content=body,
                           headers={**agent.headers(), "Content-Type": "application/json"})

    # then
    assert "NaN and Infinity" in assert_error(response, status=422, code="validation_error")
    assert h.count_requests() == 0


def test_a_good_output_schema_is_stored_as_sent(client):
    # given
    agent = h.make_agent(funded_cents=2_000)
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
              "$defs": {"clause": {"type": "string", "pattern": r"^\d+\.\d+$"}},
              "properties": {"clause": {"$ref": "#/$defs/clause"}}, "required": ["clause"]}

    # when
    request_id = h.created(create(client, agent, "rest", output_schema=schema))

    # then
    assert h.request_row(request_id)["output_schema"] == schema
    assert_ledger_balanced()


@pytest.mark.parametrize("door", ["rest", "hook"])
@pytest.mark.parametrize("deadline", [
    "9999-12-31T23:59:59-23:59", "9999-12-31T23:59:59+23:59", "9999-12-31T23:59:59Z",
    (T0 + timedelta(days=365, seconds=1)).isoformat(), "2200-01-01T00:00:00+00:00",
])
def test_a_deadline_beyond_the_bound_is_a_422_not_a_500(client, door, deadline):
    # given today is 2026-03-02
    clock.freeze(T0)
    agent = h.make_agent(funded_cents=2_000)

    # when
    response = create(client, agent, door, deadline=deadline)

    # then
    assert "deadline must be at most 365 days ahead" in assert_error(response, status=422, code="validation_error")
    assert h.count_requests() == 0


def test_a_deadline_at_the_bound_is_accepted_and_the_bound_is_a_setting(client, monkeypatch):
    # given today is 2026-03-02
    clock.freeze(T0)
    agent = h.make_agent(funded_cents=2_000)

    # when a deadline exactly a year ahead is sent, then one 8 days ahead with a bound of 7 days
    at_bound = create(client, agent, "rest", deadline=(T0 + timedelta(days=365)).isoformat())
    set_setting(monkeypatch, "request_deadline_max_days", "7")
    beyond_setting = create(client, agent, "rest", deadline=(T0 + timedelta(days=8)).isoformat())

    # then
    assert h.request_row(h.created(at_bound))["deadline"].replace(tzinfo=UTC) == T0 + timedelta(days=365)
    assert "at most 7 days ahead" in assert_error(beyond_setting, status=422, code="validation_error")
