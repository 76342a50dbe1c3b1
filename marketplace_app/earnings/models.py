"""Earnings (one per completed request) and payouts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)
from marketplace_app.core.clock import now


class EarningStatus(StrEnum):
    pending = "pending"
    available = "available"
    clawed_back = "clawed_back"


class PayoutStatus(StrEnum):
    requested = "requested"
    paid = "paid"
    failed = "failed"


class Earning(SQLModel, table=True):
    __tablename__ = "earning"
    __table_args__ = (
        UniqueConstraint("request_id"),
        Index("ix_earning_status_available_on", "status", "available_on"),
        Index("ix_earning_operator", "operator_id", "created_at"),
    )

    id: str = Field(primary_key=True, max_length=40)
    operator_id: str = Field(foreign_key="user_account.id")
    request_id: str = Field(foreign_key="request.id")
    amount_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    status: str = Field(default=EarningStatus.pending, max_length=16)
    frozen: bool = False
    created_at: datetime = Field(default_factory=now)
    available_on: datetime
    released_at: datetime | None = None


class Payout(SQLModel, table=True):
    __tablename__ = "payout"
    __table_args__ = (Index("ix_payout_operator", "operator_id", "created_at"), Index("ix_payout_status", "status"))

    id: str = Field(primary_key=True, max_length=40)
    operator_id: str = Field(foreign_key="user_account.id")
    amount_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    status: str = Field(default=PayoutStatus.requested, max_length=16)
    provider: str = Field(max_length=20)
    provider_reference: str | None = Field(default=None, max_length=120)
    failure_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=now)
    resolved_at: datetime | None = None
    resolved_by: str | None = Field(default=None, max_length=40)
