"""`Idempotency-Key` for POSTs that create or move money.

A call with a key takes it, acts and stores its response in one transaction (one commit), so a
stored response exists exactly when its effect does.
A retry with the same key and body gets the stored response (`Idempotent-Replayed: true`); a
duplicate that arrives while the first call is still running is `409 idempotency_in_progress`
(with `Retry-After`) and leaves nothing behind (on PostgreSQL it never acts; on SQLite, where it
waits for the first call's write transaction, it may act and is rolled back); a different body is
`409 conflict`. Refusals (4xx) are not
stored: nothing happened, the transaction rolls back whole, and a retry may succeed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session

from marketplace_app.core.db import get_engine, read_only_connection, unit_of_work
from marketplace_app.core.errors import Conflict
from marketplace_app.idempotency import service as idempotency


def fingerprint(path: str, body: BaseModel | None) -> str:
    """A hash of what the call asks for (path and parsed body)."""
    return idempotency.request_hash("POST", path, body.model_dump(mode="json") if body is not None else None)


def run_idempotent(*, principal: str, key: str | None, request_hash: str, status_code: int,
                   action: Callable[[Session], dict[str, Any]]) -> JSONResponse:
    """Run `action` in one unit of work, once per (principal, key), its response stored in that
    same transaction (one commit).

    Raises:
        Conflict: The key was used for another request.
        IdempotencyInProgress: The first call with this key has not finished yet.
    """
    if key is None:
        with unit_of_work() as session:
            return JSONResponse(action(session), status_code=status_code)
    if get_engine().dialect.name == "postgresql":
        with unit_of_work() as session:
            stored = idempotency.take(session, principal, key, request_hash, looked_free=False)
            if stored is None:
                body = action(session)
                idempotency.store(session, principal, key, request_hash, status_code, body)
        return _replay(stored) if stored is not None else JSONResponse(body, status_code=status_code)
    return _run_on_sqlite(principal, key, request_hash, status_code, action)


def _run_on_sqlite(principal: str, key: str, request_hash: str, status_code: int,
                   action: Callable[[Session], dict[str, Any]]) -> JSONResponse:
    # Look without writing first: a write transaction waits behind every writer, the in-flight first
    # call included. A record that `store` then finds holding the key appeared meanwhile: that call
    # was in flight when this one arrived (409), and the rollback takes back what this one did.
    with read_only_connection() as connection:
        stored = idempotency.lookup(connection, principal, key, request_hash)
    if stored is not None:
        return _replay(stored)
    try:
        with unit_of_work() as session:
            body = action(session)
            idempotency.store(session, principal, key, request_hash, status_code, body)
    except Exception:
        # A duplicate whose first call was in flight answers 409 even when its own run failed.
        with read_only_connection() as connection:
            if idempotency.lookup(connection, principal, key, request_hash) is not None:
                raise idempotency.in_progress() from None
        raise
    return JSONResponse(body, status_code=status_code)


def _replay(stored: idempotency.StoredResponse) -> JSONResponse:
    return JSONResponse(stored.response_body, status_code=stored.status_code,
                        headers={"Idempotent-Replayed": "true"})


__all__ = ["Conflict", "fingerprint", "run_idempotent"]
