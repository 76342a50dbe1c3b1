"""Request and timeline tables."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Date, Index, Text
from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)
from marketplace_app.core.clock import now


class RequestStatus(StrEnum):
    matching = "matching"
    in_progress = "in_progress"
    submitted = "submitted"
    needs_review = "needs_review"
    completed = "completed"
    expired = "expired"
    cancelled = "cancelled"
    disputed = "disputed"


class Urgency(StrEnum):
    one_minute = "1min"
    five_minutes = "5min"
    fifteen_minutes = "15min"
    thirty_minutes = "30min"


URGENCY_SECONDS = {Urgency.one_minute: 60, Urgency.five_minutes: 300, Urgency.fifteen_minutes: 900,
                   Urgency.thirty_minutes: 1800}


class Request(SQLModel, table=True):
    __tablename__ = "request"
    __table_args__ = (
        Index("ix_request_project_created", "project_id", "created_at", "id"),
        Index("ix_request_project_status_created", "project_id", "status", "created_at", "id"),
        Index("ix_request_project_skill_created", "project_id", "skill", "created_at", "id"),
        Index("ix_request_status_match_deadline", "status", "match_deadline_at"),
        Index("ix_request_status_work_deadline", "status", "work_deadline_at"),
        Index("ix_request_status_review_deadline", "status", "review_deadline_at"),
        Index("ix_request_status_skill_deadline", "status", "skill", "match_deadline_at"),
    )

    id: str = Field(primary_key=True, max_length=40)
    project_id: str = Field(foreign_key="project.id")
    company_id: str = Field(foreign_key="company.id", index=True)
    api_key_id: str | None = Field(default=None, max_length=40)
    mode: str = Field(max_length=8)
    skill: str = Field(max_length=40)
    urgency: str = Field(max_length=8)
    duration_seconds: int
    context: str = Field(sa_column=Column(Text, nullable=False))
    title: str | None = Field(default=None, max_length=200)
    location: str | None = Field(default=None, max_length=200)
    deadline: datetime | None = None
    proof_requirements: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    output_schema: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    callback_url: str | None = Field(default=None, max_length=2048)
    callback_secret_sealed: str | None = Field(default=None, max_length=400)
    information_policy: str = Field(max_length=16)
    max_price_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    fee_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    fee_rate_bps: int
    status: str = Field(max_length=16)
    hold_id: str | None = Field(default=None, max_length=40)
    operator_id: str | None = Field(default=None, foreign_key="user_account.id", index=True)
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    rating: int | None = None
    rating_comment: str | None = Field(default=None, max_length=500)
    requeue_count: int = 0
    created_at: datetime = Field(default_factory=now)
    match_deadline_at: datetime | None = None
    accepted_at: datetime | None = None
    work_deadline_at: datetime | None = None
    submitted_at: datetime | None = None
    review_deadline_at: datetime | None = None
    completed_at: datetime | None = None
    closed_at: datetime | None = None


class RequestEvent(SQLModel, table=True):
    """One line of a request's timeline: a status change, by whom, when."""

    __tablename__ = "request_event"
    __table_args__ = (Index("ix_request_event_request", "request_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(foreign_key="request.id")
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    actor_type: str = Field(max_length=16)
    actor_id: str | None = Field(default=None, max_length=40)
    note: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=now)


class BudgetUsage(SQLModel, table=True):
    """What a project's budgets count, per mode and UTC day of creation: the `max_price_cents` of its
    requests that are neither cancelled nor expired (`requests/spend.py` keeps it exact)."""

    __tablename__ = "budget_usage"

    project_id: str = Field(primary_key=True, max_length=40)
    mode: str = Field(primary_key=True, max_length=8)
    day: date = Field(sa_column=Column(Date, primary_key=True))
    cents: int = Field(sa_column=Column(BigInteger, nullable=False))


class CompanySpend(SQLModel, table=True):
    """What a company's fee tier counts, per mode and UTC day of completion: the `max_price_cents` of
    its completed requests (`requests/spend.py` keeps it exact)."""

    __tablename__ = "company_spend"

    company_id: str = Field(primary_key=True, max_length=40)
    mode: str = Field(primary_key=True, max_length=8)
    day: date = Field(sa_column=Column(Date, primary_key=True))
    cents: int = Field(sa_column=Column(BigInteger, nullable=False))
