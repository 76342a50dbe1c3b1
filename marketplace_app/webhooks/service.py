"""Webhook endpoints for the company dashboard, fan-out from the outbox, and replay.

Endpoints belong to projects; every query joins the project to the actor's company,
so another company's ids are `not_found`. Saving (or re-enabling, or changing the URL
of) an endpoint sends a signed `webhook.ping` that must get a 2xx within 5 s; the
caller may instead save the endpoint disabled.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlmodel import Session

from marketplace_app.companies.access import CompanyActor, checked_id, require_writer
from marketplace_app.companies.models import Project
from marketplace_app.core.clock import now
from marketplace_app.core.crypto import seal, unseal
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import NotFound, StateConflict, ValidationFailed
from marketplace_app.core.ids import new_id
from marketplace_app.core.pagination import integer_anchor, newest_first
from marketplace_app.events.models import Event
from marketplace_app.events.scopes import INTERNAL_PREFIX
from marketplace_app.events.service import render
from marketplace_app.settings import get_settings
from marketplace_app.webhooks import signing, ssrf, transport
from marketplace_app.webhooks.models import (
    DeliveryStatus,
    EndpointStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

ENDPOINTS = WebhookEndpoint.__table__
DELIVERIES = WebhookDelivery.__table__
ATTEMPTS = WebhookAttempt.__table__
PROJECTS = Project.__table__
EVENTS = Event.__table__
PING_TIMEOUT_SECONDS = 5.0
MAX_ENDPOINTS_PER_PROJECT = 10
MAX_ROW_ID = 2**31 - 1  # delivery ids are 32-bit integers on PostgreSQL
SUBSCRIBABLE_TYPES = (
    "request.matching", "request.in_progress", "request.submitted", "request.needs_review", "request.completed",
    "request.expired", "request.cancelled", "request.disputed", "dispute.opened", "dispute.ruling",
    "dispute.appealed", "dispute.resolved", "key.created", "key.revoked",
    "key.rotated", "agent.activated", "agent.key_rotated",
    "agent.frozen", "agent.unfrozen",  # staff froze or unfroze the agent (agents/freeze.py)
)


class PingFailed(ValidationFailed):
    """The endpoint did not answer the verification ping (422); it may be saved disabled instead."""


@dataclass(frozen=True, slots=True)
class SavedEndpoint:
    """An endpoint just created or given a new secret: `secret` is shown this once."""

    endpoint: WebhookEndpoint
    secret: str | None
    ping_error: str | None = None


def allow_localhost() -> bool:
    return get_settings().webhooks_allow_localhost


def check_destination(url: object) -> ssrf.Destination:
    """The SSRF guard with this deployment's setting."""
    return ssrf.check_url(url, allow_localhost=allow_localhost())


def event_types(values: Iterable[str] | None) -> list[str]:
    """Validate a subscription list (empty or None = every event)."""
    chosen = list(dict.fromkeys(values or []))
    unknown = [value for value in chosen if value not in SUBSCRIBABLE_TYPES]
    if unknown:
        raise ValidationFailed(f"unknown event types {', '.join(unknown)}; valid: {', '.join(SUBSCRIBABLE_TYPES)}")
    return chosen


def ping(url: str, secret: str) -> str | None:
    """Send a signed `webhook.ping`; return None on a 2xx within 5 s, else why not."""
    destination = check_destination(url)
    # Rendered like every event; a ping belongs to no mode's business, so it is not live.
    body = encode(render(Event(id=new_id("evt"), type="webhook.ping", mode="test", created_at=now(),
                               data={"url": url})))
    outcome = transport.post(destination, body, signature_headers(body, [secret]), timeout=PING_TIMEOUT_SECONDS)
    return None if outcome.ok else (outcome.error or "no 2xx answer")


def create_endpoint(*, actor: CompanyActor, project_id: str, url: str, types: Sequence[str] | None,
                    description: str = "", save_disabled: bool = False) -> SavedEndpoint:
    """Check, ping and save a new endpoint (its own transactions; the ping runs outside them).

    Raises:
        Forbidden: The actor may only read.
        NotFound: No such project in the actor's company.
        ValidationFailed: Unsafe URL, unknown event types, too many endpoints, or the ping failed
            and `save_disabled` is false.
    """
    require_writer(actor, "manage webhooks")
    with unit_of_work(read_only=True) as session:  # another company's project is not_found, whatever the body
        _project(session, actor, project_id)
    chosen = event_types(types)
    check_destination(url)
    secret = new_secret()
    problem = ping(url, secret)
    if problem and not save_disabled:
        raise PingFailed(_ping_message(problem))
    moment = now()
    with unit_of_work() as session:
        _project(session, actor, project_id)
        count = session.execute(select(func.count()).where(
            ENDPOINTS.c.project_id == project_id, ENDPOINTS.c.status != EndpointStatus.deleted)).scalar_one()
        if count >= MAX_ENDPOINTS_PER_PROJECT:
            raise ValidationFailed(f"a project may have at most {MAX_ENDPOINTS_PER_PROJECT} webhook endpoints")
        endpoint = WebhookEndpoint(
            id=new_id("whe"), project_id=project_id, url=url, description=description, event_types=chosen,
            status=EndpointStatus.disabled if problem else EndpointStatus.enabled,
            disabled_reason=f"verification ping failed: {problem}" if problem else None,
            secret_sealed=seal(secret), secret_last4=secret[-4:], created_at=moment, updated_at=moment)
        session.add(endpoint)
        session.flush()
        session.expunge(endpoint)
    return SavedEndpoint(endpoint=endpoint, secret=secret, ping_error=problem)


def update_endpoint(*, actor: CompanyActor, endpoint_id: str, changes: Mapping[str, Any],
                    save_disabled: bool = False) -> SavedEndpoint:
    """Change `url`, `event_types`, `description` or `enabled`. A new URL, or enabling, pings first.

    Raises:
        ValidationFailed: A field is sent empty or null (leave a field out to keep it), or is invalid.
        PingFailed: The new URL, or the endpoint being enabled, did not answer the ping.
    """
    require_writer(actor, "manage webhooks")
    _refuse_blank_changes(changes)
    with unit_of_work(read_only=True) as session:
        current = get_endpoint(session, actor=actor, endpoint_id=endpoint_id)
    values: dict[str, Any] = {}
    if "event_types" in changes:
        values["event_types"] = event_types(changes["event_types"])
    if "description" in changes:
        values["description"] = changes["description"]
    url = changes.get("url", current.url)
    enabling = changes.get("enabled") is True or (
        "url" in changes and current.status == EndpointStatus.enabled and changes.get("enabled") is not False)
    if "url" in changes:
        check_destination(url)
        values["url"] = url
    problem = None
    if enabling:
        problem = ping(url, unseal(current.secret_sealed))
        if problem and not save_disabled:
            raise PingFailed(_ping_message(problem))
        values.update(status=EndpointStatus.disabled if problem else EndpointStatus.enabled,
                      disabled_reason=f"verification ping failed: {problem}" if problem else None,
                      consecutive_failures=0)
    elif changes.get("enabled") is False:
        values.update(status=EndpointStatus.disabled, disabled_reason="disabled by a company member")
    with unit_of_work() as session:
        get_endpoint(session, actor=actor, endpoint_id=endpoint_id)
        session.execute(update(ENDPOINTS).where(ENDPOINTS.c.id == endpoint_id).values(updated_at=now(), **values))
        endpoint = get_endpoint(session, actor=actor, endpoint_id=endpoint_id)
        session.expunge(endpoint)
    return SavedEndpoint(endpoint=endpoint, secret=None, ping_error=problem)


def _refuse_blank_changes(changes: Mapping[str, Any]) -> None:
    """A field sent empty or null is refused, never read as "unchanged": an empty `url` once
    re-pinged the old URL and reported success."""
    for field, value in changes.items():
        if value is None:
            raise ValidationFailed(f"{field} must not be null; leave it out to keep the current value")
    if "url" in changes and not str(changes["url"]).strip():
        raise ValidationFailed("url must not be empty; leave it out to keep the current URL")


def delete_endpoint(session: Session, *, actor: CompanyActor, endpoint_id: str) -> WebhookEndpoint:
    """Delete an endpoint: it stops receiving at once; its pending deliveries are marked failed."""
    require_writer(actor, "manage webhooks")
    endpoint = get_endpoint(session, actor=actor, endpoint_id=endpoint_id)
    moment = now()
    session.execute(update(ENDPOINTS).where(ENDPOINTS.c.id == endpoint_id).values(
        status=EndpointStatus.deleted, disabled_reason="deleted", updated_at=moment))
    session.execute(update(DELIVERIES).where(
        DELIVERIES.c.endpoint_id == endpoint_id, DELIVERIES.c.status == DeliveryStatus.pending).values(
        status=DeliveryStatus.failed, next_attempt_at=None, last_error="endpoint deleted"))
    session.refresh(endpoint)
    return endpoint


def rotate_secret(session: Session, *, actor: CompanyActor, endpoint_id: str) -> SavedEndpoint:
    """A new secret (shown once); the previous one keeps signing alongside it for the grace period."""
    require_writer(actor, "manage webhooks")
    endpoint = get_endpoint(session, actor=actor, endpoint_id=endpoint_id)
    secret = new_secret()
    grace = timedelta(hours=get_settings().key_rotation_grace_hours)
    session.execute(update(ENDPOINTS).where(ENDPOINTS.c.id == endpoint_id).values(
        secret_sealed=seal(secret), secret_last4=secret[-4:], previous_secret_sealed=endpoint.secret_sealed,
        previous_secret_expires_at=now() + grace, updated_at=now()))
    session.refresh(endpoint)
    return SavedEndpoint(endpoint=endpoint, secret=secret)


def get_endpoint(session: Session, *, actor: CompanyActor, endpoint_id: str) -> WebhookEndpoint:
    """One of the actor's company's endpoints (deleted ones are gone)."""
    checked_id(endpoint_id, "Webhook endpoint")
    endpoint = session.execute(
        select(WebhookEndpoint).join(Project, Project.id == WebhookEndpoint.project_id)
        .where(WebhookEndpoint.id == endpoint_id, Project.company_id == actor.company_id,
               WebhookEndpoint.status != EndpointStatus.deleted)
        .execution_options(populate_existing=True)).scalar_one_or_none()
    if endpoint is None:
        raise NotFound(f"Webhook endpoint {endpoint_id} not found")
    return endpoint


def list_endpoints(session: Session, *, actor: CompanyActor, project_id: str | None = None) -> list[WebhookEndpoint]:
    """The company's endpoints (or one project's), oldest first."""
    statement = (select(WebhookEndpoint).join(Project, Project.id == WebhookEndpoint.project_id)
                 .where(Project.company_id == actor.company_id, WebhookEndpoint.status != EndpointStatus.deleted)
                 .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id))
    if project_id is not None:
        _project(session, actor, project_id)
        statement = statement.where(WebhookEndpoint.project_id == project_id)
    return list(session.execute(statement).scalars())


def delivery_stats(session: Session, endpoint_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Per endpoint: how many deliveries are pending, delivered and failed."""
    stats = {endpoint_id: {status: 0 for status in DeliveryStatus} for endpoint_id in endpoint_ids}
    if endpoint_ids:
        rows = session.execute(select(DELIVERIES.c.endpoint_id, DELIVERIES.c.status, func.count())
                               .where(DELIVERIES.c.endpoint_id.in_(list(endpoint_ids)))
                               .group_by(DELIVERIES.c.endpoint_id, DELIVERIES.c.status)).all()
        for endpoint_id, status, count in rows:
            stats[endpoint_id][status] = count
    return stats


def list_deliveries(session: Session, *, actor: CompanyActor, endpoint_id: str, status: str | None = None,
                    limit: int = 20, starting_after: int | None = None) -> tuple[list[Mapping[str, Any]], bool]:
    """An endpoint's deliveries, newest first, keyset by delivery id."""
    get_endpoint(session, actor=actor, endpoint_id=endpoint_id)
    statement = select(DELIVERIES).where(DELIVERIES.c.endpoint_id == endpoint_id)
    if status is not None:
        statement = statement.where(DELIVERIES.c.status == status)
    anchor = integer_anchor(starting_after, max_id=MAX_ROW_ID)
    page = newest_first(session, statement, columns=(DELIVERIES.c.id,), anchor=anchor, limit=limit)
    return page.rows, page.has_more


def get_delivery(session: Session, *, actor: CompanyActor, delivery_id: int) -> tuple[Mapping[str, Any],
                                                                                    list[Mapping[str, Any]]]:
    """One delivery of the actor's company (endpoint or callback) with its attempts, oldest first."""
    if not 0 < delivery_id <= MAX_ROW_ID:  # PostgreSQL would refuse to compare it with the column
        raise NotFound(f"Webhook delivery {delivery_id} not found")
    row = session.execute(
        select(DELIVERIES).join(PROJECTS, PROJECTS.c.id == DELIVERIES.c.project_id)
        .where(DELIVERIES.c.id == delivery_id, PROJECTS.c.company_id == actor.company_id)).mappings().one_or_none()
    if row is None:
        raise NotFound(f"Webhook delivery {delivery_id} not found")
    attempts = session.execute(select(ATTEMPTS).where(ATTEMPTS.c.delivery_id == delivery_id)
                               .order_by(ATTEMPTS.c.id)).mappings().all()
    return row, list(attempts)


def replay(session: Session, *, actor: CompanyActor, delivery_id: int) -> Mapping[str, Any]:
    """Send a delivery again (same event, same `event_id`), now, with a fresh retry schedule."""
    require_writer(actor, "replay webhooks")
    row, _ = get_delivery(session, actor=actor, delivery_id=delivery_id)
    if row["status"] == DeliveryStatus.pending:
        raise StateConflict("This delivery is already queued")
    if row["endpoint_id"] is not None:
        endpoint = get_endpoint(session, actor=actor, endpoint_id=row["endpoint_id"])
        if endpoint.status != EndpointStatus.enabled:
            raise StateConflict("Enable the endpoint before replaying to it")
    session.execute(_requeue().where(DELIVERIES.c.id == delivery_id, DELIVERIES.c.status != DeliveryStatus.pending))
    return get_delivery(session, actor=actor, delivery_id=delivery_id)[0]


def replay_failed(session: Session, *, actor: CompanyActor, endpoint_id: str) -> int:
    """Queue every failed delivery of an endpoint again; return how many."""
    require_writer(actor, "replay webhooks")
    endpoint = get_endpoint(session, actor=actor, endpoint_id=endpoint_id)
    if endpoint.status != EndpointStatus.enabled:
        raise StateConflict("Enable the endpoint before replaying to it")
    return session.execute(_requeue().where(DELIVERIES.c.endpoint_id == endpoint_id,
                                            DELIVERIES.c.status == DeliveryStatus.failed)).rowcount


def send_test(session: Session, *, actor: CompanyActor, endpoint_id: str) -> Mapping[str, Any]:
    """Queue a `webhook.test` event to this endpoint only; it shows in the delivery log."""
    require_writer(actor, "test webhooks")
    endpoint = get_endpoint(session, actor=actor, endpoint_id=endpoint_id)
    if endpoint.status != EndpointStatus.enabled:
        raise StateConflict("Enable the endpoint before sending a test event")
    moment = now()
    event_id = new_id("evt")
    session.execute(insert(EVENTS).values(id=event_id, type="webhook.test", project_id=endpoint.project_id,
                                          company_id=actor.company_id, request_id=None, mode="test",
                                          data={"endpoint_id": endpoint_id}, created_at=moment))
    delivery_id = session.execute(insert(DELIVERIES).values(
        event_id=event_id, event_type="webhook.test", project_id=endpoint.project_id, endpoint_id=endpoint_id,
        url=endpoint.url, status=DeliveryStatus.pending, next_attempt_at=moment, created_at=moment)
        .returning(DELIVERIES.c.id)).scalar_one()
    return get_delivery(session, actor=actor, delivery_id=delivery_id)[0]


# Built once: every event (every create) runs them.
_ENABLED_ENDPOINTS = select(ENDPOINTS.c.id, ENDPOINTS.c.project_id, ENDPOINTS.c.url, ENDPOINTS.c.event_types).where(
    ENDPOINTS.c.project_id.in_(bindparam("projects", expanding=True)), ENDPOINTS.c.status == EndpointStatus.enabled)
_INSERT_DELIVERIES = insert(DELIVERIES)


def enqueue(session: Session, events: Sequence[Mapping[str, Any]]) -> int:
    """Fan newly written events out to deliveries, in the transaction that wrote them.

    Each event goes to every enabled endpoint of its project subscribed to its type, and to
    its request's `callback_url` (event mapping keys `callback_url`/`callback_secret_sealed`).
    """
    public = [event for event in events if not event["type"].startswith(INTERNAL_PREFIX)]
    projects = {event["project_id"] for event in public if event["project_id"]}
    endpoints: list[Any] = []
    if projects:
        endpoints = session.execute(_ENABLED_ENDPOINTS, {"projects": sorted(projects)}).all()
    rows = []
    for event in public:
        base = {"event_id": event["id"], "event_type": event["type"], "project_id": event["project_id"],
                "request_id": event["request_id"], "status": DeliveryStatus.pending,
                "next_attempt_at": event["created_at"], "created_at": event["created_at"]}
        for endpoint in endpoints:
            if endpoint.project_id == event["project_id"] and (
                    not endpoint.event_types or event["type"] in endpoint.event_types):
                rows.append({**base, "endpoint_id": endpoint.id, "url": endpoint.url, "callback_secret_sealed": None})
        if event.get("callback_url"):
            rows.append({**base, "endpoint_id": None, "url": event["callback_url"],
                         "callback_secret_sealed": event.get("callback_secret_sealed")})
    if rows:
        session.execute(_INSERT_DELIVERIES, rows)
    return len(rows)


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def signature_headers(body: bytes, signing_secrets: Sequence[str]) -> dict[str, str]:
    """The `X-Handoff-Signature` header for `body` now (none when there is no secret to sign with)."""
    if not signing_secrets:
        return {}
    timestamp = int(now().timestamp())
    return {signing.SIGNATURE_HEADER: signing.signature_header(body, signing_secrets, timestamp)}


def encode(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes we send (and sign): compact JSON, UTF-8."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def _requeue() -> Any:
    return update(DELIVERIES).values(status=DeliveryStatus.pending, attempts=0, next_attempt_at=now(),
                                     last_error=None, delivered_at=None)


def _project(session: Session, actor: CompanyActor, project_id: str) -> None:
    checked_id(project_id, "Project")
    found = session.execute(select(PROJECTS.c.id).where(
        and_(PROJECTS.c.id == project_id, PROJECTS.c.company_id == actor.company_id))).first()
    if found is None:
        raise NotFound(f"Project {project_id} not found")


def _ping_message(problem: str) -> str:
    return (f"The endpoint did not answer the webhook.ping with a 2xx within {PING_TIMEOUT_SECONDS:g} s "
            f"({problem}). Fix the receiver and save again, or save it disabled.")
