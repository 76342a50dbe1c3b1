"""Agent keys and tenancy (RELIABILITY 11 and 14): `Bearer` or `X-API-Key`, revoked and
expired keys refused at once, another tenant's request is `not_found` on every endpoint
that takes an id, and a key's secret never reaches the database or the logs."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select, update

import marketplace_app.models  # noqa: F401  (registers every table)
from marketplace_app.companies import service as companies
from marketplace_app.companies.models import ApiKey, Company, KeyMode, KeyStatus
from marketplace_app.core import clock
from marketplace_app.core.db import metadata, unit_of_work
from marketplace_app.core.pagination import CURSOR_PATTERN
from marketplace_app.requests.models import RequestStatus
from tests.companies.helpers import make_tenant, owner_actor
from tests.ledger.helpers import assert_ledger_balanced
from tests.requests import helpers as h
from tests.support import assert_error

REQUESTS = "/v1/requests"
HOOK = "/hooks/agent"
KEYS = "/v1/dashboard/keys"


@pytest.fixture
def api():
    return h.client()


# Presenting a key


def test_x_api_key_works_like_bearer(api):
    # given
    agent = h.make_agent(funded_cents=1_000)

    # when
    created = api.post(REQUESTS, json=h.SEED_BODY, headers={"X-API-Key": agent.key})
    listed = api.get(REQUESTS, headers={"X-API-Key": agent.key})
    read = api.get(f"{REQUESTS}/{created.json()['request_id']}", headers={"X-API-Key": agent.key})

    # then
    assert created.status_code == 201, created.text
    assert [row["request_id"] for row in listed.json()["data"]] == [created.json()["request_id"]]
    assert read.status_code == 200
    assert read.headers["x-ratelimit-remaining"] == "997"


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_bearer_scheme_is_case_insensitive(api, scheme):
    # given
    agent = h.make_agent()

    # when
    response = api.get(REQUESTS, headers={"Authorization": f"{scheme} {agent.key}"})

    # then
    assert response.status_code == 200


def test_a_bearer_header_wins_over_x_api_key(api):
    # given a wrong bearer key and a right X-API-Key
    agent = h.make_agent()

    # when
    response = api.get(REQUESTS, headers={"Authorization": "Bearer pk_live_wrong", "X-API-Key": agent.key})

    # then
    assert_error(response, status=401, code="unauthorized")


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer"}, {"Authorization": "Bearer "}, {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "pk_live_abc"}, {"X-API-Key": ""}, {"X-API-Key": "sk_live_abc"},
    {"Authorization": "Bearer pk_live_" + "a" * 300}, {"Authorization": "Bearer pk_live_\x7f"},
], ids=repr)
def test_missing_or_malformed_keys_are_401_without_rate_limit_headers(api, headers):
    # when
    response = api.get(REQUESTS, headers=headers)

    # then
    assert_error(response, status=401, code="unauthorized")
    assert "x-ratelimit-limit" not in response.headers


def test_a_dashboard_session_token_is_not_an_agent_key(api):
    # given
    tenant = make_tenant()

    # when
    response = api.get(REQUESTS, headers=tenant.headers())

    # then
    assert_error(response, status=401, code="unauthorized")


def test_a_revoked_key_is_refused_at_once(api):
    # given a key that has just worked
    agent = h.make_agent(funded_cents=1_000)
    assert api.get(REQUESTS, headers=agent.headers()).status_code == 200

    # when it is revoked
    with unit_of_work() as session:
        session.execute(update(ApiKey).where(ApiKey.id == agent.key_id).values(status=KeyStatus.revoked))
    before = h.business_counts()

    # then its very next call is refused and writes nothing
    assert_error(api.get(REQUESTS, headers=agent.headers()), status=401, code="unauthorized")
    assert_error(api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers()), status=401, code="unauthorized")
    assert h.business_counts() == before


def test_a_key_revoked_through_the_dashboard_is_refused_at_once(api):
    # given
    agent = h.make_agent()
    with unit_of_work() as session:
        company = session.get_one(Company, agent.company_id)
        companies.revoke_key(session, actor=owner_actor(session, company), key_id=agent.key_id)

    # when / then
    assert_error(api.get(REQUESTS, headers=agent.headers()), status=401, code="unauthorized")


def test_an_expired_key_is_refused(api):
    # given a key that expires in a day
    agent = h.make_agent()
    with unit_of_work() as session:
        session.execute(update(ApiKey).where(ApiKey.id == agent.key_id).values(
            expires_at=clock.now() + timedelta(days=1)))
    assert api.get(REQUESTS, headers=agent.headers()).status_code == 200

    # when a day passes
    clock.freeze(clock.now() + timedelta(days=1))

    # then
    assert_error(api.get(REQUESTS, headers=agent.headers()), status=401, code="unauthorized")


def test_a_key_with_one_character_changed_is_refused(api):
    # given
    agent = h.make_agent()
    last = agent.key[-1]
    tampered = agent.key[:-1] + ("A" if last != "A" else "B")

    # when / then
    assert_error(api.get(REQUESTS, headers={"Authorization": f"Bearer {tampered}"}), status=401,
                 code="unauthorized")


# Cross-tenant matrix: 2 companies x 2 projects x 2 keys


@dataclass(frozen=True)
class Owned:
    """A project's two keys and its two requests (one matching, one completed)."""

    agents: tuple[h.Agent, h.Agent]
    matching_id: str
    completed_id: str
    canary: str


def _tenant_projects(api) -> list[Owned]:
    projects = []
    for company_index in range(2):
        first = h.make_agent(funded_cents=10_000, company_name=f"Company {company_index}")
        for project_index in range(2):
            agent = first if project_index == 0 else h.add_project_agent(first)
            second = h.add_key(agent)
            canary = f"canary-context-{company_index}-{project_index}"
            matching = h.created(api.post(REQUESTS, json=h.request_body(context=canary + " open"),
                                          headers=agent.headers()))
            completed = h.created(api.post(REQUESTS, json=h.request_body(context=canary + " done"),
                                           headers=second.headers()))
            h.complete_by_hand(completed)
            projects.append(Owned(agents=(agent, second), matching_id=matching, completed_id=completed,
                                  canary=canary))
    return projects


def _id_taking_calls(request_id: str) -> list[tuple[str, str, dict | None, dict | None]]:
    """(method, path, json, params) of every agent endpoint that takes a request id."""
    return [
        ("GET", f"{REQUESTS}/{request_id}", None, None),
        ("POST", f"{REQUESTS}/{request_id}/cancel", None, None),
        ("POST", f"{REQUESTS}/{request_id}/rate", {"score": 5}, None),
        ("GET", REQUESTS, None, {"starting_after": request_id}),
        ("POST", HOOK, {"action": "check_status", "request_id": request_id}, None),
        ("POST", HOOK, {"action": "cancel_request", "request_id": request_id}, None),
    ]


def test_every_id_taking_endpoint_answers_404_for_another_tenants_request(api):
    # given two companies with two projects each, two keys per project, a matching and a completed request each
    projects = _tenant_projects(api)
    before = h.business_counts()
    calls = 0

    # when every key calls every id-taking endpoint with every other project's requests
    for mine in projects:
        for theirs in (other for other in projects if other is not mine):
            for agent in mine.agents:
                for request_id in (theirs.matching_id, theirs.completed_id):
                    for method, path, body, params in _id_taking_calls(request_id):
                        response = api.request(method, path, json=body, params=params, headers=agent.headers())
                        calls += 1

                        # then each answer is not_found and carries none of the foreign data
                        assert_error(response, status=404, code="not_found")
                        assert theirs.canary not in response.text
                        assert theirs.agents[0].project_id not in response.text
                        assert theirs.agents[0].company_id not in response.text

    # and nothing changed anywhere
    assert calls == 4 * 3 * 2 * 2 * 6
    assert h.business_counts() == before
    assert set(h.statuses([p.matching_id for p in projects]).values()) == {RequestStatus.matching}
    assert all(h.request_row(p.completed_id)["rating"] is None for p in projects)
    assert h.transfers(kind="escrow_void") == 0
    assert_ledger_balanced()


def test_both_keys_of_a_project_see_its_requests(api):
    # given
    projects = _tenant_projects(api)

    # when / then (the positive control of the matrix above)
    for project in projects:
        for agent in project.agents:
            body = api.get(f"{REQUESTS}/{project.matching_id}", headers=agent.headers()).json()
            assert body["context"] == project.canary + " open"
            listed = api.get(REQUESTS, headers=agent.headers()).json()["data"]
            assert {row["request_id"] for row in listed} == {project.matching_id, project.completed_id}


ODD_IDS = ["req_000000000000000000000000", "req_x", "req_..%2Fx", "req_%00", "' OR 1=1 --", "x" * 200,
           "%E2%80%AE", "req_\u202e", "req_" + "0" * 36]


@pytest.mark.parametrize("request_id", ODD_IDS, ids=repr)
def test_unknown_or_odd_request_ids_are_404_on_every_id_taking_endpoint(api, request_id):
    # given
    agent = h.make_agent()

    # when / then (NUL included: PostgreSQL refuses to even compare a string holding one)
    for method, path, body, params in _id_taking_calls(request_id):
        response = api.request(method, path, json=body, params=params, headers=agent.headers())
        if params and not CURSOR_PATTERN.fullmatch(request_id):
            assert_error(response, status=422, code="validation_error")  # not shaped like any cursor
        else:
            assert_error(response, status=404, code="not_found")


@pytest.mark.parametrize("action", ["check_status", "cancel_request"])
def test_a_nul_byte_in_a_hooks_request_id_is_404(api, action):
    # given
    agent = h.make_agent()

    # when
    response = api.post(HOOK, json={"action": action, "request_id": "req_\x00"}, headers=agent.headers())

    # then
    assert_error(response, status=404, code="not_found")


def test_a_test_key_does_not_see_live_requests_of_another_project(api):
    # given a live request and a test key of another project in the same company
    live = h.make_agent(funded_cents=1_000)
    tester = h.add_project_agent(live, mode=KeyMode.test)
    request_id = h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=live.headers()))

    # when / then
    assert_error(api.get(f"{REQUESTS}/{request_id}", headers=tester.headers()), status=404, code="not_found")


# Canary keys: the secret exists only in the create response


def _all_rows_as_text() -> str:
    chunks = []
    with unit_of_work(read_only=True) as session:
        for table in metadata.sorted_tables:
            for row in session.execute(select(table)).all():
                chunks.append(repr(tuple(row)))
    return "\n".join(chunks)


def test_100_canary_keys_never_reach_the_database_or_the_logs(api, caplog):
    # given a company that creates 100 keys through the dashboard, all logging captured
    caplog.set_level(logging.DEBUG)
    tenant = make_tenant(projects=1)
    secrets = []
    for index in range(100):
        response = api.post(KEYS, json={"project_id": tenant.project_ids[0], "name": f"canary {index}",
                                        "mode": "live" if index % 2 else "test"}, headers=tenant.headers())
        assert response.status_code == 201, response.text
        assert response.headers["cache-control"] == "no-store"
        secrets.append(response.json()["secret"])

    # when every key is used, once correctly and once with a typo
    for secret in secrets:
        assert api.get("/v1/account/limits", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
        assert api.get(REQUESTS, headers={"X-API-Key": secret + "x"}).status_code == 401
    listing = api.get(KEYS, params={"limit": 100}, headers=tenant.headers()).text
    dump = _all_rows_as_text()
    logs = caplog.text + "\n".join(repr(record.args) for record in caplog.records)

    # then no secret (nor its hidden middle) is stored, logged or listed again
    assert len(set(secrets)) == 100
    assert all(secret.startswith(("pk_live_", "pk_test_")) for secret in secrets)
    for secret in secrets:
        hidden = secret[12:-4]
        assert len(hidden) >= 16
        for text in (dump, logs, listing):
            assert secret not in text
            assert hidden not in text
    assert len(caplog.records) > 0
