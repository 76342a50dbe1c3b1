"""Stored responses for `Idempotency-Key`: one record per (principal, key), kept `DEFAULT_TTL_HOURS`.

A call with a key *takes* it, acts and stores its response in one write transaction (`take`,
then the action, then `store`), so a stored response exists exactly when its effect does and a
refused or failed call leaves nothing behind (a retry may succeed). Hence:

* a duplicate arriving while the first call is in flight is refused with 409
  `idempotency_in_progress` and never runs the action (RELIABILITY 3): on PostgreSQL the first
  call holds a transaction-scoped advisory lock on the key; on SQLite, whose write transactions
  run one at a time, a duplicate notices that the record appeared after it had looked;
* a duplicate arriving afterwards finds the stored response and replays it.

`claim`/`complete`/`release` are the earlier protocol (a claim committed on its own before the
call acts); a claim written by it is still honoured as in flight until its lease ends.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Integer, Row, bindparam, cast, delete, func, literal_column, select, update
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.core.db import built_once, insert_ignore, is_postgres
from marketplace_app.core.errors import Conflict, IdempotencyInProgress, ValidationFailed
from marketplace_app.idempotency.models import IdempotencyRecord

RECORDS = IdempotencyRecord.__table__
DEFAULT_TTL_HOURS = 24
MAX_KEY_LENGTH = 255
MAX_PRINCIPAL_LENGTH = 40
# A claim is a record whose status is HTTP 102 Processing: no call is ever answered with it.
IN_PROGRESS_STATUS = 102
IN_PROGRESS_RETRY_AFTER_SECONDS = 1
# The first number of pg_try_advisory_xact_lock(int, int) names what is locked: Idempotency-Keys.
ADVISORY_LOCK_CLASS = 0x1D3
_LOCK = func.pg_try_advisory_xact_lock(literal_column(str(ADVISORY_LOCK_CLASS)), cast(bindparam("lock"), Integer))
# Built once (a create runs them on every call with a key): building a statement costs more than
# running one of these.
_RECORD_COLUMNS = (RECORDS.c.id, RECORDS.c.request_hash, RECORDS.c.status_code, RECORDS.c.response_body,
                   RECORDS.c.expires_at)
_RECORD = select(*_RECORD_COLUMNS).where(RECORDS.c.principal == bindparam("principal"),
                                         RECORDS.c.key == bindparam("key"))
# PostgreSQL: the advisory lock and the record in one round trip (one row whether or not a record
# exists). The record is read from the statement's snapshot, taken before the lock: a first call
# that committed in between is not seen, acts again and is refused by `store` as in flight.
_LOCK_AND_RECORD = (select(_LOCK.label("locked"), *_RECORD_COLUMNS)
                    .select_from(select(literal_column("1").label("one")).subquery()
                                 .outerjoin(RECORDS, (RECORDS.c.principal == bindparam("principal"))
                                            & (RECORDS.c.key == bindparam("key")))))


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """What the first call with a key answered."""

    status_code: int
    response_body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Claim:
    """A key taken by a call that has not finished.

    `claimed_at` tells this claim from a later one on the same record, should the key be
    taken over after the lease ran out.
    """

    record_id: int
    claimed_at: datetime


def request_hash(*parts: Any) -> str:
    """A SHA-256 over what a call asks for (e.g. method and path, then the parsed body).

    Parts are serialised as canonical JSON (sorted keys), so the same request always
    hashes the same whatever the order of its fields.
    """
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def lookup(session: Session | Connection, principal: str, key: str, request_hash: str) -> StoredResponse | None:
    """Return the stored response for `key`, or None when the key is free (new, or its record expired).

    Only reads, so it may run in a read-only unit of work.

    Raises:
        ValidationFailed: The key is empty, too long or holds control characters.
        Conflict: The key was used for a different request.
        IdempotencyInProgress: The first call with this key is still running.
    """
    _check(principal, key)
    row = _record(session, principal, key)
    if row is None or row.expires_at <= now():
        return None
    return _answer(row, request_hash)


def take(session: Session, principal: str, key: str, request_hash: str, *,
         looked_free: bool) -> StoredResponse | None:
    """Take `key` for a call that acts in this same write transaction, or return its stored response.

    The call's effect and `store()` then commit together, so no claim is ever committed on its own.
    A duplicate of a call still in flight is told so: on PostgreSQL the first call holds a
    transaction-scoped advisory lock on the key, which a duplicate fails to take at once; on SQLite
    write transactions run one at a time, so the first call has committed by now, and a record
    that exists although `looked_free` (a read before this transaction found none) was written by
    a call in flight when this one arrived.

    Raises:
        ValidationFailed: The key is empty, too long or holds control characters.
        Conflict: The key was used for a different request.
        IdempotencyInProgress: The first call with this key has not finished (or had not when this
            one arrived).
    """
    _check(principal, key)
    if is_postgres(session):
        row = session.execute(_LOCK_AND_RECORD, {"lock": _lock_key(principal, key), "principal": principal,
                                                 "key": key}).one()
        if not row.locked:
            raise in_progress()
        if row.id is None:
            return None
    else:
        row = _record(session, principal, key)
    if row is None:
        return None
    if row.expires_at <= now():
        session.execute(delete(RECORDS).where(RECORDS.c.id == row.id))
        return None
    answer = _answer(row, request_hash)
    if looked_free and not is_postgres(session):
        raise in_progress()
    return answer


def store(session: Session, principal: str, key: str, request_hash: str, status_code: int, body: dict[str, Any], *,
          ttl_hours: int = DEFAULT_TTL_HOURS) -> None:
    """Store the response of a call that acted with the key free, in the transaction of its effect.

    The key was free when this call looked (`take()`, or `lookup()` before the write transaction on
    SQLite): an expired record still holding it is replaced; a live one was written by a call that
    was in flight meanwhile.

    Raises:
        Conflict: That call had another request (as `take()` would have said).
        IdempotencyInProgress: That call had this request; this call's transaction must roll back.
    """
    moment = now()
    stored = session.execute(_store_statement(session), {
        "principal": principal, "key": key, "request_hash": request_hash, "status_code": status_code,
        "response_body": body, "created_at": moment, "expires_at": moment + timedelta(hours=ttl_hours),
        "now": moment}).scalar_one_or_none()
    if stored is None:
        row = _record(session, principal, key)
        if row is not None and row.request_hash != request_hash:
            raise _conflict()
        raise in_progress()


def _store_statement(session: Session) -> Any:
    """INSERT the record, or replace an expired one holding the key; RETURNING its id (none when a
    live record holds the key)."""
    return built_once(session, "idempotency.store", _build_store)


def _build_store(builder: Any) -> Any:
    insert = builder(RECORDS).values({column: bindparam(column) for column in (
        "principal", "key", "request_hash", "status_code", "response_body", "created_at", "expires_at")})
    replaced = ("request_hash", "status_code", "response_body", "created_at", "expires_at")
    return insert.on_conflict_do_update(
        index_elements=[RECORDS.c.principal, RECORDS.c.key],
        set_={column: insert.excluded[column] for column in replaced},
        where=RECORDS.c.expires_at <= bindparam("now")).returning(RECORDS.c.id)


def _lock_key(principal: str, key: str) -> int:
    # 32 bits for pg_try_advisory_xact_lock(int, int): two different keys in flight at the same
    # moment share a lock once in 4 billion pairs, and the later one is told to retry in a second.
    digest = hashlib.sha256(f"{principal}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


def claim(session: Session, principal: str, key: str, request_hash: str, *,
          lease_seconds: int) -> Claim | StoredResponse:
    """Take `key` for a call about to act, or return the stored response of the call that had it.

    Commit the claim (its own unit of work) before acting, so concurrent duplicates see it.

    Raises:
        ValidationFailed: The key is empty, too long or holds control characters.
        Conflict: The key was used for a different request.
        IdempotencyInProgress: Another call holds the key and has not finished.
    """
    _check(principal, key)
    row = _record(session, principal, key)
    if row is not None and row.expires_at > now():
        return _answer(row, request_hash)
    if row is not None:
        # An expired response, or the claim of a call that died: the key is free again.
        session.execute(delete(RECORDS).where(RECORDS.c.id == row.id, RECORDS.c.expires_at <= now()))
    moment = now()
    record_id = insert_ignore(session, RECORDS, {
        "principal": principal, "key": key, "request_hash": request_hash, "status_code": IN_PROGRESS_STATUS,
        "response_body": {}, "created_at": moment, "expires_at": moment + timedelta(seconds=lease_seconds),
    }, conflict=["principal", "key"], returning=[RECORDS.c.id]).scalar_one_or_none()
    if record_id is not None:
        return Claim(record_id=record_id, claimed_at=moment)
    # A concurrent first attempt inserted its claim between our read and our insert.
    row = _record(session, principal, key)
    if row is None:
        raise in_progress()
    return _answer(row, request_hash)


def complete(session: Session, claimed: Claim, status_code: int, body: dict[str, Any], *,
             ttl_hours: int = DEFAULT_TTL_HOURS) -> None:
    """Turn the claim into the stored response, in the same transaction as the call's effect.

    Raises:
        IdempotencyInProgress: The claim ran out and another call took the key; the caller's
            transaction, its effect included, must roll back.
    """
    moment = now()
    updated = session.execute(update(RECORDS).where(*_is(claimed)).values(
        status_code=status_code, response_body=body, expires_at=moment + timedelta(hours=ttl_hours)))
    if updated.rowcount != 1:
        raise in_progress()


def release(session: Session, claimed: Claim) -> None:
    """Free the key of a call that did not finish (refused or failed), so that a retry may run."""
    session.execute(delete(RECORDS).where(*_is(claimed)))


def purge_expired(session: Session) -> int:
    """Delete expired records and abandoned claims (for a periodic job); return how many went."""
    return session.execute(delete(RECORDS).where(RECORDS.c.expires_at <= now())).rowcount


def _record(session: Session | Connection, principal: str, key: str) -> Row[Any] | None:
    return session.execute(_RECORD, {"principal": principal, "key": key}).one_or_none()


def _answer(row: Row[Any], request_hash: str) -> StoredResponse:
    if row.request_hash != request_hash:
        raise _conflict()
    if row.status_code == IN_PROGRESS_STATUS:
        raise in_progress()
    return StoredResponse(status_code=row.status_code, response_body=row.response_body)


def _conflict() -> Conflict:
    return Conflict("This Idempotency-Key was already used with a different request; use a new key")


def in_progress() -> IdempotencyInProgress:
    """The refusal of a duplicate that arrived while the first call with its key was in flight."""
    return IdempotencyInProgress(
        "A request with this Idempotency-Key is still being processed; retry it shortly to get its response",
        headers={"Retry-After": str(IN_PROGRESS_RETRY_AFTER_SECONDS)})


def _is(claimed: Claim) -> tuple[Any, ...]:
    return (RECORDS.c.id == claimed.record_id, RECORDS.c.status_code == IN_PROGRESS_STATUS,
            RECORDS.c.created_at == claimed.claimed_at)


def _check(principal: str, key: str) -> None:
    if not principal or len(principal) > MAX_PRINCIPAL_LENGTH:
        raise ValueError("an idempotency principal is 1 to 40 characters")
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise ValidationFailed(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    if not key.isprintable() or not key.isascii():
        raise ValidationFailed("Idempotency-Key must be printable ASCII")
