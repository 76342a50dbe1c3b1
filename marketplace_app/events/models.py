"""The event log: the outbox that webhooks and the WebSocket stream read from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)
from marketplace_app.core.clock import now


class Event(SQLModel, table=True):
    __tablename__ = "event"
    __table_args__ = (Index("ix_event_project_seq", "project_id", "seq"),
                      Index("ix_event_operator_seq", "operator_id", "seq"))

    seq: int | None = Field(default=None, primary_key=True)
    id: str = Field(max_length=40, unique=True)
    type: str = Field(max_length=40)
    project_id: str | None = Field(default=None, max_length=40)
    company_id: str | None = Field(default=None, max_length=40, index=True)
    request_id: str | None = Field(default=None, max_length=40, index=True)
    # The operator the event concerns (the request's worker, a payout's owner): their
    # dashboard session streams these.
    operator_id: str | None = Field(default=None, max_length=40)
    mode: str = Field(default="live", max_length=8)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=now)
