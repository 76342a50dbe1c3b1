"""The ledger accounts operators and the platform earn into."""

from __future__ import annotations

from marketplace_app.ledger.models import OwnerType, Purpose
from marketplace_app.ledger.service import AccountRef

PLATFORM_REVENUE = AccountRef(OwnerType.platform, "platform", Purpose.revenue)


def operator_pending(user_id: str) -> AccountRef:
    """Rewards in their settlement hold (disputes can still claw them back)."""
    return AccountRef(OwnerType.operator, user_id, Purpose.pending)


def operator_available(user_id: str) -> AccountRef:
    """Rewards the operator may pay out."""
    return AccountRef(OwnerType.operator, user_id, Purpose.available)


def operator_payout_escrow(user_id: str) -> AccountRef:
    """Money on its way out in a payout, until the provider confirms or fails it."""
    return AccountRef(OwnerType.operator, user_id, Purpose.escrow)


def provider_payouts(provider: str) -> AccountRef:
    """The outside world's side of payouts sent through `provider`."""
    return AccountRef(OwnerType.external, provider, Purpose.payouts)
