"""Upload metadata; the bytes live in the file store under `storage_key`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)
from marketplace_app.core.clock import now


class Upload(SQLModel, table=True):
    __tablename__ = "upload"

    id: str = Field(primary_key=True, max_length=40)
    owner_user_id: str = Field(foreign_key="user_account.id", index=True)
    purpose: str = Field(max_length=20)
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=60)
    size_bytes: int = Field(sa_column=Column(BigInteger, nullable=False))
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=now)


class FileAccess(SQLModel, table=True):
    """One time a signed file link was used: which file, for which request, issued to whom, when."""

    __tablename__ = "file_access"

    id: int | None = Field(default=None, primary_key=True)
    upload_id: str = Field(foreign_key="upload.id", index=True, max_length=40)
    request_id: str = Field(max_length=40, index=True)
    audience: str = Field(max_length=80)
    issued_at: datetime
    expires_at: datetime
    accessed_at: datetime = Field(default_factory=now)
