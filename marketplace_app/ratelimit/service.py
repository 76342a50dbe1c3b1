"""Fixed one-hour windows per subject (an API key), counted with one upsert."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.core.db import is_postgres
from marketplace_app.ratelimit.models import RateLimitCounter

WINDOW = timedelta(hours=1)
COUNTERS = RateLimitCounter.__table__


@dataclass(frozen=True, slots=True)
class Usage:
    """Where a subject stands in the current window."""

    limit: int
    count: int
    reset_at: datetime

    @property
    def allowed(self) -> bool:
        """Whether this call fits in the limit."""
        return self.count <= self.limit

    @property
    def remaining(self) -> int:
        """Calls left in this window."""
        return max(self.limit - self.count, 0)

    @property
    def retry_after_seconds(self) -> int:
        """Seconds until the window resets (at least 1)."""
        return max(int((self.reset_at - now()).total_seconds()) + 1, 1)


def window_start(moment: datetime) -> datetime:
    """The start of the hour containing `moment`."""
    return moment.replace(minute=0, second=0, microsecond=0)


def hit(session: Session, *, subject: str, limit: int) -> Usage:
    """Count one call for `subject` in the current window and return the usage after it."""
    start = window_start(now())
    builder = pg_insert if is_postgres(session) else sqlite_insert
    statement = builder(COUNTERS).values(subject=subject, window_start=start, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=["subject", "window_start"], set_={"count": COUNTERS.c.count + 1},
    ).returning(COUNTERS.c.count)
    count = session.execute(statement).scalar_one()
    return Usage(limit=limit, count=count, reset_at=start + WINDOW)


def peek(session: Session, *, subject: str, limit: int) -> Usage:
    """The usage in the current window without counting a call."""
    start = window_start(now())
    count = session.get(RateLimitCounter, (subject, start))
    return Usage(limit=limit, count=count.count if count else 0, reset_at=start + WINDOW)


def purge_old_windows(session: Session) -> int:
    """Delete counters of windows that ended over an hour ago."""
    cutoff = window_start(now()) - WINDOW
    return session.execute(delete(COUNTERS).where(COUNTERS.c.window_start < cutoff)).rowcount
