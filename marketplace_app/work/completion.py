"""Completing a request: the status moves, the escrow posts (reward to the operator's
`pending`, fee to platform revenue) and the earning starts its settlement hold — one
transaction, exactly once (the status change is conditional, the hold posts once)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import RowMapping
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.earnings import accounts
from marketplace_app.earnings import service as earnings
from marketplace_app.ledger import service as ledger
from marketplace_app.requests import status as machine
from marketplace_app.requests.models import RequestStatus


def complete(session: Session, *, request_id: str, sources: Iterable[RequestStatus], actor: machine.Actor,
             note: str, scope: Mapping[str, Any] | None = None, conditions: Sequence[Any] = ()) -> RowMapping:
    """Complete one request and settle its escrow (raises `InvalidState` if it moved on)."""
    row = machine.transition(session, request_id=request_id, to=RequestStatus.completed, sources=sources,
                             actor=actor, values={"completed_at": now()}, note=note, scope=scope,
                             conditions=conditions)
    settle(session, row)
    return row


def settle(session: Session, row: Mapping[str, Any]) -> None:
    """Post the hold of a just-completed live request and record the operator's earning."""
    if row["mode"] != "live" or row["hold_id"] is None or row["operator_id"] is None:
        return
    reward_cents = row["max_price_cents"] - row["fee_cents"]
    ledger.post_hold(session, hold_id=row["hold_id"], payees=[
        (accounts.operator_pending(row["operator_id"]), reward_cents),
        (accounts.PLATFORM_REVENUE, row["fee_cents"]),
    ], reason=f"Request {row['id']} completed: reward to the operator, fee to the platform")
    earnings.record(session, operator_id=row["operator_id"], request_id=row["id"], amount_cents=reward_cents)
