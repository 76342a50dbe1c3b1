"""A dispute per request, its jurors, and its history (rulings, appeals, escalations, offers)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)
from marketplace_app.core.clock import now


class DisputeStatus(StrEnum):
    """The seed's statuses."""

    ai_review = "ai_review"
    awaiting_appeal = "awaiting_appeal"
    jury_review = "jury_review"
    specialist_review = "specialist_review"
    board_review = "board_review"
    resolved = "resolved"


class Ruling(StrEnum):
    for_company = "for_company"
    for_operator = "for_operator"
    split = "split"


class Resolution(StrEnum):
    dismissed = "dismissed"
    full_refund = "full_refund"
    split = "split"


class Party(StrEnum):
    company = "company"
    operator = "operator"
    system = "system"
    staff = "staff"


class MoneyState(StrEnum):
    """Where the request's money was when the dispute opened."""

    held = "held"      # still in escrow (verification failed or review rejected)
    posted = "posted"  # paid out to the operator's pending and the fee (dispute after completion)
    none = "none"      # test mode: nothing to move


class JurorStatus(StrEnum):
    active = "active"
    replaced = "replaced"


class Dispute(SQLModel, table=True):
    __tablename__ = "dispute"
    __table_args__ = (
        UniqueConstraint("request_id"),
        Index("ix_dispute_status_deadline", "status", "deadline_at"),
        Index("ix_dispute_company", "company_id", "created_at"),
        Index("ix_dispute_operator", "operator_id", "created_at"),
    )

    id: str = Field(primary_key=True, max_length=40)
    request_id: str = Field(foreign_key="request.id")
    company_id: str = Field(foreign_key="company.id")
    project_id: str = Field(max_length=40)
    operator_id: str | None = Field(default=None, foreign_key="user_account.id")
    skill: str = Field(max_length=40)
    mode: str = Field(max_length=8)
    price_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    fee_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    money_state: str = Field(max_length=8)
    opened_by: str = Field(max_length=16)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    operator_statement: str | None = Field(default=None, sa_column=Column(Text))
    status: str = Field(max_length=20)
    current_tier: int = 0
    small_claims: bool = False
    ai_ruling: str | None = Field(default=None, max_length=16)
    ai_ruling_reasoning: str | None = Field(default=None, sa_column=Column(Text))
    jury_result: str | None = Field(default=None, max_length=16)
    ruling: str | None = Field(default=None, max_length=16)
    ruling_refund_cents: int | None = Field(default=None, sa_column=Column(BigInteger))
    jury_replaced: bool = False
    offer_cents: int | None = Field(default=None, sa_column=Column(BigInteger))
    offer_by: str | None = Field(default=None, max_length=16)
    resolution: str | None = Field(default=None, max_length=16)
    refund_cents: int | None = Field(default=None, sa_column=Column(BigInteger))
    deadline_at: datetime | None = None
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)
    resolved_at: datetime | None = None


class DisputeJuror(SQLModel, table=True):
    __tablename__ = "dispute_juror"
    __table_args__ = (UniqueConstraint("dispute_id", "juror_id"), Index("ix_dispute_juror_juror", "juror_id", "id"))

    id: int | None = Field(default=None, primary_key=True)
    dispute_id: str = Field(foreign_key="dispute.id", index=True)
    juror_id: str = Field(foreign_key="user_account.id")
    status: str = Field(default=JurorStatus.active, max_length=16)
    vote: str | None = Field(default=None, max_length=16)
    comment: str | None = Field(default=None, max_length=500)
    assigned_at: datetime = Field(default_factory=now)
    voted_at: datetime | None = None


class DisputeStep(SQLModel, table=True):
    """The dispute's history, append-only: opened, ruling, appeal, escalation, offer, resolved."""

    __tablename__ = "dispute_step"
    __table_args__ = (Index("ix_dispute_step_dispute", "dispute_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    dispute_id: str = Field(foreign_key="dispute.id")
    kind: str = Field(max_length=20)
    from_tier: int | None = None
    to_tier: int | None = None
    actor_type: str = Field(max_length=16)
    actor_id: str | None = Field(default=None, max_length=40)
    ruling: str | None = Field(default=None, max_length=16)
    refund_cents: int | None = Field(default=None, sa_column=Column(BigInteger))
    text: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=now)
