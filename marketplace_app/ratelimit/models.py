"""Fixed-window counters: one row per key per hour."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)


class RateLimitCounter(SQLModel, table=True):
    __tablename__ = "rate_limit_counter"

    subject: str = Field(primary_key=True, max_length=40)
    window_start: datetime = Field(primary_key=True)
    count: int = 0
