"""Assignments (each acceptance of a request by an operator and how it ended) and the
log of who saw a sandboxed request's context."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)
from marketplace_app.core.clock import now


class AssignmentOutcome(StrEnum):
    working = "working"
    submitted = "submitted"
    timed_out = "timed_out"
    cancelled = "cancelled"


class WorkAssignment(SQLModel, table=True):
    __tablename__ = "work_assignment"
    __table_args__ = (Index("ix_work_assignment_operator", "operator_id", "accepted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(foreign_key="request.id", index=True)
    operator_id: str = Field(foreign_key="user_account.id")
    accepted_at: datetime = Field(default_factory=now)
    ended_at: datetime | None = None
    outcome: str = Field(default=AssignmentOutcome.working, max_length=16)


class ContextView(SQLModel, table=True):
    """Every time the assigned operator reads a sandboxed request's context."""

    __tablename__ = "context_view"

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(foreign_key="request.id", index=True)
    operator_id: str = Field(foreign_key="user_account.id")
    viewed_at: datetime = Field(default_factory=now)
