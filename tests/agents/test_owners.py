"""`/v1/owner/agents…`: an owner lists, changes and deletes their own agents and nobody else's;
the caps they set are the caps the request engine enforces; deleting waits for open work and
ends every key at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace_app.agents.models import Agent, AgentStatus
from marketplace_app.audit.models import AuditEntry
from marketplace_app.companies.models import ApiKey, CompanyMember, KeyStatus, MemberRole
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role
from tests import factories
from tests.agents.owners_support import make_owned_agent, make_owner
from tests.ledger.helpers import assert_ledger_balanced
from tests.requests import helpers as h
from tests.support import api_client, assert_error, run_concurrently

AGENTS = "/v1/owner/agents"


@pytest.fixture
def client():
    with api_client() as test_client:
        yield test_client


def create_request(client, agent, price="5.00EUR"):
    return client.post("/v1/requests", json=h.request_body(max_price=price), headers=agent.headers())


def agent_row(agent_id: str) -> Agent:
    with unit_of_work(read_only=True) as session:
        return session.get_one(Agent, agent_id)


def test_an_owner_lists_their_agents_with_spend_and_never_another_owners(client):
    # given
    owner = make_owner(funded_cents=10_000)
    scout = make_owned_agent(owner, name="Scout")
    quiet = make_owned_agent(owner, name="Quiet")
    stranger = make_owned_agent(make_owner(), name="Stranger's")
    assert create_request(client, scout, price="12.50EUR").status_code == 201

    # when
    listed = client.get(AGENTS, headers=owner.headers())

    # then
    assert listed.status_code == 200, listed.text
    by_id = {row["id"]: row for row in listed.json()["data"]}
    assert set(by_id) == {scout.id, quiet.id}
    assert stranger.id not in by_id
    assert by_id[scout.id]["spend_this_month_cents"] == 1250 and by_id[scout.id]["spend_this_month"] == "12.50EUR"
    assert by_id[quiet.id]["spend_this_month_cents"] == 0
    assert by_id[scout.id]["trust"] == {"score": 0, "tier": "bronze"} and by_id[scout.id]["handle"] == scout.handle


def test_a_company_admin_manages_its_agents_and_a_plain_member_sees_none(client):
    # given
    owner = make_owner()
    agent = make_owned_agent(owner)
    with unit_of_work() as session:
        admin = factories.make_user(session, role=Role.agent_owner)
        member = factories.make_user(session, role=Role.agent_owner)
        session.add(CompanyMember(company_id=owner.company_id, user_id=admin.id, role=MemberRole.admin))
        session.add(CompanyMember(company_id=owner.company_id, user_id=member.id, role=MemberRole.member))
        session.flush()
        admin_token = identity.create_session(session, user=admin)
        member_token = identity.create_session(session, user=member)

    # when
    as_admin = client.get(AGENTS, headers={"Authorization": f"Bearer {admin_token}"})
    as_member = client.get(AGENTS, headers={"Authorization": f"Bearer {member_token}"})
    member_patch = client.patch(f"{AGENTS}/{agent.id}", json={"name": "Mine now"},
                                headers={"Authorization": f"Bearer {member_token}"})

    # then
    assert [row["id"] for row in as_admin.json()["data"]] == [agent.id]
    assert as_member.json()["data"] == []
    assert_error(member_patch, status=404, code="not_found")
    assert agent_row(agent.id).name == "Scout"


def test_an_owner_changes_the_profile_and_the_caps_the_request_engine_enforces(client):
    # given
    owner = make_owner(funded_cents=10_000)
    agent = make_owned_agent(owner)
    changes = {"name": "Scout II", "description": "Finds things", "category": "research",
               "capabilities": ["search", "summarising", "search"], "endpoint_url": "https://93.184.216.34/hook",
               "service_price": "2.50EUR", "budget": {"max_per_job": "5.00EUR", "daily": "20.00EUR",
                                                      "monthly": "100.00EUR"}}

    # when
    changed = client.patch(f"{AGENTS}/{agent.id}", json=changes, headers=owner.headers())
    over_cap = create_request(client, agent, price="6.00EUR")
    within_cap = create_request(client, agent, price="5.00EUR")

    # then
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["category"], body["capabilities"]) == ("Scout II", "research", ["search", "summarising"])
    assert body["service_price_cents"] == 250 and body["endpoint_url"] == "https://93.184.216.34/hook"
    assert body["budget"] == {"max_per_job": "5.00EUR", "max_per_job_cents": 500, "daily": "20.00EUR",
                              "daily_cents": 2000, "monthly": "100.00EUR", "monthly_cents": 10_000}
    assert_error(over_cap, status=400, code="limit_exceeded")
    assert within_cap.status_code == 201
    read = client.get(f"{AGENTS}/{agent.id}", headers=owner.headers()).json()
    assert read["spend"]["today_cents"] == 500 and read["balance"]["escrowed_cents"] == 500


def test_a_cap_sent_as_null_is_cleared_and_one_left_out_stays(client):
    owner = make_owner()
    agent = make_owned_agent(owner)
    client.patch(f"{AGENTS}/{agent.id}", json={"budget": {"daily": "20.00EUR", "monthly": "90.00EUR"}},
                 headers=owner.headers())

    cleared = client.patch(f"{AGENTS}/{agent.id}", json={"budget": {"daily": None}}, headers=owner.headers())

    assert cleared.json()["budget"]["daily_cents"] is None
    assert cleared.json()["budget"]["monthly_cents"] == 9000


@pytest.mark.parametrize("changes", [
    {"endpoint_url": "http://93.184.216.34/hook"}, {"endpoint_url": "https://127.0.0.1/hook"},
    {"endpoint_url": "https://10.0.0.8/hook"}, {"endpoint_url": "https://169.254.169.254/latest"},
    {"endpoint_url": "https://localhost/hook"}, {"budget": {"max_per_job": "50.00EUR", "daily": "10.00EUR"}},
    {"service_price": "-1.00EUR"}, {"service_price": "1.00USD"}, {"capabilities": ["Has Spaces"]},
    {"capabilities": [f"tag{n}" for n in range(21)]}, {"category": "Bad Category"}, {"name": ""},
    {"name": "bad\x00name"}, {"budget": {"weekly": "1.00EUR"}}, {"status": "active"}, {"handle": "taken"},
])
def test_bad_changes_are_refused_and_change_nothing(client, changes):
    # given
    owner = make_owner()
    agent = make_owned_agent(owner)

    # when
    answer = client.patch(f"{AGENTS}/{agent.id}", json=changes, headers=owner.headers())

    # then
    assert_error(answer, status=422, code="validation_error")
    row = agent_row(agent.id)
    assert (row.name, row.endpoint_url, row.service_price_cents, row.capabilities) == ("Scout", None, None, [])


def test_another_owners_agent_is_not_found_for_every_verb(client):
    # given
    owner = make_owner()
    other = make_owned_agent(make_owner())

    # then
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"name": "x"}} if method == "patch" else {}
        answer = getattr(client, method)(f"{AGENTS}/{other.id}", headers=owner.headers(), **kwargs)
        assert_error(answer, status=404, code="not_found")
    assert_error(client.get(f"{AGENTS}/nul%00id", headers=owner.headers()), status=404, code="not_found")
    assert agent_row(other.id).status == AgentStatus.active


def test_deleting_waits_for_open_work_then_ends_every_key_at_once(client):
    # given
    owner = make_owner(funded_cents=10_000)
    agent = make_owned_agent(owner)
    created = create_request(client, agent)
    assert created.status_code == 201

    # when
    refused = client.delete(f"{AGENTS}/{agent.id}", headers=owner.headers())
    cancelled = client.post(f"/v1/requests/{created.json()['request_id']}/cancel", headers=agent.headers())
    deleted = client.delete(f"{AGENTS}/{agent.id}", headers=owner.headers())

    # then
    assert_error(refused, status=409, code="agent_has_open_work")
    assert cancelled.status_code == 200, cancelled.text
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["status"] == "deleted" and deleted.json()["deleted_at"]
    assert_error(client.get("/v1/requests", headers=agent.headers()), status=401, code="unauthorized")
    row = agent_row(agent.id)
    assert row.status == AgentStatus.deleted and row.token_version == 2
    with unit_of_work(read_only=True) as session:
        keys = session.execute(select(ApiKey.status).where(ApiKey.project_id == agent.project_id)).scalars().all()
        audit = session.execute(select(AuditEntry).where(AuditEntry.subject_id == agent.id)).scalar_one()
    assert keys == [KeyStatus.revoked]
    assert (audit.action, audit.actor_user_id) == ("agent.delete", owner.user_id)
    assert client.get(AGENTS, headers=owner.headers()).json()["data"] == []
    assert_error(client.delete(f"{AGENTS}/{agent.id}", headers=owner.headers()), status=404, code="not_found")
    assert_ledger_balanced()


def test_a_frozen_agent_is_not_deleted_by_its_owner(client):
    owner = make_owner()
    agent = make_owned_agent(owner, status=AgentStatus.frozen)

    assert_error(client.delete(f"{AGENTS}/{agent.id}", headers=owner.headers()), status=409, code="invalid_state")
    assert agent_row(agent.id).status == AgentStatus.frozen


def test_two_deletes_at_once_delete_once():
    # given
    owner = make_owner()
    agent = make_owned_agent(owner)

    def delete(_index):
        with api_client() as own_client:
            return own_client.delete(f"{AGENTS}/{agent.id}", headers=owner.headers()).status_code

    # when
    statuses = run_concurrently(3, delete)

    # then
    assert sorted(statuses) == [200, 404, 404]
    with unit_of_work(read_only=True) as session:
        assert len(session.execute(select(AuditEntry).where(AuditEntry.subject_id == agent.id)).all()) == 1


def test_owner_routes_need_a_session(client):
    owner = make_owner()
    agent = make_owned_agent(owner)
    assert_error(client.get(AGENTS), status=401, code="unauthorized")
    assert_error(client.get(AGENTS, headers=agent.headers()), status=401, code="unauthorized")
