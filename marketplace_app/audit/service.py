"""Writing the audit log: one row per action, in the caller's transaction (never committed here)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from marketplace_app.audit.models import AuditEntry
from marketplace_app.core.clock import now

AUDIT = AuditEntry.__table__


def record(session: Session, *, actor_user_id: str, action: str, subject_type: str, subject_id: str,
           detail: dict[str, Any], transfer_id: int | None = None) -> int:
    """Append one audit entry and return its id.

    Written in the same transaction as the action it describes, so an action that rolls
    back leaves no entry and a committed action always has one.

    Args:
        session: The caller's unit of work.
        actor_user_id: The staff member (or other user) who acted.
        action: What they did, as `<subject>.<verb>` (`company.credit`).
        subject_type: The kind of object acted on (`company`, `agent`, ...).
        subject_id: Its id.
        detail: What a reader needs later (amounts, reasons, references), as JSON.
        transfer_id: The ledger transfer the action made, if any.
    """
    return session.execute(insert(AUDIT).values(
        actor_user_id=actor_user_id, action=action, subject_type=subject_type, subject_id=subject_id,
        transfer_id=transfer_id, detail=detail, created_at=now(),
    )).inserted_primary_key[0]
