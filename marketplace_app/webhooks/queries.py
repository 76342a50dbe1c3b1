"""Reading webhook failures across companies, for staff: switched-off endpoints and deliveries that gave up.

Each row is joined to its project and company so staff know whom to call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace_app.companies.models import Company, Project
from marketplace_app.core.clock import now
from marketplace_app.webhooks.models import DeliveryStatus, EndpointStatus, WebhookDelivery, WebhookEndpoint

ENDPOINTS = WebhookEndpoint.__table__
DELIVERIES = WebhookDelivery.__table__
PROJECTS = Project.__table__
COMPANIES = Company.__table__


@dataclass(frozen=True, slots=True)
class DisabledEndpoint:
    """An endpoint that is switched off, with why and whose it is."""

    id: str
    url: str
    disabled_reason: str | None
    consecutive_failures: int
    updated_at: datetime
    project: str
    company: str


@dataclass(frozen=True, slots=True)
class FailedDelivery:
    """A delivery that exhausted its retries, with whose it is."""

    id: int
    event_type: str
    event_id: str
    url: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    endpoint_id: str | None
    project: str
    company: str


def disabled_endpoints(session: Session, *, limit: int) -> list[DisabledEndpoint]:
    """Disabled endpoints, most recently changed first."""
    statement = (
        select(ENDPOINTS.c.id, ENDPOINTS.c.url, ENDPOINTS.c.disabled_reason, ENDPOINTS.c.consecutive_failures,
               ENDPOINTS.c.updated_at, PROJECTS.c.name.label("project"), COMPANIES.c.name.label("company"))
        .join(PROJECTS, PROJECTS.c.id == ENDPOINTS.c.project_id)
        .join(COMPANIES, COMPANIES.c.id == PROJECTS.c.company_id)
        .where(ENDPOINTS.c.status == EndpointStatus.disabled)
        .order_by(ENDPOINTS.c.updated_at.desc(), ENDPOINTS.c.id)
        .limit(limit))
    return [DisabledEndpoint(**row) for row in session.execute(statement).mappings()]


def failed_deliveries(session: Session, *, days: int, limit: int) -> list[FailedDelivery]:
    """Deliveries that exhausted their retries in the last `days` days, newest first."""
    statement = (
        select(DELIVERIES.c.id, DELIVERIES.c.event_type, DELIVERIES.c.event_id, DELIVERIES.c.url,
               DELIVERIES.c.attempts, DELIVERIES.c.last_status_code, DELIVERIES.c.last_error,
               DELIVERIES.c.created_at, DELIVERIES.c.endpoint_id, PROJECTS.c.name.label("project"),
               COMPANIES.c.name.label("company"))
        .join(PROJECTS, PROJECTS.c.id == DELIVERIES.c.project_id)
        .join(COMPANIES, COMPANIES.c.id == PROJECTS.c.company_id)
        .where(DELIVERIES.c.status == DeliveryStatus.failed, DELIVERIES.c.created_at >= now() - timedelta(days=days))
        .order_by(DELIVERIES.c.id.desc())
        .limit(limit))
    return [FailedDelivery(**row) for row in session.execute(statement).mappings()]


def failing_counts(session: Session, *, days: int) -> tuple[int, int]:
    """How many deliveries failed for good in the last `days` days, and how many endpoints are disabled."""
    failed = session.execute(select(func.count()).select_from(DELIVERIES).where(
        DELIVERIES.c.status == DeliveryStatus.failed, DELIVERIES.c.created_at >= now() - timedelta(days=days),
    )).scalar_one()
    disabled = session.execute(select(func.count()).select_from(ENDPOINTS)
                               .where(ENDPOINTS.c.status == EndpointStatus.disabled)).scalar_one()
    return int(failed), int(disabled)
