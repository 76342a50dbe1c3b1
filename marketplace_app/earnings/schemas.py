"""What an operator reads of their earnings (the API's response shapes)."""

from __future__ import annotations

from marketplace_app.core.validation import ResponseShape


class EarningPublic(ResponseShape):
    """One reward: pending until `available_on`, then available."""

    id: str
    request_id: str
    amount: str
    amount_cents: int
    status: str
    frozen: bool
    earned_at: str | None
    available_on: str | None


class EarningsPublic(ResponseShape):
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


class PayoutPublic(ResponseShape):
    """A payout as its operator (or staff) sees it."""

    id: str
    amount: str
    amount_cents: int
    status: str
    provider: str | None
    failure_reason: str | None
    created_at: str | None
    resolved_at: str | None


class PayoutList(ResponseShape):
    """The operator's payouts, newest first."""

    data: list[PayoutPublic]
