"""`Idempotency-Key` for POSTs that create or move money.

A call with a key claims it first (committed on its own), then acts and stores its response in
the same transaction as the action, so a stored response exists exactly when its effect does.
A retry with the same key and body gets the stored response (`Idempotent-Replayed: true`); a
duplicate that arrives while the first call is still running is `409 idempotency_in_progress`
(with `Retry-After`) and never runs; a different body is `409 conflict`. Refusals (4xx) are not
stored: nothing happened, so the claim is released and a retry may succeed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session

from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Conflict
from marketplace_app.idempotency import service as idempotency
from marketplace_app.settings import get_settings

log = logging.getLogger(__name__)


def fingerprint(path: str, body: BaseModel | None) -> str:
    """A hash of what the call asks for (path and parsed body)."""
    return idempotency.request_hash("POST", path, body.model_dump(mode="json") if body is not None else None)


def run_idempotent(*, principal: str, key: str | None, request_hash: str, status_code: int,
                   action: Callable[[Session], dict[str, Any]]) -> JSONResponse:
    """Run `action` in one unit of work, once per (principal, key).

    Raises:
        Conflict: The key was used for another request.
        IdempotencyInProgress: The first call with this key has not finished yet.
    """
    if key is None:
        with unit_of_work() as session:
            return JSONResponse(action(session), status_code=status_code)
    taken = _claim(principal, key, request_hash)
    if isinstance(taken, idempotency.StoredResponse):
        return _replay(taken)
    try:
        with unit_of_work() as session:
            body = action(session)
            idempotency.complete(session, taken, status_code, body)
    except BaseException:
        _release(taken)
        raise
    return JSONResponse(body, status_code=status_code)


def _claim(principal: str, key: str, request_hash: str) -> idempotency.Claim | idempotency.StoredResponse:
    # Look without writing first: on SQLite a write transaction waits behind every writer,
    # the in-flight first call included, and would then replay instead of answering 409 at once.
    with unit_of_work(read_only=True) as session:
        stored = idempotency.lookup(session, principal, key, request_hash)
    if stored is not None:
        return stored
    with unit_of_work() as session:
        return idempotency.claim(session, principal, key, request_hash,
                                 lease_seconds=get_settings().idempotency_claim_seconds)


def _release(claimed: idempotency.Claim) -> None:
    # Raising here would replace the caller's error (a 402 would become a 500); a claim that
    # cannot be released expires by itself after its lease.
    try:
        with unit_of_work() as session:
            idempotency.release(session, claimed)
    except Exception:
        log.warning("could not release idempotency claim %s; it expires after its lease", claimed.record_id,
                    exc_info=True)


def _replay(stored: idempotency.StoredResponse) -> JSONResponse:
    return JSONResponse(stored.response_body, status_code=stored.status_code,
                        headers={"Idempotent-Replayed": "true"})


__all__ = ["Conflict", "fingerprint", "run_idempotent"]
