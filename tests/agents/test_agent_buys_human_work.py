"""An active agent buys human work through `/v1/requests` exactly like a project key: its key
creates, lists, reads and cancels requests with money escrowed and refunded through the ledger,
under its own project's caps (the monthly one answered with VoxPact's 402
`monthly_limit_exceeded`, while a plain project key keeps its 400 `limit_exceeded`), and the
events reach its own webhook endpoint (a real loopback receiver)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from marketplace_app.settings import get_settings
from tests.agents.guard_support import make_scoped_agent
from tests.companies.helpers import make_tenant
from tests.ledger.helpers import assert_ledger_balanced
from tests.requests.helpers import SEED_BODY, available_cents, count_requests, escrow_cents, make_agent
from tests.support import api_client, assert_error
from tests.webhooks.helpers import create_endpoint, deliver_until_idle
from tests.webhooks.receiver import Receiver

PRICE_CENTS = 800  # SEED_BODY's max_price


@pytest.fixture
def client():
    """An API client seeing server errors as responses (tests/agents has no shared conftest of its own)."""
    with api_client() as test_client:
        yield test_client


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """A loopback webhook receiver, with the development setting that lets endpoints point at localhost."""
    monkeypatch.setenv("WEBHOOKS_ALLOW_LOCALHOST", "1")
    get_settings.cache_clear()
    started = Receiver().start()
    yield started
    started.stop()
    get_settings.cache_clear()


def test_an_agent_key_creates_lists_reads_and_cancels_human_requests_and_its_webhook_hears_of_it(client, receiver):
    # given an active agent of a company with 20.00 EUR, and a webhook endpoint on the agent's project
    tenant = make_tenant(name="Buyer")
    agent = make_scoped_agent(scopes=["requests"], funded_cents=2_000, company_id=tenant.company_id,
                              max_per_request_cents=1_000, monthly_budget_cents=5_000)
    create_endpoint(client, tenant, agent.project_id, receiver.url)

    # when the agent works through the request routes
    created = client.post("/v1/requests", json=SEED_BODY, headers=agent.headers())
    request_id = created.json()["request_id"]
    held = escrow_cents(agent)
    listed = client.get("/v1/requests", headers=agent.headers())
    read = client.get(f"/v1/requests/{request_id}", headers=agent.headers())
    cancelled = client.post(f"/v1/requests/{request_id}/cancel", headers=agent.headers())
    deliver_until_idle()

    # then each answer is the project key's answer
    assert created.status_code == 201, created.text
    assert (created.json()["status"], created.json()["max_price"]) == ("matching", "8.00EUR")
    assert held == PRICE_CENTS
    assert [item["request_id"] for item in listed.json()["data"]] == [request_id]
    assert (read.status_code, read.json()["status"]) == (200, "matching")
    assert (cancelled.status_code, cancelled.json()["status"], cancelled.json()["refunded_cents"]) == (
        200, "cancelled", PRICE_CENTS)
    # and the money came back in full
    assert (escrow_cents(agent), available_cents(agent)) == (0, 2_000)
    assert_ledger_balanced()
    # and the agent's own endpoint heard of it, about this request
    assert receiver.types() == ["request.matching", "request.cancelled"]
    assert {event["request_id"] for event in receiver.events()} == {request_id}


def test_an_agent_keys_monthly_budget_is_a_402_monthly_limit_exceeded(client):
    # given an agent whose project may spend 16.00 EUR a month, having spent it
    agent = make_scoped_agent(scopes=["*"], funded_cents=5_000, monthly_budget_cents=2 * PRICE_CENTS)
    for _ in range(2):
        assert client.post("/v1/requests", json=SEED_BODY, headers=agent.headers()).status_code == 201

    # when
    response = client.post("/v1/requests", json=SEED_BODY, headers=agent.headers())

    # then
    message = assert_error(response, status=402, code="monthly_limit_exceeded")
    assert "Monthly budget exceeded" in message
    assert count_requests() == 2
    assert escrow_cents(agent) == 2 * PRICE_CENTS


def test_a_plain_project_key_keeps_its_400_limit_exceeded_for_the_monthly_budget(client):
    # given a project key (no agent) with the same cap, spent
    project = make_agent(funded_cents=5_000, monthly_budget_cents=2 * PRICE_CENTS)
    for _ in range(2):
        assert client.post("/v1/requests", json=SEED_BODY, headers=project.headers()).status_code == 201

    # when
    response = client.post("/v1/requests", json=SEED_BODY, headers=project.headers())

    # then
    assert "Monthly budget exceeded" in assert_error(response, status=400, code="limit_exceeded")


@pytest.mark.parametrize(("caps", "needle"), [({"max_per_request_cents": PRICE_CENTS - 1}, "per-request limit"),
                                              ({"daily_budget_cents": PRICE_CENTS - 1}, "Daily budget exceeded")])
def test_an_agent_keys_per_request_and_daily_caps_refuse_as_for_every_key(client, caps, needle):
    # given
    agent = make_scoped_agent(scopes=["requests"], funded_cents=5_000, **caps)

    # when
    response = client.post("/v1/requests", json=SEED_BODY, headers=agent.headers())

    # then
    assert needle in assert_error(response, status=400, code="limit_exceeded")
    assert count_requests() == 0


def test_an_agent_without_credit_is_refused_with_402_insufficient_credits(client):
    # given
    agent = make_scoped_agent(scopes=["requests"], funded_cents=PRICE_CENTS - 1)

    # when
    response = client.post("/v1/requests", json=SEED_BODY, headers=agent.headers())

    # then
    assert_error(response, status=402, code="insufficient_credits")
    assert available_cents(agent) == PRICE_CENTS - 1


def test_an_agent_sees_only_its_own_projects_requests(client):
    # given two agents of one company, and one of another
    first = make_scoped_agent(scopes=["requests"], funded_cents=5_000)
    sibling = make_scoped_agent(scopes=["requests"], funded_cents=5_000, company_id=first.company_id)
    stranger = make_scoped_agent(scopes=["requests"], funded_cents=5_000, company_name="Other")
    request_id = client.post("/v1/requests", json=SEED_BODY, headers=first.headers()).json()["request_id"]

    # when / then
    for other in (sibling, stranger):
        assert client.get("/v1/requests", headers=other.headers()).json()["data"] == []
        assert_error(client.get(f"/v1/requests/{request_id}", headers=other.headers()), status=404,
                     code="not_found")
        assert_error(client.post(f"/v1/requests/{request_id}/cancel", headers=other.headers()), status=404,
                     code="not_found")
