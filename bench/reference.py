"""The yardstick: a bare FastAPI app over raw SQL (stdlib `sqlite3` or `psycopg`), no ORM.

Served the same way as Handoff (uvicorn, one worker, sync endpoints in the threadpool) against
a database of the same kind with the same migrated schema. Configured by environment:
`DATABASE_URL` and `BENCH_REF_PROJECT_ID` (the project whose company pays).

- `POST /ref/requests`: the escrow transaction of PRODUCT.md section 10 in one transaction: read
  the balance, conditional balance update, insert the request, insert two ledger rows (the hold
  transfer and its entry), insert an event row, commit.
- `GET /ref/requests/{id}`: read the same row Handoff reads.
- `GET /ref/requests`: the same list query Handoff runs (offset or keyset).
- `POST /ref/echo`: a bare POST echo (the ceiling of HTTP stack plus load generator).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from queue import Empty, LifoQueue
from typing import Any

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

URGENCY_SECONDS = {"1min": 60, "5min": 300, "15min": 900, "30min": 1800}
DURATION = re.compile(r"(?:(?P<h>\d+)h)?(?:(?P<m>\d+)min)?(?:(?P<s>\d+)s)?")
MATCH_GRACE_SECONDS = 30
FEE_BPS, MIN_FEE_CENTS = 1800, 200
POSTGRES_POOL_SIZE = 30  # Handoff's engine allows 10 + 20 overflow

READ_BALANCE = "SELECT balance_cents FROM ledger_account WHERE id = :account"
DEBIT = ("UPDATE ledger_account SET balance_cents = balance_cents - :amount "
         "WHERE id = :account AND balance_cents >= :amount")
INSERT_REQUEST = (
    "INSERT INTO request (id, project_id, company_id, api_key_id, mode, skill, urgency, duration_seconds, context, "
    "proof_requirements, information_policy, max_price_cents, fee_cents, fee_rate_bps, status, hold_id, "
    "requeue_count, created_at, match_deadline_at) VALUES (:id, :project_id, :company_id, NULL, 'live', :skill, "
    ":urgency, :duration_seconds, :context, :proof, :policy, :price, :fee, :fee_bps, 'matching', :hold_id, 0, "
    ":created_at, :deadline)")
INSERT_TRANSFER = ("INSERT INTO ledger_transfer (idempotency_key, kind, reason, reference_type, reference_id, "
                   "created_at) VALUES (:key, 'escrow_hold', :reason, 'request', :request_id, :created_at) "
                   "RETURNING id")
INSERT_ENTRY = ("INSERT INTO ledger_entry (transfer_id, from_account_id, to_account_id, amount_cents, created_at) "
                "VALUES (:transfer_id, :source, :escrow, :price, :created_at)")
INSERT_EVENT = ("INSERT INTO event (id, type, project_id, company_id, request_id, mode, data, created_at) "
                "VALUES (:event_id, 'request.matching', :project_id, :company_id, :id, 'live', :data, :created_at)")
SELECT_ONE = "SELECT * FROM request WHERE id = :id AND project_id = :project_id"
LIST_HEAD = "SELECT * FROM request WHERE project_id = :project_id"
LIST_TAIL = " ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset"
KEYSET = " AND (created_at, id) < (:anchor_at, :anchor_id)"  # as Handoff: one index range from the anchor


class Store:
    """A tiny connection manager with Handoff's settings for its database kind."""

    def __init__(self, url: str) -> None:
        self.postgres = url.startswith(("postgres://", "postgresql"))
        self._lock = threading.Lock()
        if self.postgres:
            self.url = re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql://", url)
            self._idle: LifoQueue = LifoQueue()
            self._slots = threading.BoundedSemaphore(POSTGRES_POOL_SIZE)
        else:
            self._sqlite = _open_sqlite(url.split("///", 1)[1])

    def sql(self, statement: str) -> str:
        """Named parameters in the driver's style."""
        return re.sub(r":(\w+)", r"%(\1)s", statement) if self.postgres else statement

    def stamp(self, moment: datetime) -> Any:
        """A timestamp as SQLAlchemy stores it (SQLite: text, PostgreSQL: timestamptz)."""
        return moment if self.postgres else moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Any]:
        """A cursor in one transaction (`BEGIN IMMEDIATE` for SQLite writes), committed on success."""
        if not self.postgres:
            with self._lock:
                cursor = self._sqlite.cursor()
                cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield cursor
                    cursor.execute("COMMIT")
                except BaseException:
                    cursor.execute("ROLLBACK")
                    raise
            return
        with self._postgres_connection() as connection, connection.transaction():
            yield connection.cursor()

    def close(self) -> None:
        """Close every connection this store opened."""
        if not self.postgres:
            self._sqlite.close()
            return
        while not self._idle.empty():
            self._idle.get_nowait().close()

    @contextmanager
    def _postgres_connection(self) -> Iterator[Any]:
        import psycopg

        with self._slots:
            try:
                connection = self._idle.get_nowait()
            except Empty:
                connection = psycopg.connect(self.url, autocommit=True)
            try:
                yield connection
            finally:
                self._idle.put(connection)


def _open_sqlite(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=15)
    for pragma in ("journal_mode=WAL", "busy_timeout=15000", "foreign_keys=ON", "synchronous=NORMAL"):
        connection.execute(f"PRAGMA {pragma}")
    return connection


class RefCreate(BaseModel):
    """The seed body, parsed without Handoff's validators."""

    model_config = ConfigDict(extra="forbid")

    skill: str = Field(max_length=40)
    urgency: str
    duration: str = Field(max_length=16)
    context: str = Field(max_length=2000)
    max_price: str = Field(max_length=32)
    information_policy: str | None = None


def _rows(cursor: Any) -> list[dict[str, Any]]:
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _json_safe(row: dict[str, Any]) -> dict[str, Any]:
    return {name: value.isoformat() if isinstance(value, datetime) else value for name, value in row.items()}


def _duration_seconds(text: str) -> int:
    match = DURATION.fullmatch(text)
    if match is None:
        raise HTTPException(422, "bad duration")
    return int(match["h"] or 0) * 3600 + int(match["m"] or 0) * 60 + int(match["s"] or 0)


def _values(store: Store, tenant: dict[str, Any], body: RefCreate) -> dict[str, Any]:
    price = int(Decimal(body.max_price[:-3]) * 100)
    created_at = datetime.now(UTC)
    request_id = f"req_{secrets.token_hex(12)}"
    return {
        "id": request_id, "project_id": tenant["project_id"], "company_id": tenant["company_id"],
        "skill": body.skill, "urgency": body.urgency, "duration_seconds": _duration_seconds(body.duration),
        "context": body.context, "proof": "[]", "policy": body.information_policy or "redacted", "price": price,
        "fee": max(price * FEE_BPS // 10_000, MIN_FEE_CENTS), "fee_bps": FEE_BPS,
        "hold_id": f"hld_{secrets.token_hex(12)}", "created_at": store.stamp(created_at),
        "deadline": store.stamp(created_at + timedelta(seconds=URGENCY_SECONDS[body.urgency] + MATCH_GRACE_SECONDS)),
        "key": f"hold:{request_id}:place", "reason": f"Escrow for request {request_id}",
        "request_id": request_id, "source": tenant["available"], "escrow": tenant["escrow"],
        "event_id": f"evt_{secrets.token_hex(12)}",
        "data": json.dumps({"status": "matching", "skill": body.skill}),
    }


def create_escrowed(store: Store, tenant: dict[str, Any], body: RefCreate) -> JSONResponse:
    """The escrow transaction; 402 when the balance does not cover the price."""
    values = _values(store, tenant, body)
    with store.transaction(write=True) as cursor:
        cursor.execute(store.sql(READ_BALANCE), {"account": values["source"]})
        balance = cursor.fetchone()[0]
        debited = 0
        if balance >= values["price"]:
            cursor.execute(store.sql(DEBIT), {"account": values["source"], "amount": values["price"]})
            debited = cursor.rowcount
        if debited != 1:
            return JSONResponse({"error": {"code": "insufficient_credits"}}, status_code=402)
        cursor.execute(store.sql(INSERT_REQUEST), values)
        cursor.execute(store.sql(INSERT_TRANSFER), values)
        values["transfer_id"] = cursor.fetchone()[0]
        cursor.execute(store.sql(INSERT_ENTRY), values)
        cursor.execute(store.sql(INSERT_EVENT), values)
    return JSONResponse({"request_id": values["id"], "status": "matching", "max_price_cents": values["price"],
                         "fee_cents": values["fee"], "created_at": str(values["created_at"])}, status_code=201)


def list_page(store: Store, tenant: dict[str, Any], *, status: str | None, limit: int, offset: int,
              starting_after: str | None) -> dict[str, Any]:
    """Handoff's list query (newest first, offset or keyset) with raw SQL."""
    params: dict[str, Any] = {"project_id": tenant["project_id"], "limit": limit + 1, "offset": offset}
    statement = LIST_HEAD
    with store.transaction(write=False) as cursor:
        if status:
            statement += " AND status = :status"
            params["status"] = status
        if starting_after:
            cursor.execute(store.sql(SELECT_ONE), {"id": starting_after, "project_id": tenant["project_id"]})
            anchor = cursor.fetchone()
            if anchor is None:
                raise HTTPException(404, "not found")
            params["anchor_at"], params["anchor_id"] = _anchor(cursor, anchor)
            statement += KEYSET
        cursor.execute(store.sql(statement + LIST_TAIL), params)
        rows = [_json_safe(row) for row in _rows(cursor)]
    return {"data": rows[:limit], "has_more": len(rows) > limit}


def _anchor(cursor: Any, row: tuple) -> tuple[Any, Any]:
    names = [column[0] for column in cursor.description]
    found = dict(zip(names, row, strict=True))
    return found["created_at"], found["id"]


def _tenant(store: Store, project_id: str) -> dict[str, Any]:
    with store.transaction(write=False) as cursor:
        cursor.execute(store.sql("SELECT company_id FROM project WHERE id = :id"), {"id": project_id})
        company_id = cursor.fetchone()[0]
        cursor.execute(store.sql("SELECT purpose, id FROM ledger_account WHERE owner_type = 'company' "
                                 "AND owner_id = :company_id"), {"company_id": company_id})
        accounts = dict(cursor.fetchall())
    return {"project_id": project_id, "company_id": company_id, "available": accounts["available"],
            "escrow": accounts["escrow"]}


def create_app() -> FastAPI:
    """The reference app for `DATABASE_URL` and `BENCH_REF_PROJECT_ID`."""
    store = Store(os.environ["DATABASE_URL"])
    tenant = _tenant(store, os.environ["BENCH_REF_PROJECT_ID"])
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/ref/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/ref/echo")
    async def echo(body: dict[str, Any]) -> dict[str, Any]:
        return body

    @app.post("/ref/requests", status_code=201)
    def create(body: RefCreate) -> JSONResponse:
        return create_escrowed(store, tenant, body)

    @app.get("/ref/requests/{request_id}")
    def read(request_id: str) -> dict[str, Any]:
        with store.transaction(write=False) as cursor:
            cursor.execute(store.sql(SELECT_ONE), {"id": request_id, "project_id": tenant["project_id"]})
            rows = _rows(cursor)
        if not rows:
            raise HTTPException(404, "not found")
        return _json_safe(rows[0])

    @app.get("/ref/requests")
    def listing(status: str | None = None, limit: int = Query(20, ge=1, le=100), offset: int = 0,
                starting_after: str | None = None) -> dict[str, Any]:
        return list_page(store, tenant, status=status, limit=limit, offset=offset, starting_after=starting_after)

    return app
