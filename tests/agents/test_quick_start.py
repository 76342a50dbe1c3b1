"""`POST /v1/agents/quick-start` (Humai): a sandbox agent and a working test key in one call, limited
per address, refused where real money is held."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from marketplace_app.agents.models import Agent
from marketplace_app.companies.models import ApiKey, CompanyMember
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from tests.requests import helpers as h
from tests.support import api_client, assert_error, override_settings, row_counts

QUICK_START = "/v1/agents/quick-start"
T0 = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)


@pytest.fixture
def client():
    with api_client() as test_client:
        yield test_client


def test_one_call_gives_an_active_test_agent_whose_key_works(client):
    # when
    answer = client.post(QUICK_START, json={"name": "My Test Agent!", "owner_email": "Dev@Example.com"})

    # then
    assert answer.status_code == 201, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["api_key"].startswith("pk_test_") and body["mode"] == "test" and body["scopes"] == ["*"]
    assert body["status"] == "active" and body["handle"].startswith("qs-my-test-agent-")
    headers = {"Authorization": f"Bearer {body['api_key']}"}
    me = client.get("/v1/agents/me", headers=headers)
    assert me.status_code == 200 and me.json()["owner_email"] == "dev@example.com"
    created = client.post("/v1/requests", json=h.request_body(), headers=headers)
    assert created.status_code == 201, created.text
    with unit_of_work(read_only=True) as session:
        agent = session.get_one(Agent, body["agent_id"])
        key = session.execute(select(ApiKey).where(ApiKey.project_id == agent.project_id)).scalar_one()
        members = session.execute(select(CompanyMember).where(CompanyMember.company_id == agent.company_id)).all()
    assert (key.mode, key.scopes) == ("test", ["*"]) and body["api_key"] not in key.key_hash
    assert members == []  # nobody's organisation: no account was opened for the e-mail


def test_quick_starts_are_limited_per_address(client, monkeypatch):
    # given
    clock.freeze(T0)
    override_settings(monkeypatch, quick_starts_per_address_per_hour=2)

    # when
    answers = [client.post(QUICK_START, json={"name": f"Agent {n}"}) for n in range(3)]

    # then
    assert [answer.status_code for answer in answers] == [201, 201, 429]
    assert_error(answers[2], status=429, code="rate_limited")
    assert int(answers[2].headers["retry-after"]) > 0
    with unit_of_work(read_only=True) as session:
        assert len(session.execute(select(Agent.id)).all()) == 2


def test_a_deployment_holding_real_money_refuses_quick_start(client, monkeypatch):
    # given
    override_settings(monkeypatch, sandbox="false")
    before = row_counts()

    # when
    answer = client.post(QUICK_START, json={"name": "Prod agent"})

    # then
    assert_error(answer, status=403, code="forbidden")
    assert "api_key" not in answer.text
    assert row_counts() == before


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x" * 121}, {"name": "nul\x00"},
                                  {"name": "A", "owner_email": "not-mail"}, {"name": "A", "extra": 1}])
def test_bad_input_is_refused_and_makes_nothing(client, body):
    before = row_counts()
    assert_error(client.post(QUICK_START, json=body), status=422, code="validation_error")
    assert row_counts() == before
