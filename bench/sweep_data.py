"""Set-based seed for the sweep: N due `matching` requests, each escrowed by its own pending
hold with its `escrow_hold` transfer and entry, plus the creation timeline and event rows.
Balances are moved in bulk so `ledger_health()` holds before and after the sweep."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from bench.fixtures import SEED_BODY, SEED_PRICE_CENTS, Tenant, chunks, insert_chunked, move_balance
from marketplace_app.core.clock import now
from marketplace_app.core.db import unit_of_work
from marketplace_app.events.models import Event
from marketplace_app.ledger.models import HoldState, LedgerEntry, LedgerHold, LedgerTransfer
from marketplace_app.requests.models import Request, RequestEvent, RequestStatus

REQUESTS, TIMELINE, EVENTS = Request.__table__, RequestEvent.__table__, Event.__table__
HOLDS, TRANSFERS, ENTRIES = LedgerHold.__table__, LedgerTransfer.__table__, LedgerEntry.__table__
CHUNK = 5000


def seed_due_requests(tenant: Tenant, count: int) -> None:
    """Insert `count` overdue matching requests with balanced pending holds, in one transaction."""
    created_at = now() - timedelta(hours=1)
    with unit_of_work() as session:
        for batch in chunks(range(count), CHUNK):
            rows = [_request_row(tenant, number, created_at) for number in batch]
            session.execute(insert(REQUESTS), rows)
            transfer_ids = session.execute(
                insert(TRANSFERS).returning(TRANSFERS.c.id, sort_by_parameter_order=True),
                [_transfer_row(row) for row in rows]).scalars().all()
            session.execute(insert(ENTRIES), [_entry_row(tenant, row, transfer_id)
                                              for row, transfer_id in zip(rows, transfer_ids, strict=True)])
            session.execute(insert(HOLDS), [_hold_row(tenant, row) for row in rows])
        insert_chunked(session, TIMELINE, _timeline_rows(tenant, count, created_at), chunk=CHUNK)
        insert_chunked(session, EVENTS, _event_rows(tenant, count, created_at), chunk=CHUNK)
        move_balance(session, from_account=tenant.available_account_id, to_account=tenant.escrow_account_id,
                     cents=count * SEED_PRICE_CENTS)


def request_id(number: int) -> str:
    """Deterministic ids, so the seed can be repeated for the reference."""
    return f"req_{number:024x}"


def _request_row(tenant: Tenant, number: int, created_at: datetime) -> dict[str, Any]:
    return {
        "id": request_id(number), "project_id": tenant.project_id, "company_id": tenant.company_id,
        "api_key_id": tenant.key_id, "mode": "live", "skill": SEED_BODY["skill"], "urgency": SEED_BODY["urgency"],
        "duration_seconds": 900, "context": SEED_BODY["context"], "proof_requirements": [],
        "information_policy": "redacted", "max_price_cents": SEED_PRICE_CENTS, "fee_cents": 200,
        "fee_rate_bps": 1800, "status": RequestStatus.matching, "hold_id": f"hld_{number:024x}", "requeue_count": 0,
        "created_at": created_at, "match_deadline_at": created_at + timedelta(minutes=5, milliseconds=number),
    }


def _transfer_row(row: dict[str, Any]) -> dict[str, Any]:
    return {"idempotency_key": f"hold:{row['hold_id']}:place", "kind": "escrow_hold",
            "reason": f"Escrow for request {row['id']}", "reference_type": "request", "reference_id": row["id"],
            "created_at": row["created_at"]}


def _entry_row(tenant: Tenant, row: dict[str, Any], transfer_id: int) -> dict[str, Any]:
    return {"transfer_id": transfer_id, "from_account_id": tenant.available_account_id,
            "to_account_id": tenant.escrow_account_id, "amount_cents": row["max_price_cents"],
            "created_at": row["created_at"]}


def _hold_row(tenant: Tenant, row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["hold_id"], "source_account_id": tenant.available_account_id,
            "escrow_account_id": tenant.escrow_account_id, "amount_cents": row["max_price_cents"],
            "state": HoldState.pending, "reference_type": "request", "reference_id": row["id"],
            "created_at": row["created_at"]}


def _timeline_rows(tenant: Tenant, count: int, created_at: datetime) -> Iterator[dict[str, Any]]:
    for number in range(count):
        yield {"request_id": request_id(number), "from_status": None, "to_status": RequestStatus.matching,
               "actor_type": "agent", "actor_id": tenant.key_id, "note": "created", "created_at": created_at}


def _event_rows(tenant: Tenant, count: int, created_at: datetime) -> Iterator[dict[str, Any]]:
    for number in range(count):
        yield {"id": f"evt_{number:024x}", "type": "request.matching", "project_id": tenant.project_id,
               "company_id": tenant.company_id, "request_id": request_id(number), "mode": "live",
               "data": {"status": "matching", "skill": SEED_BODY["skill"]}, "created_at": created_at}
