"""Stored responses for `Idempotency-Key`: one per (principal, key), kept for 24 hours.

The caller looks up before acting and stores in the same transaction as the action,
so a record exists exactly when its effect does. Two concurrent first attempts both
miss the lookup; the unique (principal, key) constraint lets only one store, and the
other's `store` raises `IntegrityError` (its transaction, action included, rolls back).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.core.errors import Conflict, ValidationFailed
from marketplace_app.idempotency.models import IdempotencyRecord

RECORDS = IdempotencyRecord.__table__
DEFAULT_TTL_HOURS = 24
MAX_KEY_LENGTH = 255
MAX_PRINCIPAL_LENGTH = 40


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """What the first call with a key answered."""

    status_code: int
    response_body: dict[str, Any]


def request_hash(*parts: Any) -> str:
    """A SHA-256 over what a call asks for (e.g. method and path, then the parsed body).

    Parts are serialised as canonical JSON (sorted keys), so the same request always
    hashes the same whatever the order of its fields.
    """
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def lookup(session: Session, principal: str, key: str, request_hash: str) -> StoredResponse | None:
    """Return the stored response for `key`, or None when the key is new (or its record expired).

    Raises:
        ValidationFailed: The key is empty, too long or holds control characters.
        Conflict: The key was used for a different request.
    """
    _check(principal, key)
    row = session.execute(select(RECORDS.c.id, RECORDS.c.request_hash, RECORDS.c.status_code,
                                 RECORDS.c.response_body, RECORDS.c.expires_at)
                          .where(RECORDS.c.principal == principal, RECORDS.c.key == key)).one_or_none()
    if row is None:
        return None
    if row.expires_at <= now():
        # An expired key is free again; the caller's `store` writes the new record.
        session.execute(delete(RECORDS).where(RECORDS.c.id == row.id))
        return None
    if row.request_hash != request_hash:
        raise Conflict("This Idempotency-Key was already used with a different request; use a new key")
    return StoredResponse(status_code=row.status_code, response_body=row.response_body)


def store(session: Session, principal: str, key: str, request_hash: str, status_code: int, body: dict[str, Any],
          ttl_hours: int = DEFAULT_TTL_HOURS) -> None:
    """Remember the response to `key` for `ttl_hours`.

    Raises:
        sqlalchemy.exc.IntegrityError: A concurrent call with the same key stored first.
    """
    _check(principal, key)
    moment = now()
    session.execute(insert(RECORDS).values(principal=principal, key=key, request_hash=request_hash,
                                           status_code=status_code, response_body=body, created_at=moment,
                                           expires_at=moment + timedelta(hours=ttl_hours)))


def purge_expired(session: Session) -> int:
    """Delete expired records (for a periodic job); return how many went."""
    return session.execute(delete(RECORDS).where(RECORDS.c.expires_at <= now())).rowcount


def _check(principal: str, key: str) -> None:
    if not principal or len(principal) > MAX_PRINCIPAL_LENGTH:
        raise ValueError("an idempotency principal is 1 to 40 characters")
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise ValidationFailed(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    if not key.isprintable() or not key.isascii():
        raise ValidationFailed("Idempotency-Key must be printable ASCII")
