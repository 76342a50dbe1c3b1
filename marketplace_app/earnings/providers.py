"""Payment providers for payouts. The embedded default is the manual provider: staff send
the money by hand and mark each payout paid or failed in the admin console. Stripe
Connect plugs into the same interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from marketplace_app.settings import get_settings


@dataclass(frozen=True, slots=True)
class SendResult:
    """What a provider said: settled now, failed now, or pending confirmation."""

    state: str  # "paid", "failed" or "pending"
    reference: str | None = None
    failure_reason: str | None = None


class PayoutProvider(Protocol):
    """Sends a payout; `idempotency_key` is deterministic per payout so retries never pay twice."""

    name: str

    def send(self, *, payout_id: str, operator_id: str, amount_cents: int, idempotency_key: str) -> SendResult:
        """Ask the provider to pay; called after the payout's hold is committed."""
        ...


class ManualProvider:
    """Nothing leaves automatically: the payout waits for staff to mark it."""

    name = "manual"

    def send(self, *, payout_id: str, operator_id: str, amount_cents: int, idempotency_key: str) -> SendResult:
        """Leave the payout pending for staff."""
        return SendResult(state="pending", reference=f"manual:{payout_id}")


def current_provider() -> PayoutProvider:
    """The provider configured for this deployment."""
    name = get_settings().payment_provider
    if name == "manual":
        return ManualProvider()
    raise RuntimeError(f"payment provider {name!r} is not configured for payouts")
