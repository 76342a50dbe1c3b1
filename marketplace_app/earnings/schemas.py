"""What an operator reads of their earnings (the API's response shapes)."""

from __future__ import annotations

from pydantic import BaseModel


class EarningPublic(BaseModel):
    """One reward: pending until `available_on`, then available."""

    id: str
    request_id: str
    amount: str
    amount_cents: int
    status: str
    frozen: bool
    earned_at: str | None
    available_on: str | None


class EarningsPublic(BaseModel):
    """The operator's balances, as money strings and in cents, with each earning."""

    pending: str
    pending_cents: int
    available: str
    available_cents: int
    in_payout: str
    in_payout_cents: int
    total: str
    total_cents: int
    items: list[EarningPublic]
