"""Staff page: webhook endpoints that are switched off and deliveries that gave up, across companies.

Read-only: companies fix their receivers and replay from their own dashboard. The query
joins each endpoint or delivery to its project and company so staff know whom to call.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import reflex as rx
from sqlalchemy import select
from sqlmodel import Session

from marketplace_app.companies.models import Company, Project
from marketplace_app.core.clock import now
from marketplace_app.ui.state.base import AppState
from marketplace_app.ui.state.display import NEVER, when
from marketplace_app.webhooks.models import DeliveryStatus, EndpointStatus, WebhookDelivery, WebhookEndpoint

ENDPOINTS = WebhookEndpoint.__table__
DELIVERIES = WebhookDelivery.__table__
PROJECTS = Project.__table__
COMPANIES = Company.__table__
ROWS_SHOWN = 100
RECENT_DAYS = 7


def disabled_endpoints(session: Session, *, limit: int = ROWS_SHOWN) -> list[dict[str, str]]:
    """Disabled endpoints, most recently changed first, with their company, project and reason."""
    rows = session.execute(
        select(ENDPOINTS.c.id, ENDPOINTS.c.url, ENDPOINTS.c.disabled_reason, ENDPOINTS.c.consecutive_failures,
               ENDPOINTS.c.updated_at, PROJECTS.c.name.label("project"), COMPANIES.c.name.label("company"))
        .join(PROJECTS, PROJECTS.c.id == ENDPOINTS.c.project_id)
        .join(COMPANIES, COMPANIES.c.id == PROJECTS.c.company_id)
        .where(ENDPOINTS.c.status == EndpointStatus.disabled)
        .order_by(ENDPOINTS.c.updated_at.desc(), ENDPOINTS.c.id).limit(limit)).mappings().all()
    return [{"id": row["id"], "url": row["url"], "reason": row["disabled_reason"] or "", "company": row["company"],
             "project": row["project"], "failures": str(row["consecutive_failures"]), "since": when(row["updated_at"])}
            for row in rows]


def failed_deliveries(session: Session, *, days: int = RECENT_DAYS, limit: int = ROWS_SHOWN
                      ) -> list[dict[str, str]]:
    """Deliveries that exhausted their retries in the last `days` days, newest first."""
    rows = session.execute(
        select(DELIVERIES.c.id, DELIVERIES.c.event_type, DELIVERIES.c.event_id, DELIVERIES.c.url,
               DELIVERIES.c.attempts, DELIVERIES.c.last_status_code, DELIVERIES.c.last_error,
               DELIVERIES.c.created_at, DELIVERIES.c.endpoint_id, PROJECTS.c.name.label("project"),
               COMPANIES.c.name.label("company"))
        .join(PROJECTS, PROJECTS.c.id == DELIVERIES.c.project_id)
        .join(COMPANIES, COMPANIES.c.id == PROJECTS.c.company_id)
        .where(DELIVERIES.c.status == DeliveryStatus.failed, DELIVERIES.c.created_at >= now() - timedelta(days=days))
        .order_by(DELIVERIES.c.id.desc()).limit(limit)).mappings().all()
    return [{"id": str(row["id"]), "type": row["event_type"], "event_id": row["event_id"], "url": row["url"],
             "destination": "endpoint" if row["endpoint_id"] else "callback URL", "attempts": str(row["attempts"]),
             "code": NEVER if row["last_status_code"] is None else str(row["last_status_code"]),
             "error": row["last_error"] or "", "company": row["company"], "project": row["project"],
             "time": when(row["created_at"])} for row in rows]


def failures_snapshot(session: Session) -> dict[str, Any]:
    """Both lists for the page."""
    return {"endpoints": disabled_endpoints(session), "deliveries": failed_deliveries(session)}


class WebhookFailuresState(AppState):
    """Disabled endpoints and failed deliveries for staff."""

    endpoints: list[dict[str, str]] = []
    deliveries: list[dict[str, str]] = []
    loaded: bool = False
    checked_at: str = ""

    @rx.event
    async def load(self):
        """Guard the page for admins, then read both lists."""
        redirect = await self._require("admin")
        if redirect:
            return redirect
        snapshot = await self._call(failures_snapshot)
        self.endpoints, self.deliveries = snapshot["endpoints"], snapshot["deliveries"]
        self.loaded, self.checked_at = True, when(now())
        return None
