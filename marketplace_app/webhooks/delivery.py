"""The delivery job: claim due deliveries, send them outside any transaction, record each attempt.

A claim moves `next_attempt_at` forward by a lease, so a process killed mid-send leaves the
delivery due again after the lease: nothing queued is ever lost (a receiver may see an event
twice after such a crash, which its `event_id` makes harmless). The retry schedule is
attempt now, then once after each delay of `webhook_retry_seconds` (±10 % jitter), then `failed`.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select, update

from marketplace_app.core.clock import now
from marketplace_app.core.crypto import unseal
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import ValidationFailed
from marketplace_app.events.models import Event
from marketplace_app.events.service import render
from marketplace_app.settings import get_settings
from marketplace_app.webhooks import service, transport
from marketplace_app.webhooks.models import DeliveryStatus, EndpointStatus

log = logging.getLogger(__name__)
DELIVERIES = service.DELIVERIES
ENDPOINTS = service.ENDPOINTS
ATTEMPTS = service.ATTEMPTS
EVENTS = Event.__table__
BATCH_SIZE = 200
SEND_TIMEOUT_SECONDS = 10.0
LEASE = timedelta(seconds=60)
WORKERS = 8
JITTER = 0.10
DISABLE_AFTER_FAILURES = 50


def retry_delays() -> list[int]:
    return list(get_settings().webhook_retry_seconds)


def deliver_due(limit: int = BATCH_SIZE) -> int:
    """Send up to `limit` due deliveries; return how many were attempted."""
    claimed = claim(limit)
    if not claimed:
        return 0
    # One destination's deliveries for one request go in order, one at a time; groups run in parallel.
    groups: dict[tuple[str, str | None], list[Mapping[str, Any]]] = defaultdict(list)
    for row in claimed:
        groups[(row["endpoint_id"] or row["url"], row["request_id"])].append(row)
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(groups))) as pool:
        list(pool.map(_send_group, groups.values()))
    return len(claimed)


def claim(limit: int) -> list[Mapping[str, Any]]:
    """Take due deliveries with a lease (a conditional update, so two senders never share one)."""
    moment = now()
    with unit_of_work() as session:
        due = session.execute(select(DELIVERIES.c.id).where(
            DELIVERIES.c.status == DeliveryStatus.pending, DELIVERIES.c.next_attempt_at <= moment)
            .order_by(DELIVERIES.c.next_attempt_at, DELIVERIES.c.id).limit(limit)).scalars().all()
        if not due:
            return []
        rows = session.execute(update(DELIVERIES).where(
            DELIVERIES.c.id.in_(due), DELIVERIES.c.status == DeliveryStatus.pending,
            DELIVERIES.c.next_attempt_at <= moment).values(next_attempt_at=moment + LEASE)
            .returning(*DELIVERIES.c)).mappings().all()
        events = {row.id: row for row in session.execute(
            select(EVENTS).where(EVENTS.c.id.in_({row["event_id"] for row in rows}))).all()}
        endpoints = {row.id: row for row in session.execute(select(ENDPOINTS).where(
            ENDPOINTS.c.id.in_({row["endpoint_id"] for row in rows if row["endpoint_id"]}))).all()}
    claimed = []
    for row in sorted(rows, key=lambda row: row["id"]):
        claimed.append({**row, "event": events[row["event_id"]], "endpoint": endpoints.get(row["endpoint_id"])})
    return claimed


def _send_group(rows: Sequence[Mapping[str, Any]]) -> None:
    for row in rows:
        try:
            outcome = _send(row)
        except Exception as exc:  # never let one delivery stop the batch; it stays leased and retries
            log.exception("webhook delivery %s crashed", row["id"])
            outcome = transport.Outcome(None, 0, f"internal error: {type(exc).__name__}")
        record(row, outcome)


def _send(row: Mapping[str, Any]) -> transport.Outcome:
    endpoint = row["endpoint"]
    if endpoint is not None and endpoint.status != EndpointStatus.enabled:
        return transport.Outcome(None, 0, "endpoint disabled")
    # An endpoint's deliveries go to its current URL (a changed URL applies to retries and replays too).
    url = endpoint.url if endpoint is not None else row["url"]
    try:
        destination = service.check_destination(url)
    except ValidationFailed as exc:
        return transport.Outcome(None, 0, f"refused: {exc.message}"[:transport.MAX_ERROR_LENGTH])
    body = service.encode(render(row["event"]))
    return transport.post(destination, body, _headers(row, body), timeout=SEND_TIMEOUT_SECONDS)


def _headers(row: Mapping[str, Any], body: bytes) -> dict[str, str]:
    endpoint = row["endpoint"]
    if endpoint is None:
        secrets = [unseal(row["callback_secret_sealed"])] if row["callback_secret_sealed"] else []
    else:
        secrets = [unseal(endpoint.secret_sealed)]
        if endpoint.previous_secret_sealed and endpoint.previous_secret_expires_at and \
                endpoint.previous_secret_expires_at > now():
            secrets.append(unseal(endpoint.previous_secret_sealed))
    headers = {"X-Handoff-Event": row["event_type"], "X-Handoff-Event-Id": row["event_id"],
               "X-Handoff-Delivery": str(row["id"])}
    headers.update(service.signature_headers(body, secrets))
    return headers


def record(row: Mapping[str, Any], outcome: transport.Outcome) -> None:
    """Log the attempt and move the delivery on: delivered, retry later, or failed."""
    moment = now()
    attempts = row["attempts"] + 1
    delays = retry_delays()
    if outcome.ok:
        values: dict[str, Any] = {"status": DeliveryStatus.delivered, "delivered_at": moment, "next_attempt_at": None}
    elif attempts > len(delays):
        values = {"status": DeliveryStatus.failed, "next_attempt_at": None}
    else:
        delay = delays[attempts - 1] * random.uniform(1 - JITTER, 1 + JITTER)
        values = {"next_attempt_at": moment + timedelta(seconds=delay)}
    with unit_of_work() as session:
        moved = session.execute(update(DELIVERIES).where(
            DELIVERIES.c.id == row["id"], DELIVERIES.c.status == DeliveryStatus.pending,
            DELIVERIES.c.attempts == row["attempts"]).values(
            attempts=attempts, last_status_code=outcome.status_code, last_error=outcome.error, **values)).rowcount
        if not moved:  # replayed or deleted meanwhile: the newer state wins
            return
        session.execute(insert(ATTEMPTS).values(delivery_id=row["id"], attempted_at=moment,
                                                status_code=outcome.status_code, latency_ms=outcome.latency_ms,
                                                error=outcome.error))
        if row["endpoint_id"] is not None:
            _count_for_endpoint(session, row, outcome)


def _count_for_endpoint(session: Any, row: Mapping[str, Any], outcome: transport.Outcome) -> None:
    endpoint_id = row["endpoint_id"]
    failures = 0 if outcome.ok else ENDPOINTS.c.consecutive_failures + 1
    session.execute(update(ENDPOINTS).where(ENDPOINTS.c.id == endpoint_id).values(consecutive_failures=failures))
    if outcome.ok:
        return
    disabled = session.execute(update(ENDPOINTS).where(
        ENDPOINTS.c.id == endpoint_id, ENDPOINTS.c.status == EndpointStatus.enabled,
        ENDPOINTS.c.consecutive_failures >= DISABLE_AFTER_FAILURES).values(
        status=EndpointStatus.disabled, updated_at=now(),
        disabled_reason=f"disabled automatically after {DISABLE_AFTER_FAILURES} consecutive failed attempts")
        .returning(ENDPOINTS.c.project_id, ENDPOINTS.c.url)).first()
    if disabled is not None:
        _notify_disabled(session, endpoint_id, disabled.project_id, disabled.url)


def _notify_disabled(session: Any, endpoint_id: str, project_id: str, url: str) -> None:
    from marketplace_app.companies.models import Project
    from marketplace_app.events import service as events

    company_id = session.execute(select(Project.__table__.c.company_id)
                                 .where(Project.__table__.c.id == project_id)).scalar_one()
    events.emit(session, [events.NewEvent(type="webhook.disabled", project_id=project_id, company_id=company_id,
                                          data={"endpoint_id": endpoint_id, "url": url,
                                                "reason": f"{DISABLE_AFTER_FAILURES} consecutive failures"})])
    log.warning("webhook endpoint %s disabled after %s consecutive failures", endpoint_id, DISABLE_AFTER_FAILURES)

