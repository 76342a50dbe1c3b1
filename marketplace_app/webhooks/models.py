"""Endpoints, deliveries (one per event and destination) and the attempt log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)
from marketplace_app.core.clock import now


class EndpointStatus(StrEnum):
    enabled = "enabled"
    disabled = "disabled"
    deleted = "deleted"


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class WebhookEndpoint(SQLModel, table=True):
    """A project's receiver: URL, subscribed event types (empty = all) and its sealed secret.

    During a secret rotation the previous secret signs too, until `previous_secret_expires_at`.
    """

    __tablename__ = "webhook_endpoint"

    id: str = Field(primary_key=True, max_length=40)
    project_id: str = Field(foreign_key="project.id", index=True)
    url: str = Field(max_length=2048)
    description: str = Field(default="", max_length=200)
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=EndpointStatus.enabled, max_length=16)
    disabled_reason: str | None = Field(default=None, max_length=300)
    secret_sealed: str = Field(max_length=400)
    secret_last4: str = Field(max_length=4)
    previous_secret_sealed: str | None = Field(default=None, max_length=400)
    previous_secret_expires_at: datetime | None = None
    consecutive_failures: int = 0
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)


class WebhookDelivery(SQLModel, table=True):
    """One event on its way to one destination: a project endpoint or a request's `callback_url`."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_endpoint_seq", "endpoint_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(foreign_key="event.id", max_length=40, index=True)
    event_type: str = Field(max_length=40)
    project_id: str | None = Field(default=None, max_length=40, index=True)
    request_id: str | None = Field(default=None, max_length=40)
    endpoint_id: str | None = Field(default=None, foreign_key="webhook_endpoint.id", max_length=40)
    url: str = Field(max_length=2048)
    callback_secret_sealed: str | None = Field(default=None, max_length=400)
    status: str = Field(default=DeliveryStatus.pending, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=300)
    delivered_at: datetime | None = None
    created_at: datetime = Field(default_factory=now)


class WebhookAttempt(SQLModel, table=True):
    """One HTTP attempt: when, the status code, latency and our error text (never the receiver's body)."""

    __tablename__ = "webhook_attempt"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="webhook_delivery.id", index=True)
    attempted_at: datetime = Field(default_factory=now)
    status_code: int | None = None
    latency_ms: int = 0
    error: str | None = Field(default=None, max_length=300)
