"""Scheduler lease (who leads) and job heartbeats (what ran, when, with what result)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)


class SchedulerLease(SQLModel, table=True):
    """The leadership lease: the holder runs the jobs until `expires_at`."""

    __tablename__ = "scheduler_lease"

    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=120)
    acquired_at: datetime
    renewed_at: datetime
    expires_at: datetime


class SchedulerJob(SQLModel, table=True):
    """The heartbeat of one scheduled job, shown to staff."""

    __tablename__ = "scheduler_job"

    name: str = Field(primary_key=True, max_length=60)
    description: str = Field(max_length=200)
    interval_seconds: int
    holder: str | None = Field(default=None, max_length=120)
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    last_status: str | None = Field(default=None, max_length=16)
    last_error: str | None = Field(default=None, max_length=500)
    last_processed: int = 0
    last_duration_ms: int = 0
    runs: int = 0
    failures: int = 0
