"""The sweep's yardstick: the same expiry writes as Handoff's `expire_unmatched`, batch for
batch, with raw SQL through the reference `Store` (stdlib `sqlite3` or `psycopg`).

Per batch (Handoff's `sweep_batch_rows` setting, so both take the same number of
transactions), one transaction: pick the due requests, set them `expired`, append their
timeline and event rows, void their pending holds, move the balances with conditional
updates, insert one `escrow_void` transfer per hold and its entry, commit.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from bench.reference import Store
from marketplace_app.scheduler.runner import MAX_BATCHES_PER_RUN
from marketplace_app.settings import get_settings

DUE = ("SELECT id FROM request WHERE status = 'matching' AND match_deadline_at <= :now "
       "ORDER BY match_deadline_at LIMIT :limit")
EXPIRE = ("UPDATE request SET status = 'expired', closed_at = :now WHERE status = 'matching' AND {ids} "
          "RETURNING id, hold_id, project_id, company_id, mode, skill")
TIMELINE = ("INSERT INTO request_event (request_id, from_status, to_status, actor_type, actor_id, note, created_at) "
            "VALUES (:id, 'matching', 'expired', 'system', NULL, 'no operator accepted in time', :now)")
EVENT = ("INSERT INTO event (id, type, project_id, company_id, request_id, mode, data, created_at) "
         "VALUES (:event_id, 'request.expired', :project_id, :company_id, :id, :mode, :data, :now)")
VOID = ("UPDATE ledger_hold SET state = 'voided', resolved_at = :now WHERE state = 'pending' AND {ids} "
        "RETURNING id, source_account_id, escrow_account_id, amount_cents, reference_id")
MOVE = ("UPDATE ledger_account SET balance_cents = balance_cents + :delta WHERE id = :account "
        "AND (is_external OR balance_cents + :delta >= 0)")
ENTRY = ("INSERT INTO ledger_entry (transfer_id, from_account_id, to_account_id, amount_cents, created_at) "
         "VALUES (:transfer_id, :escrow, :source, :amount, :now)")
REASON = "Request expired unmatched: escrow refunded"


def sweep(url: str, *, batch_size: int | None = None,
          max_batches: int = MAX_BATCHES_PER_RUN) -> tuple[int, list[float]]:
    """Expire everything due; return rows processed and each write transaction's duration (ms).

    At most `max_batches` batches, like Handoff's scheduler runner in one run.
    """
    batch_size = batch_size or get_settings().sweep_batch_rows
    store = Store(url)
    moment = store.stamp(datetime.now(UTC))
    processed, durations_ms = 0, []
    try:
        for _ in range(max_batches):
            started = time.perf_counter()
            with store.transaction(write=True) as cursor:
                moved = _batch(store, cursor, moment, batch_size)
            durations_ms.append((time.perf_counter() - started) * 1000)
            processed += moved
            if moved < batch_size:
                break
    finally:
        store.close()
    return processed, durations_ms


def _batch(store: Store, cursor: Any, moment: Any, batch_size: int) -> int:
    due = DUE + (" FOR UPDATE SKIP LOCKED" if store.postgres else "")
    cursor.execute(store.sql(due), {"now": moment, "limit": batch_size})
    ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return 0
    cursor.execute(*_with_ids(store, EXPIRE, ids, {"now": moment}))
    moved = [dict(zip(("id", "hold_id", "project_id", "company_id", "mode", "skill"), row, strict=True))
             for row in cursor.fetchall()]
    cursor.executemany(store.sql(TIMELINE), [{"id": row["id"], "now": moment} for row in moved])
    cursor.executemany(store.sql(EVENT), [
        {**row, "now": moment, "event_id": f"evt_{secrets.token_hex(12)}",
         "data": json.dumps({"status": "expired", "skill": row["skill"]})} for row in moved])
    cursor.execute(*_with_ids(store, VOID, [row["hold_id"] for row in moved if row["hold_id"]], {"now": moment}))
    holds = cursor.fetchall()
    _move_balances(store, cursor, holds)
    _insert_transfers(store, cursor, holds, moment)
    return len(moved)


def _with_ids(store: Store, statement: str, ids: list[str], params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if store.postgres:
        return store.sql(statement.format(ids="id = ANY(:ids)")), {**params, "ids": ids}
    names = {f"i{number}": value for number, value in enumerate(ids)}
    clause = "id IN (" + ", ".join(f":{name}" for name in names) + ")"
    return statement.format(ids=clause), {**params, **names}


def _move_balances(store: Store, cursor: Any, holds: list[tuple]) -> None:
    deltas: dict[int, int] = defaultdict(int)
    for _id, source, escrow, amount, _reference in holds:
        deltas[escrow] -= amount
        deltas[source] += amount
    for account, delta in sorted(deltas.items()):
        cursor.execute(store.sql(MOVE), {"account": account, "delta": delta})
        if cursor.rowcount != 1:
            raise RuntimeError(f"account {account} cannot move {delta}")


def _insert_transfers(store: Store, cursor: Any, holds: list[tuple], moment: Any) -> None:
    if not holds:
        return
    values, params = [], {"now": moment, "reason": REASON}
    for number, (hold_id, _source, _escrow, _amount, reference) in enumerate(holds):
        values.append(f"(:k{number}, 'escrow_void', :reason, 'request', :r{number}, :now)")
        params[f"k{number}"], params[f"r{number}"] = f"hold:{hold_id}:voided", reference
    cursor.execute(store.sql("INSERT INTO ledger_transfer (idempotency_key, kind, reason, reference_type, "
                             "reference_id, created_at) VALUES " + ", ".join(values)
                             + " RETURNING id, idempotency_key"), params)
    transfer_ids = {key: transfer_id for transfer_id, key in cursor.fetchall()}
    cursor.executemany(store.sql(ENTRY), [
        {"transfer_id": transfer_ids[f"hold:{hold_id}:voided"], "escrow": escrow, "source": source,
         "amount": amount, "now": moment} for hold_id, source, escrow, amount, _reference in holds])
