"""Shared tools for the webhook tests: tenants with an agent key, endpoints made through the
API, committed deliveries and attempts, and the delivery job run to idle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import RowMapping, select

from marketplace_app.companies.models import KeyMode
from marketplace_app.core.db import metadata, unit_of_work
from marketplace_app.events import service as events
from marketplace_app.events.models import Event
from marketplace_app.webhooks import delivery
from marketplace_app.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.companies.helpers import Tenant, make_tenant
from tests.requests.helpers import Agent, add_project_agent

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DELIVERIES = WebhookDelivery.__table__
ATTEMPTS = WebhookAttempt.__table__
ENDPOINTS = WebhookEndpoint.__table__
EVENTS = Event.__table__


def webhooks_path(project_id: str) -> str:
    return f"/v1/dashboard/projects/{project_id}/webhooks"


def tenant_with_agent(*, mode: KeyMode = KeyMode.test, name: str = "Acme") -> tuple[Tenant, Agent]:
    """A company (owner, admin, member sessions) with one project and one agent key of `mode`."""
    tenant = make_tenant(name=name)
    agent = add_project_agent(Agent(company_id=tenant.company_id, project_id="", key="", key_id=""), mode=mode)
    return tenant, agent


def create_endpoint(client: TestClient, tenant: Tenant, project_id: str, url: str, **body: Any) -> dict[str, Any]:
    """Create an endpoint through the API (its ping must pass) and return the response body."""
    response = client.post(webhooks_path(project_id), json={"url": url, **body}, headers=tenant.headers())
    assert response.status_code == 201, response.text
    return response.json()


def emit(agent: Agent, types: Sequence[str], *, mode: str = "test", request_id: str | None = None) -> list[str]:
    """Record events of `types` for the agent's project, as a service would; return their ids."""
    with unit_of_work() as session:
        return events.emit(session, [events.NewEvent(type=kind, project_id=agent.project_id,
                                                     company_id=agent.company_id, request_id=request_id,
                                                     mode=mode, data={"n": index})
                                     for index, kind in enumerate(types)])


def deliveries(*conditions: Any) -> list[RowMapping]:
    """Committed deliveries matching `conditions`, oldest first."""
    with unit_of_work(read_only=True) as session:
        return list(session.execute(select(DELIVERIES).where(*conditions).order_by(DELIVERIES.c.id)).mappings())


def delivery_row(delivery_id: int) -> RowMapping:
    return deliveries(DELIVERIES.c.id == delivery_id)[0]


def attempts(*conditions: Any) -> list[RowMapping]:
    """Committed attempts matching `conditions`, oldest first."""
    with unit_of_work(read_only=True) as session:
        return list(session.execute(select(ATTEMPTS).where(*conditions).order_by(ATTEMPTS.c.id)).mappings())


def endpoint_row(endpoint_id: str) -> RowMapping:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(ENDPOINTS).where(ENDPOINTS.c.id == endpoint_id)).mappings().one()


def events_of(*conditions: Any) -> list[RowMapping]:
    with unit_of_work(read_only=True) as session:
        return list(session.execute(select(EVENTS).where(*conditions).order_by(EVENTS.c.seq)).mappings())


def deliver_until_idle(*, rounds: int = 50) -> int:
    """Run the delivery job until nothing is due; return how many attempts were made."""
    total = 0
    for _ in range(rounds):
        sent = delivery.deliver_due()
        if not sent:
            return total
        total += sent
    raise AssertionError(f"deliveries still due after {rounds} rounds")


def database_text() -> str:
    """Every committed value of every table, as one string (to prove something is nowhere)."""
    parts = []
    with unit_of_work(read_only=True) as session:
        for table in metadata.sorted_tables:
            for row in session.execute(select(table)).all():
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


def unix(moment: datetime) -> int:
    return int(moment.timestamp())
