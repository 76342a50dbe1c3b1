"""`POST /v1/agents/register`: a pending agent, its project and organisation, the activation mail;
taken handles, bad input and the per-address limit refused with nothing written."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from marketplace_app.agents.models import Agent, AgentStatus
from marketplace_app.agents.registration import derived_handle
from marketplace_app.companies.models import Company, CompanyMember, Project
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role, User
from marketplace_app.mail import tokens
from tests import factories
from tests.agents.registration_helpers import activation_secret, body, mails, register
from tests.support import api_client, assert_error, override_settings, row_counts, run_concurrently


@pytest.fixture
def client() -> Iterator[TestClient]:
    with api_client() as test_client:
        yield test_client


def _agent(agent_id: str) -> Agent:
    with unit_of_work(read_only=True) as session:
        return session.get_one(Agent, agent_id)


def test_registering_makes_a_pending_agent_its_project_and_organisation_and_mails_the_link(client):
    answer = register(client, handle="contract-checker", service_price="2.50EUR")

    assert answer["status"] == "pending_verification" and answer["handle"] == "contract-checker"
    assert answer["owner_email"] == "owner@example.com" and "owner@example.com" in answer["message"]
    agent = _agent(answer["agent_id"])
    assert (agent.status, agent.category, agent.capabilities) == (AgentStatus.pending_verification, "legal",
                                                                  ["nda-review", "spanish"])
    assert agent.service_price_cents == 250 and agent.owner_user_id is None
    secret = activation_secret()
    with unit_of_work(read_only=True) as session:
        project = session.get_one(Project, agent.project_id)
        company = session.get_one(Company, agent.company_id)
        members = session.execute(select(CompanyMember).where(CompanyMember.company_id == company.id)).all()
        token = tokens.peek(session, purpose="agent_activation", secret=secret)
    assert project.name == "Contract Checker" and project.company_id == company.id
    assert project.max_per_request_cents is project.daily_budget_cents is project.monthly_budget_cents is None
    assert company.name == "owner@example.com's agents" and members == []
    assert token.subject == agent.id
    [mail] = mails("agent_activation")
    assert mail.to_address == "owner@example.com" and "free" in mail.body_text
    assert "http://localhost:3000/activate/" in mail.body_text


def test_the_same_owner_keeps_one_organisation_and_a_company_owner_registers_into_their_company(client):
    first = _agent(register(client)["agent_id"])
    second = _agent(register(client, name="Second One")["agent_id"])
    assert second.company_id == first.company_id
    assert all("5.00 EUR" in mail.body_text for mail in mails("agent_activation"))  # the fee rule is stated

    with unit_of_work() as session:
        company = factories.make_company(session, name="Acme")
        owner_id = session.execute(select(CompanyMember.user_id).where(
            CompanyMember.company_id == company.id)).scalar_one()
        email = session.get_one(User, owner_id).email
    third = _agent(register(client, name="Acme Bot", owner_email=email.upper())["agent_id"])
    assert third.company_id == company.id and third.owner_email == email


def test_a_handle_is_derived_from_the_name_and_suffixed_when_taken(client):
    first = register(client, name="Ünïcode Agent!")
    second = register(client, name="Ünïcode Agent!")
    assert first["handle"] == "unicode-agent"
    assert second["handle"].startswith("unicode-agent-") and len(second["handle"]) == len("unicode-agent-") + 4
    assert derived_handle("A", suffixed=False) == "a-agent"
    assert derived_handle("!!!", suffixed=False) == "agent"
    assert len(derived_handle("x" * 120, suffixed=True)) <= 32


def test_a_taken_handle_is_refused_with_409_and_nothing_is_written(client):
    register(client, handle="taken-one")
    before = row_counts()
    response = client.post("/v1/agents/register", json=body(handle="taken-one", owner_email="other@example.com"))
    assert_error(response, status=409, code="handle_taken")
    assert row_counts() == before


def test_two_concurrent_registrations_of_one_handle_give_one_201_and_one_409():
    def attempt(index: int) -> int:
        with api_client() as test_client:
            return test_client.post("/v1/agents/register", json=body(
                handle="racing", owner_email=f"racer{index}@example.com")).status_code

    assert sorted(run_concurrently(2, attempt)) == [201, 409]
    with unit_of_work(read_only=True) as session:
        assert session.execute(select(Agent.handle)).scalars().all() == ["racing"]


def test_two_concurrent_first_registrations_of_one_owner_share_one_organisation():
    def attempt(index: int) -> int:
        with api_client() as test_client:
            return test_client.post("/v1/agents/register", json=body(name=f"Twin {index}")).status_code

    assert run_concurrently(2, attempt) == [201, 201]
    with unit_of_work(read_only=True) as session:
        assert len(set(session.execute(select(Agent.company_id)).scalars())) == 1
        assert len(session.execute(select(Company.id)).all()) == 1


BAD_INPUT = {
    "bad_email": {"owner_email": "not-an-email"},
    "huge_email": {"owner_email": "a" * 250 + "@example.com"},
    "empty_name": {"name": ""},
    "blank_name": {"name": "   "},
    "huge_name": {"name": "x" * 121},
    "control_in_name": {"name": "bad\x00name"},
    "huge_description": {"description": "x" * 2001},
    "unknown_category": {"category": "weapons"},
    "bad_handle": {"handle": "Has Spaces"},
    "short_handle": {"handle": "ab"},
    "long_handle": {"handle": "a" * 33},
    "bad_capability": {"capabilities": ["Not OK"]},
    "too_many_capabilities": {"capabilities": [f"tag-{index}" for index in range(21)]},
    "http_endpoint": {"endpoint_url": "http://93.184.216.34/agent"},
    "private_endpoint": {"endpoint_url": "https://10.0.0.1/agent"},
    "private_webhook": {"webhook_url": "https://192.168.1.1/hook"},
    "bad_price": {"service_price": "2.50USD"},
    "zero_price": {"service_price": "0EUR"},
    "number_price": {"service_price": 2.5},
    "unknown_field": {"api_key": "pk_live_x"},
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_refused_with_422_and_nothing_is_written(client, case):
    before = row_counts()
    response = client.post("/v1/agents/register", json=body(**BAD_INPUT[case]))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"
    assert row_counts() == before


def test_a_public_endpoint_url_is_kept_without_being_fetched(client):
    agent = _agent(register(client, endpoint_url="https://93.184.216.34/agent")["agent_id"])
    assert agent.endpoint_url == "https://93.184.216.34/agent"


def test_registrations_are_limited_per_address_with_retry_after(client, monkeypatch):
    override_settings(monkeypatch, agent_registrations_per_address_per_hour=2)
    register(client, owner_email="one@example.com")
    register(client, owner_email="two@example.com")
    before = row_counts()
    response = client.post("/v1/agents/register", json=body(owner_email="three@example.com"))
    assert_error(response, status=429, code="rate_limited")
    assert int(response.headers["Retry-After"]) >= 1
    assert row_counts() == before


def test_an_operator_email_may_register_but_is_refused_at_activation(client):
    with unit_of_work() as session:
        factories.make_user(session, role=Role.operator, email="worker@example.com")
    register(client, owner_email="worker@example.com")
    before = row_counts()
    response = client.post(f"/v1/agents/activation/{activation_secret('worker@example.com')}",
                           json={"accept_terms": True})
    assert_error(response, status=403, code="forbidden")
    assert row_counts() == before


@pytest.mark.parametrize("handle", ["new", "register", "heartbeat", "rotate-key"])
def test_a_handle_that_names_an_api_page_is_refused_and_a_derived_one_avoids_it(client, handle):
    refused = client.post("/v1/agents/register", json=body(handle=handle, owner_email=f"{handle}@example.com"))
    assert refused.status_code == 422 and "reserved" in refused.json()["error"]["message"]
    derived = client.post("/v1/agents/register", json=body(name=handle.replace("-", " "),
                                                          owner_email=f"{handle}@example.com"))
    assert derived.status_code == 201, derived.text
    assert derived.json()["handle"].startswith(f"{handle}-") and derived.json()["handle"] != handle
