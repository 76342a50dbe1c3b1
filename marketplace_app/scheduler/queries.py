"""Reading the scheduler's heartbeats and leadership lease, as plain data for staff pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from marketplace_app.scheduler.leader import LEASE_NAME
from marketplace_app.scheduler.models import SchedulerJob, SchedulerLease

JOBS = SchedulerJob.__table__
LEASES = SchedulerLease.__table__


@dataclass(frozen=True, slots=True)
class JobHeartbeat:
    """What one scheduled job last did."""

    name: str
    description: str
    interval_seconds: int
    holder: str | None
    last_finished_at: datetime | None
    last_status: str | None
    last_error: str | None
    last_processed: int
    last_duration_ms: int
    runs: int
    failures: int


@dataclass(frozen=True, slots=True)
class Leadership:
    """Who holds the scheduler lease, and until when."""

    holder: str
    renewed_at: datetime
    expires_at: datetime


def heartbeats(session: Session) -> list[JobHeartbeat]:
    """Every job's heartbeat, by name."""
    fields = [JOBS.c[name] for name in JobHeartbeat.__slots__]
    rows = session.execute(select(*fields).order_by(JOBS.c.name)).mappings()
    return [JobHeartbeat(**row) for row in rows]


def leadership(session: Session) -> Leadership | None:
    """The leadership lease, or None if no process ever led."""
    row = session.execute(select(LEASES.c.holder, LEASES.c.renewed_at, LEASES.c.expires_at)
                          .where(LEASES.c.name == LEASE_NAME)).mappings().one_or_none()
    return Leadership(**row) if row is not None else None
