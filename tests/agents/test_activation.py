"""`GET`/`POST /v1/agents/activation/{token}`: the owner's account, the fee after the first agent,
the key mailed (never returned), the event and the audit entry; links used twice, expired or
forged, a fee not covered and concurrent activations change nothing they should not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from marketplace_app.agents import registration
from marketplace_app.agents.models import Agent, AgentStatus
from marketplace_app.agents.schemas import AgentActivate
from marketplace_app.audit.models import AuditEntry
from marketplace_app.companies import service as companies
from marketplace_app.companies.models import ApiKey, Company, CompanyMember
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Unauthorized
from marketplace_app.earnings.accounts import PLATFORM_REVENUE
from marketplace_app.events.models import Event
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role, User
from marketplace_app.ledger.models import LedgerTransfer
from marketplace_app.webhooks.models import WebhookEndpoint
from tests import factories
from tests.agents.registration_helpers import activation_secret, mailed_key, mails, register
from tests.ledger.helpers import assert_ledger_balanced, balance
from tests.support import api_client, assert_error, override_settings, row_counts, run_concurrently
from tests.webhooks.receiver import Receiver

ACCEPT = {"accept_terms": True}


@pytest.fixture
def client() -> Iterator[TestClient]:
    with api_client() as test_client:
        yield test_client


def _activate(client: TestClient, secret: str):
    return client.post(f"/v1/agents/activation/{secret}", json=ACCEPT)


def _agent(agent_id: str) -> Agent:
    with unit_of_work(read_only=True) as session:
        return session.get_one(Agent, agent_id)


def _fund_organisation(agent_id: str, cents: int) -> None:
    with unit_of_work() as session:
        company = session.get_one(Company, session.get_one(Agent, agent_id).company_id)
        factories.fund(session, company=company, cents=cents)


def test_the_details_show_the_agent_owner_and_fee_without_using_the_link(client):
    agent_id = register(client)["agent_id"]
    secret = activation_secret()
    for _ in range(2):
        response = client.get(f"/v1/agents/activation/{secret}")
        assert response.status_code == 200, response.text
    assert response.json() == {"agent_id": agent_id, "agent_name": "Contract Checker", "handle": "contract-checker",
                               "owner_email": "owner@example.com", "fee": "0.00EUR", "fee_cents": 0,
                               "terms_url": "http://localhost:3000/terms"}
    assert _activate(client, secret).status_code == 200


def test_the_first_agent_activates_free_creates_the_owner_and_mails_a_key_that_works(client):
    agent_id = register(client)["agent_id"]
    response = _activate(client, activation_secret())

    assert response.status_code == 200, response.text
    assert response.json() == {"agent_id": agent_id, "status": "active", "fee_charged": "0.00EUR",
                               "message": "The API key was e-mailed to owner@example.com."}
    assert "pk_" not in response.text
    agent = _agent(agent_id)
    assert agent.status == AgentStatus.active and agent.activated_at is not None
    key = mailed_key()
    with unit_of_work(read_only=True) as session:
        owner = session.execute(select(User).where(User.email == "owner@example.com")).scalar_one()
        membership = session.execute(select(CompanyMember).where(CompanyMember.user_id == owner.id)).scalar_one()
        [stored_key] = session.execute(select(ApiKey).where(ApiKey.project_id == agent.project_id)).scalars()
        [event] = session.execute(select(Event).where(Event.type == "agent.activated")).scalars()
        [entry] = session.execute(select(AuditEntry).where(AuditEntry.action == "agent.activate")).scalars()
    assert owner.role == Role.agent_owner and agent.owner_user_id == owner.id
    assert (membership.company_id, membership.role) == (agent.company_id, "owner")
    assert stored_key.scopes == ["*"] and stored_key.mode == "live" and key.startswith(stored_key.prefix)
    assert event.project_id == agent.project_id and event.data["agent_id"] == agent_id
    assert (entry.actor_user_id, entry.subject_id, entry.transfer_id) == (owner.id, agent_id, None)
    assert client.get("/v1/requests", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    history = client.get("/v1/agents/me/trust-history", headers={"Authorization": f"Bearer {key}"}).json()["data"]
    assert [(change["cause"], change["score_before"]) for change in history] == [("activated", 0)]
    assert _agent(agent_id).trust_score == history[0]["score_after"] > 0


def test_the_new_owner_has_no_password_and_gets_a_login_ticket():
    with api_client() as client:
        register(client)
    activated = registration.activate_and_connect(secret=activation_secret(), terms=AgentActivate(accept_terms=True))
    with unit_of_work() as session:
        assert identity.redeem_login_ticket(session, activated.login_ticket).email == "owner@example.com"
        owner = session.execute(select(User).where(User.email == "owner@example.com")).scalar_one()
        for guess in ("", "!no-password", owner.password_hash):
            with pytest.raises(Unauthorized):
                identity.authenticate(session, email="owner@example.com", password=guess, address="203.0.113.9")


def test_a_second_agent_costs_the_fee_and_refuses_with_402_changing_nothing_when_not_covered(client):
    register(client)
    assert _activate(client, activation_secret()).status_code == 200
    second = register(client, name="Second Agent")["agent_id"]
    secret = activation_secret()
    assert client.get(f"/v1/agents/activation/{secret}").json()["fee"] == "5.00EUR"
    _fund_organisation(second, 499)
    before = row_counts()

    assert_error(_activate(client, secret), status=402, code="insufficient_credits")
    assert row_counts() == before and _agent(second).status == AgentStatus.pending_verification

    _fund_organisation(second, 1)
    response = _activate(client, secret)  # the same link: the refusal did not use it
    assert response.status_code == 200 and response.json()["fee_charged"] == "5.00EUR"
    company_id = _agent(second).company_id
    assert balance(companies.available_account(company_id)) == 0 and balance(PLATFORM_REVENUE) == 500
    with unit_of_work(read_only=True) as session:
        [fee] = session.execute(select(LedgerTransfer).where(LedgerTransfer.kind == "agent_activation_fee")).scalars()
        entry = session.execute(select(AuditEntry).where(AuditEntry.subject_id == second)).scalar_one()
    assert fee.reference_id == second and entry.transfer_id == fee.id
    assert_ledger_balanced()


@pytest.mark.parametrize("case", ["used", "expired", "forged", "huge"])
def test_a_used_expired_or_forged_link_is_refused_and_changes_nothing(client, case):
    register(client)
    secret = activation_secret()
    if case == "used":
        assert _activate(client, secret).status_code == 200
    if case == "expired":
        clock.freeze(clock.now())
        clock.advance(timedelta(days=7, seconds=1))
    attempt = {"forged": secret[:-3] + "abc", "huge": "x" * 201}.get(case, secret)
    before = row_counts()
    try:
        response = _activate(client, attempt)
        details = client.get(f"/v1/agents/activation/{attempt}")
    finally:
        clock.unfreeze()
    expected = 422 if case == "huge" else 400
    assert response.status_code == details.status_code == expected, response.text
    if expected == 400:
        assert_error(response, status=400, code="invalid_token")
    assert row_counts() == before
    assert len(mails("agent_key")) == (1 if case == "used" else 0)


@pytest.mark.parametrize("payload", [{"accept_terms": False}, {}, {"accept_terms": "yes"},
                                     {"accept_terms": True, "extra": 1}])
def test_terms_not_accepted_are_refused_with_422_and_the_link_stays_usable(client, payload):
    register(client)
    secret = activation_secret()
    before = row_counts()
    response = client.post(f"/v1/agents/activation/{secret}", json=payload)
    assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error"
    assert row_counts() == before
    assert _activate(client, secret).status_code == 200


def test_two_concurrent_activations_give_one_active_agent_one_fee_and_one_key_mail(client):
    first = register(client)["agent_id"]
    _activate(client, activation_secret())
    second = register(client, name="Raced Agent")["agent_id"]
    _fund_organisation(second, 2_000)
    secret = activation_secret()

    def attempt(_index: int) -> int:
        with api_client() as racer:
            return _activate(racer, secret).status_code

    assert sorted(run_concurrently(2, attempt)) == [200, 400]
    assert _agent(second).status == AgentStatus.active and _agent(first).status == AgentStatus.active
    assert len(mails("agent_key")) == 2  # one for each agent
    assert balance(PLATFORM_REVENUE) == 500
    assert_ledger_balanced()


def test_two_agents_of_one_organisation_activated_at_once_are_not_both_free(client):
    # A company owner's agents: the owner's account and membership exist, so nothing but the
    # organisation's lock orders the two activations.
    with unit_of_work() as session:
        factories.make_user(session, role=Role.company, email="boss@example.com", company_name="Acme")
    register(client, owner_email="boss@example.com")
    register(client, name="Other Agent", owner_email="boss@example.com")
    secrets = [activation_secret("boss@example.com", index=0), activation_secret("boss@example.com", index=1)]
    _fund_organisation(_agent_ids()[0], 2_000)

    def attempt(index: int) -> int:
        with api_client() as racer:
            return _activate(racer, secrets[index]).status_code

    assert run_concurrently(2, attempt) == [200, 200]
    assert balance(PLATFORM_REVENUE) == 500
    assert_ledger_balanced()


def _agent_ids() -> list[str]:
    with unit_of_work(read_only=True) as session:
        return list(session.execute(select(Agent.id).order_by(Agent.created_at)).scalars())


@pytest.mark.parametrize("answer", [200, 500])
def test_the_registered_webhook_url_becomes_an_endpoint_of_the_agent_on_activation(client, monkeypatch, answer):
    override_settings(monkeypatch, webhooks_allow_localhost=True)
    receiver = Receiver(status=answer).start()
    try:
        agent_id = register(client, webhook_url=receiver.url)["agent_id"]
        assert receiver.calls == []  # nothing is called at registration
        assert _activate(client, activation_secret()).status_code == 200
    finally:
        receiver.stop()
    with unit_of_work(read_only=True) as session:
        [endpoint] = session.execute(select(WebhookEndpoint)).scalars()
    assert endpoint.project_id == _agent(agent_id).project_id and endpoint.url == receiver.url
    assert endpoint.status == ("enabled" if answer == 200 else "disabled")  # activation stands either way
    assert [call.json["type"] for call in receiver.calls] == ["webhook.ping"]
    assert _agent(agent_id).status == AgentStatus.active


def test_a_deleted_agent_still_counts_so_the_next_one_is_not_free(client):
    first = register(client)["agent_id"]
    assert _activate(client, activation_secret()).status_code == 200
    with unit_of_work() as session:
        session.get_one(Agent, first).status = AgentStatus.deleted
    register(client, name="Replacement Agent")
    assert client.get(f"/v1/agents/activation/{activation_secret()}").json()["fee_cents"] == 500
