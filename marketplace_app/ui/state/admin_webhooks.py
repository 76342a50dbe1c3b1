"""Staff page: webhook endpoints that are switched off and deliveries that gave up, across companies.

Read-only: companies fix their receivers and replay from their own dashboard. The rows
come from `webhooks.queries`, joined to their project and company so staff know whom to call.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.ui.state.base import AppState, role_page
from marketplace_app.ui.state.display import NEVER, when
from marketplace_app.webhooks import queries

ROWS_SHOWN = 100
RECENT_DAYS = 7


def disabled_endpoints(session: Session, *, limit: int = ROWS_SHOWN) -> list[dict[str, str]]:
    """Disabled endpoints, most recently changed first, with their company, project and reason."""
    return [{"id": row.id, "url": row.url, "reason": row.disabled_reason or "", "company": row.company,
             "project": row.project, "failures": str(row.consecutive_failures), "since": when(row.updated_at)}
            for row in queries.disabled_endpoints(session, limit=limit)]


def failed_deliveries(session: Session, *, days: int = RECENT_DAYS, limit: int = ROWS_SHOWN
                      ) -> list[dict[str, str]]:
    """Deliveries that exhausted their retries in the last `days` days, newest first."""
    return [{"id": str(row.id), "type": row.event_type, "event_id": row.event_id, "url": row.url,
             "destination": "endpoint" if row.endpoint_id else "callback URL", "attempts": str(row.attempts),
             "code": NEVER if row.last_status_code is None else str(row.last_status_code),
             "error": row.last_error or "", "company": row.company, "project": row.project,
             "time": when(row.created_at)} for row in queries.failed_deliveries(session, days=days, limit=limit)]


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
    @role_page("admin")
    async def load(self):
        """Guard the page for admins, then read both lists."""
        snapshot = await self._call(failures_snapshot)
        self.endpoints, self.deliveries = snapshot["endpoints"], snapshot["deliveries"]
        self.loaded, self.checked_at = True, when(now())
        return None
