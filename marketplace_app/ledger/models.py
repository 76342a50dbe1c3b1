"""Ledger tables.

An entry moves `amount_cents > 0` from one account to another, so every entry,
every transfer and the whole journal sum to zero by construction: the schema
cannot store an unbalanced movement. Entries and transfers are append-only
(database triggers refuse UPDATE and DELETE; see the first migration).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)
from marketplace_app.core.clock import now


class OwnerType(StrEnum):
    company = "company"
    operator = "operator"
    agent = "agent"
    platform = "platform"
    external = "external"


class Purpose(StrEnum):
    available = "available"
    escrow = "escrow"
    pending = "pending"
    revenue = "revenue"
    stripe_clearing = "stripe_clearing"
    provider_clearing = "provider_clearing"
    payouts = "payouts"
    test_faucet = "test_faucet"
    # Bank transfers received by hand and credited by staff (external: mirrors the bank account).
    manual_deposits = "manual_deposits"


class HoldState(StrEnum):
    """Two-phase escrow: pending, then exactly one of posted or voided."""

    pending = "pending"
    posted = "posted"
    voided = "voided"


class LedgerAccount(SQLModel, table=True):
    __tablename__ = "ledger_account"
    __table_args__ = (
        UniqueConstraint("owner_type", "owner_id", "purpose", "currency"),
        CheckConstraint("is_external OR balance_cents >= 0", name="non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_type: str = Field(max_length=16)
    owner_id: str = Field(max_length=64)
    purpose: str = Field(max_length=32)
    currency: str = Field(max_length=3)
    is_external: bool = False
    balance_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    created_at: datetime = Field(default_factory=now)


class LedgerTransfer(SQLModel, table=True):
    __tablename__ = "ledger_transfer"

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=160, unique=True)
    kind: str = Field(max_length=40)
    reason: str = Field(max_length=300)
    reference_type: str | None = Field(default=None, max_length=32)
    reference_id: str | None = Field(default=None, max_length=64, index=True)
    created_at: datetime = Field(default_factory=now, index=True)


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="positive_amount"),
        CheckConstraint("from_account_id <> to_account_id", name="distinct_accounts"),
        Index("ix_ledger_entry_from_account", "from_account_id", "id"),
        Index("ix_ledger_entry_to_account", "to_account_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    transfer_id: int = Field(foreign_key="ledger_transfer.id", index=True)
    from_account_id: int = Field(foreign_key="ledger_account.id")
    to_account_id: int = Field(foreign_key="ledger_account.id")
    amount_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(default_factory=now)


class LedgerHold(SQLModel, table=True):
    """An escrow: `amount_cents` parked in `escrow_account_id` until posted or voided."""

    __tablename__ = "ledger_hold"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="positive_amount"),
        CheckConstraint("state IN ('pending', 'posted', 'voided')", name="known_state"),
        Index("ix_ledger_hold_escrow_state", "escrow_account_id", "state"),
    )

    id: str = Field(primary_key=True, max_length=40)
    source_account_id: int = Field(foreign_key="ledger_account.id")
    escrow_account_id: int = Field(foreign_key="ledger_account.id")
    amount_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    state: str = Field(default=HoldState.pending, max_length=16)
    reference_type: str | None = Field(default=None, max_length=32)
    reference_id: str | None = Field(default=None, max_length=64, index=True)
    created_at: datetime = Field(default_factory=now)
    resolved_at: datetime | None = None
