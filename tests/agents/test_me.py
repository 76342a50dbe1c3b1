"""The agent's own view with its key: `GET/PATCH /v1/agents/me`, the consolidated dashboard (whose
best-effort parts never break it) and the heartbeat."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from marketplace_app.agents.models import AgentStatus, TrustChange
from marketplace_app.companies.models import KeyMode
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from tests.agents.owners_support import make_owned_agent, make_owner
from tests.requests import helpers as h
from tests.support import api_client, assert_error

ME, DASHBOARD, HEARTBEAT = "/v1/agents/me", "/v1/agents/me/dashboard", "/v1/agents/heartbeat"
T0 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture
def client():
    with api_client() as test_client:
        yield test_client


def create_request(client, agent, price="5.00EUR"):
    answer = client.post("/v1/requests", json=h.request_body(max_price=price), headers=agent.headers())
    assert answer.status_code == 201, answer.text
    return answer.json()["request_id"]


def add_trust_changes(agent_id: str, count: int) -> None:
    with unit_of_work() as session:
        for index in range(count):
            session.add(TrustChange(agent_id=agent_id, at=clock.now(), score_before=index, score_after=index + 1,
                                    tier_after="bronze", cause="request_completed", detail=f"change {index}"))


def test_an_agent_reads_its_profile_caps_spend_and_balance(client):
    # given
    owner = make_owner(funded_cents=10_000)
    agent = make_owned_agent(owner)
    client.patch(f"/v1/owner/agents/{agent.id}", json={"budget": {"monthly": "50.00EUR"}}, headers=owner.headers())
    create_request(client, agent, price="8.00EUR")

    # when
    me = client.get(ME, headers=agent.headers())

    # then
    assert me.status_code == 200, me.text
    body = me.json()
    assert (body["id"], body["handle"], body["status"]) == (agent.id, agent.handle, "active")
    assert body["trust"] == {"score": 0, "tier": "bronze"}
    assert body["budget"]["monthly_cents"] == 5000 and body["budget"]["max_per_job_cents"] is None
    assert body["spend"] == {"mode": "live", "today": "8.00EUR", "today_cents": 800, "this_month": "8.00EUR",
                             "this_month_cents": 800}
    assert (body["balance"]["available_cents"], body["balance"]["escrowed_cents"]) == (9200, 800)


def test_an_agent_changes_its_own_profile_and_only_what_it_sends(client):
    # given
    agent = make_owned_agent(make_owner())

    # when
    changed = client.patch(ME, json={"description": "I translate", "capabilities": ["translation"]},
                           headers=agent.headers())
    refused = client.patch(ME, json={"endpoint_url": "https://192.168.1.1/"}, headers=agent.headers())
    status_change = client.patch(ME, json={"status": "deleted"}, headers=agent.headers())

    # then
    assert changed.status_code == 200, changed.text
    assert (changed.json()["description"], changed.json()["capabilities"]) == ("I translate", ["translation"])
    assert changed.json()["name"] == "Scout"
    assert_error(refused, status=422, code="validation_error")
    assert_error(status_change, status=422, code="validation_error")
    assert client.get(ME, headers=agent.headers()).json()["endpoint_url"] is None


def test_the_dashboard_gathers_the_agents_home_in_one_call(client):
    # given
    owner = make_owner(funded_cents=100_000)
    agent = make_owned_agent(owner, name="Scout")
    sibling = make_owned_agent(owner, name="Sibling")
    make_owned_agent(make_owner(), name="Stranger")
    request_ids = [create_request(client, agent) for _ in range(12)]
    client.post(f"/v1/requests/{request_ids[0]}/cancel", headers=agent.headers())
    add_trust_changes(agent.id, 25)

    # when
    answer = client.get(DASHBOARD, headers=agent.headers())

    # then
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["agent"]["id"] == agent.id
    assert [(row["id"], row["current"]) for row in body["agents"]] == [(agent.id, True), (sibling.id, False)]
    assert len(body["recent_requests"]) == 10
    assert {row["request_id"] for row in body["recent_requests"]} <= set(request_ids)
    assert body["active_count"] == 11
    assert body["balance"]["escrowed_cents"] > 0 and body["balance"]["currency"] == "EUR"
    assert body["payout_status"] == {"provider": "manual", "payouts_enabled": False}
    assert len(body["trust_history"]) == 20 and body["trust_history"][0]["detail"] == "change 24"
    assert body["unread_notifications"] == 0


def test_a_failing_best_effort_part_answers_its_default_and_the_payload_stands(client):
    # given a trust history that cannot be read (its table is gone for this call)
    agent = make_owned_agent(make_owner())
    add_trust_changes(agent.id, 2)
    with unit_of_work() as session:
        session.execute(text("ALTER TABLE agent_trust_change RENAME TO agent_trust_change_away"))
    try:
        # when
        answer = client.get(DASHBOARD, headers=agent.headers())
    finally:
        with unit_of_work() as session:
            session.execute(text("ALTER TABLE agent_trust_change_away RENAME TO agent_trust_change"))

    # then
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["trust_history"] == []
    assert body["agent"]["id"] == agent.id and body["agents"][0]["id"] == agent.id
    assert body["active_count"] == 0


def test_the_heartbeat_says_where_the_agent_stands(client):
    # given
    clock.freeze(T0)
    agent = make_owned_agent(make_owner(funded_cents=10_000))
    create_request(client, agent)
    create_request(client, agent)

    # when
    beat = client.post(HEARTBEAT, headers=agent.headers())

    # then
    assert beat.status_code == 200, beat.text
    body = beat.json()
    assert body["status"] == "active" and body["active_work"] == {"requests": 2}
    assert body["unread_notifications"] == 0 and body["server_time"] == "2026-12-07T10:00:00Z"
    assert body["balance"]["escrowed_cents"] == 1000


def test_a_test_key_reads_its_test_spend(client):
    owner = make_owner()
    agent = make_owned_agent(owner, mode=KeyMode.test)
    create_request(client, agent, price="3.00EUR")

    body = client.get(ME, headers=agent.headers()).json()

    assert body["spend"]["mode"] == "test" and body["spend"]["today_cents"] == 300
    assert body["balance"]["escrowed_cents"] == 0


@pytest.mark.parametrize(("method", "path"), [("get", ME), ("patch", ME), ("get", DASHBOARD), ("post", HEARTBEAT)])
def test_a_project_key_has_no_agent_view(client, method, path):
    project = h.make_agent()
    kwargs = {"json": {"name": "x"}} if method == "patch" else {}
    answer = getattr(client, method)(path, headers=project.headers(), **kwargs)
    assert_error(answer, status=403, code="forbidden")


@pytest.mark.parametrize(("method", "path"), [("get", ME), ("get", DASHBOARD), ("post", HEARTBEAT)])
def test_a_frozen_or_deleted_agent_is_refused(client, method, path):
    owner = make_owner()
    frozen = make_owned_agent(owner, status=AgentStatus.frozen)
    deleted = make_owned_agent(owner)
    assert client.delete(f"/v1/owner/agents/{deleted.id}", headers=owner.headers()).status_code == 200

    assert_error(getattr(client, method)(path, headers=frozen.headers()), status=403, code="agent_frozen")
    assert_error(getattr(client, method)(path, headers=deleted.headers()), status=401, code="unauthorized")
    assert_error(getattr(client, method)(path), status=401, code="unauthorized")
