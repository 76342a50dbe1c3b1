"""The audit log table.

One row per staff action that changes money or access (a manual credit today; freezes and
staff refunds next). Rows are append-only: database triggers refuse UPDATE and DELETE
(migration 0008), as they do for the ledger's journal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)
from marketplace_app.core.clock import now


class AuditEntry(SQLModel, table=True):
    """One recorded action: the actor, what they did, to what, and the details as they were."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_action", "action", "id"),
        Index("ix_audit_log_subject", "subject_type", "subject_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    actor_user_id: str = Field(foreign_key="user_account.id", max_length=40, index=True)
    action: str = Field(max_length=40)
    subject_type: str = Field(max_length=32)
    subject_id: str = Field(max_length=64)
    # The money movement the action made, when it made one (at most one entry per transfer).
    transfer_id: int | None = Field(default=None, foreign_key="ledger_transfer.id", unique=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=now)
