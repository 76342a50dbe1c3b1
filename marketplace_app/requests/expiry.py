"""Set-based timers for requests: expire unmatched requests and refund their escrow.

Each call handles one batch (`settings.sweep_batch_rows`) in the caller's transaction, with
a fixed number of set-based statements whatever its size (short SQLite write transactions);
the scheduler calls again while batches come back full.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.core.db import is_postgres
from marketplace_app.ledger import service as ledger
from marketplace_app.requests import status as machine
from marketplace_app.requests.models import Request, RequestStatus
from marketplace_app.settings import get_settings

REQUESTS = Request.__table__


def batch_size() -> int:
    """Rows per sweep transaction (a setting, read when the sweep runs)."""
    return get_settings().sweep_batch_rows


def expire_unmatched(session: Session, *, request_ids: Sequence[str] | None = None, limit: int | None = None) -> int:
    """Expire matching requests past their match window and void their holds; return how many.

    With `request_ids`, only those (a read that found one overdue); otherwise the
    oldest due batch. Exactly once per request: the status update is conditional and
    each hold voids only while pending.
    """
    moment = now()
    due = select(REQUESTS.c.id).where(REQUESTS.c.status == RequestStatus.matching,
                                      REQUESTS.c.match_deadline_at <= moment)
    if request_ids is not None:
        due = due.where(REQUESTS.c.id.in_(list(request_ids)))
    due = due.order_by(REQUESTS.c.match_deadline_at).limit(limit or batch_size())
    if is_postgres(session):
        due = due.with_for_update(skip_locked=True)
    ids = list(session.execute(due).scalars())
    moved = machine.transition_many(session, request_ids=ids, to=RequestStatus.expired,
                                    sources=[RequestStatus.matching], actor=machine.SYSTEM,
                                    values={"closed_at": moment}, note="no operator accepted in time",
                                    returning=["hold_id"])
    ledger.void_holds(session, [row["hold_id"] for row in moved if row["hold_id"]],
                      reason="Request expired unmatched: escrow refunded")
    return len(moved)
