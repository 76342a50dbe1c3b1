"""KYC submissions: what the operator declared and what staff decided."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)
from marketplace_app.core.clock import now


class KycSubmission(SQLModel, table=True):
    __tablename__ = "kyc_submission"

    id: str = Field(primary_key=True, max_length=40)
    user_id: str = Field(foreign_key="user_account.id", index=True)
    legal_name: str = Field(max_length=200)
    country: str = Field(max_length=2)
    date_of_birth: date
    document_upload_id: str = Field(foreign_key="upload.id")
    status: str = Field(max_length=16, index=True)
    reason: str | None = Field(default=None, max_length=500)
    submitted_at: datetime = Field(default_factory=now)
    reviewed_at: datetime | None = None
    reviewer_id: str | None = Field(default=None, max_length=40)
