"""What the webhooks page reads and writes, as plain strings: endpoints, the delivery log, one
delivery's attempts, and the calls that change them (each through `webhooks.service`).

Readers take `(session, actor, ...)` for `CompanyState._as_member`. Creating an endpoint and
switching it on ping the receiver for up to 5 s, so those services open their own
transactions and are called here without a session.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session

from marketplace_app.companies import reports
from marketplace_app.companies.access import CompanyActor
from marketplace_app.core.errors import NotFound, ValidationFailed
from marketplace_app.ui.state.display import NEVER, when
from marketplace_app.webhooks import service as webhooks
from marketplace_app.webhooks.models import DeliveryStatus, EndpointStatus, WebhookEndpoint

DELIVERIES_PER_PAGE = 20
ALL = "all"
LOG_FILTERS = (ALL, *DeliveryStatus)
ALL_EVENTS = "All events"


def subscribed(types: Sequence[str]) -> str:
    """The event types an endpoint receives, in words."""
    return ", ".join(types) if types else ALL_EVENTS


@dataclasses.dataclass
class EndpointRow:
    """One endpoint as its card shows it: never its secret, only the secret's last four characters."""

    id: str = ""
    url: str = ""
    description: str = ""
    status: str = ""
    reason: str = ""
    enabled: bool = False
    types: str = ""
    secret: str = ""
    failures: str = ""
    pending: str = "0"
    delivered: str = "0"
    failed: str = "0"
    created: str = ""


def endpoint_row(endpoint: WebhookEndpoint, counts: Mapping[str, int]) -> EndpointRow:
    """One endpoint with its deliveries counted by status."""
    return EndpointRow(
        id=endpoint.id, url=endpoint.url, description=endpoint.description or "", status=endpoint.status,
        reason=endpoint.disabled_reason or "", enabled=endpoint.status == EndpointStatus.enabled,
        types=subscribed(endpoint.event_types), secret=f"whsec_…{endpoint.secret_last4}",
        failures=str(endpoint.consecutive_failures),
        **{status.value: str(counts.get(status, 0)) for status in DeliveryStatus},
        created=when(endpoint.created_at),
    )


def webhooks_snapshot(session: Session, actor: CompanyActor, *, project_id: str) -> dict[str, Any]:
    """The company's projects, the chosen one (or the first) and its endpoints with delivery counts."""
    projects = reports.project_names(session, company_id=actor.company_id)
    chosen = project_id if project_id in projects else next(iter(projects), "")
    endpoints = webhooks.list_endpoints(session, actor=actor, project_id=chosen) if chosen else []
    stats = webhooks.delivery_stats(session, [endpoint.id for endpoint in endpoints])
    return {"projects": [{"id": key, "name": name} for key, name in projects.items()], "project_id": chosen,
            "endpoints": [endpoint_row(endpoint, stats[endpoint.id]) for endpoint in endpoints],
            "can_write": actor.can_write}


def delivery_row(row: Mapping[str, Any]) -> dict[str, str]:
    """One delivery as the log shows it."""
    pending = row["status"] == DeliveryStatus.pending
    return {
        "id": str(row["id"]), "time": when(row["created_at"]), "type": row["event_type"], "event_id": row["event_id"],
        "request_id": row["request_id"] or NEVER, "status": row["status"], "attempts": str(row["attempts"]),
        "code": NEVER if row["last_status_code"] is None else str(row["last_status_code"]),
        "error": row["last_error"] or "", "next": when(row["next_attempt_at"]) if pending else NEVER,
        "delivered": when(row["delivered_at"]), "url": row["url"],
    }


def deliveries_page(session: Session, actor: CompanyActor, *, endpoint_id: str, status: str,
                    starting_after: str | None) -> dict[str, Any]:
    """One page of an endpoint's deliveries, newest first."""
    rows, has_more = webhooks.list_deliveries(
        session, actor=actor, endpoint_id=endpoint_id, status=None if status == ALL else status,
        limit=DELIVERIES_PER_PAGE, starting_after=int(starting_after) if starting_after else None)
    return {"rows": [delivery_row(row) for row in rows], "has_more": has_more,
            "last_id": str(rows[-1]["id"]) if rows else ""}


def delivery_id(value: str) -> int:
    """A delivery id from the page; anything but digits names no delivery."""
    if not (value.isascii() and value.isdigit()):
        raise NotFound(f"Webhook delivery {value[:40]} not found")
    return int(value)


def delivery_detail(session: Session, actor: CompanyActor, *, delivery: str) -> dict[str, Any]:
    """One delivery with every attempt (oldest first)."""
    row, attempts = webhooks.get_delivery(session, actor=actor, delivery_id=delivery_id(delivery))
    shown = delivery_row(row)
    return {
        "delivery": shown,
        "fields": [{"label": label, "value": shown[key]} for label, key in (
            ("Event type", "type"), ("Event id", "event_id"), ("Request", "request_id"), ("URL", "url"),
            ("Created", "time"), ("Attempts", "attempts"), ("Next attempt", "next"), ("Delivered", "delivered"))],
        "attempts": [{"time": when(attempt["attempted_at"]),
                      "code": NEVER if attempt["status_code"] is None else str(attempt["status_code"]),
                      "latency": f"{attempt['latency_ms']} ms", "error": attempt["error"] or ""}
                     for attempt in attempts],
    }


def add_endpoint(actor: CompanyActor, *, project_id: str, url: str, types: list[str] | None, description: str,
                 save_disabled: bool) -> dict[str, str]:
    """Create an endpoint (pinging it first); returns its secret, shown once, and why it is disabled if so."""
    saved = webhooks.create_endpoint(actor=actor, project_id=project_id, url=url, types=types,
                                     description=description, save_disabled=save_disabled)
    return {"secret": saved.secret or "", "ping_error": saved.ping_error or ""}


def switch(actor: CompanyActor, *, endpoint_id: str, enabled: bool) -> str:
    """Enable (after a successful ping) or disable an endpoint; returns its URL."""
    return webhooks.update_endpoint(actor=actor, endpoint_id=endpoint_id, changes={"enabled": enabled}).endpoint.url


def rotate(session: Session, actor: CompanyActor, *, endpoint_id: str) -> str:
    """A new signing secret, returned this once."""
    return webhooks.rotate_secret(session, actor=actor, endpoint_id=endpoint_id).secret or ""


def delete(session: Session, actor: CompanyActor, *, endpoint_id: str) -> str:
    """Delete an endpoint; returns its URL."""
    return webhooks.delete_endpoint(session, actor=actor, endpoint_id=endpoint_id).url


def send_test(session: Session, actor: CompanyActor, *, endpoint_id: str) -> str:
    """Queue a `webhook.test` event for one endpoint; returns its event id."""
    return webhooks.send_test(session, actor=actor, endpoint_id=endpoint_id)["event_id"]


def replay(session: Session, actor: CompanyActor, *, delivery: str) -> None:
    """Queue one delivery again."""
    webhooks.replay(session, actor=actor, delivery_id=delivery_id(delivery))


def replay_failed(session: Session, actor: CompanyActor, *, endpoint_id: str) -> int:
    """Queue every failed delivery of an endpoint again; returns how many."""
    return webhooks.replay_failed(session, actor=actor, endpoint_id=endpoint_id)


def chosen_types(form: Mapping[str, Any], *, all_events: bool) -> list[str] | None:
    """The ticked event types of the add form (None for every event).

    Raises:
        ValidationFailed: "All events" is off and no type is ticked.
    """
    if all_events:
        return None
    ticked = [name for name in webhooks.SUBSCRIBABLE_TYPES if form.get(f"type:{name}") not in (None, "", False)]
    if not ticked:
        raise ValidationFailed("Choose at least one event type, or receive all events")
    return ticked
