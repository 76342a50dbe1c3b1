"""`Idempotency-Key` for POSTs that create or move money.

The stored response is written in the same transaction as the action, so a key
exists exactly when its effect does. A retry with the same key and body gets the
stored response (`Idempotent-Replayed: true`); a different body is `409 conflict`.
Refusals (4xx) are not stored: nothing happened, so a retry may succeed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Conflict
from marketplace_app.idempotency import service as idempotency


def fingerprint(path: str, body: BaseModel | None) -> str:
    """A hash of what the call asks for (path and parsed body)."""
    return idempotency.request_hash("POST", path, body.model_dump(mode="json") if body is not None else None)


def run_idempotent(*, principal: str, key: str | None, request_hash: str, status_code: int,
                   action: Callable[[Session], dict[str, Any]]) -> JSONResponse:
    """Run `action` in one unit of work, once per (principal, key)."""
    if key is None:
        with unit_of_work() as session:
            return JSONResponse(action(session), status_code=status_code)
    try:
        with unit_of_work() as session:
            stored = idempotency.lookup(session, principal, key, request_hash)
            if stored is not None:
                return _replay(stored)
            body = action(session)
            idempotency.store(session, principal, key, request_hash, status_code, body)
    except IntegrityError:
        # A concurrent call with the same key committed first; answer as its retry would.
        with unit_of_work(read_only=True) as session:
            stored = idempotency.lookup(session, principal, key, request_hash)
        if stored is None:
            raise
        return _replay(stored)
    return JSONResponse(body, status_code=status_code)


def _replay(stored: Any) -> JSONResponse:
    return JSONResponse(stored.response_body, status_code=stored.status_code,
                        headers={"Idempotent-Replayed": "true"})


__all__ = ["Conflict", "fingerprint", "run_idempotent"]
