"""Payment providers for payouts. The embedded default is the manual provider: staff send
the money by hand and mark each payout paid or failed in the admin console. The HTTP
provider hands each payout to a payout service speaking a small JSON contract; Stripe
Connect plugs into the same interface."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Protocol

import httpx

from marketplace_app.core.errors import HandoffError
from marketplace_app.settings import get_settings

HTTP_PROVIDER = "http"
ANSWER_STATES = frozenset({"paid", "failed", "pending"})


class ProviderUnavailable(HandoffError):
    """The provider gave no usable answer (timeout, dropped connection, non-2xx, unreadable body).

    Whether it paid is unknown, so the payout stays due and the next try sends the same
    idempotency key: a provider that did pay answers the first result again instead of paying twice.
    """

    code = "payout_provider_unavailable"
    status = 502


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


class HttpProvider:
    """POSTs `{payout_id, operator_id, amount_cents, currency}` with an `Idempotency-Key` header to
    `PAYOUT_PROVIDER_URL`; a 2xx answer is `{"state": "paid"|"failed"|"pending", "reference", "failure_reason"}`."""

    name = HTTP_PROVIDER

    def __init__(self, url: str, *, timeout_seconds: float, token: str = "") -> None:
        self.url = url
        self.timeout_seconds = timeout_seconds
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def send(self, *, payout_id: str, operator_id: str, amount_cents: int, idempotency_key: str) -> SendResult:
        """Ask the payout service to pay once per key.

        Raises:
            ProviderUnavailable: No usable answer; the payout must be tried again with the same key.
        """
        body = {"payout_id": payout_id, "operator_id": operator_id, "amount_cents": amount_cents,
                "currency": get_settings().currency}
        try:
            response = _client().post(self.url, json=body, timeout=self.timeout_seconds,
                                      headers={**self.headers, "Idempotency-Key": idempotency_key})
            response.raise_for_status()
            answer = response.json()
            state = answer["state"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise ProviderUnavailable(f"payout {payout_id}: {type(exc).__name__}: {exc}") from exc
        if state not in ANSWER_STATES:
            raise ProviderUnavailable(f"payout {payout_id}: the provider answered the unknown state {state!r}")
        return SendResult(state=state, reference=_text(answer.get("reference"), limit=120),
                          failure_reason=_text(answer.get("failure_reason"), limit=500))


@cache
def _client() -> httpx.Client:
    """One pooled client per process: building one (its TLS context) per call costs tens of ms."""
    return httpx.Client(follow_redirects=False)


def _text(value: object, *, limit: int) -> str | None:
    """A provider's free text, cut to the column it is stored in."""
    return str(value)[:limit] if value else None


def current_provider() -> PayoutProvider:
    """The provider configured for this deployment's payouts (PAYOUT_PROVIDER, else PAYMENT_PROVIDER)."""
    settings = get_settings()
    name = settings.payout_provider or settings.payment_provider
    if name == "manual":
        return ManualProvider()
    if name == HTTP_PROVIDER and settings.payout_provider_url:
        return HttpProvider(settings.payout_provider_url, timeout_seconds=settings.payout_provider_timeout_seconds,
                            token=settings.payout_provider_token)
    raise RuntimeError(f"payment provider {name!r} is not configured for payouts")
