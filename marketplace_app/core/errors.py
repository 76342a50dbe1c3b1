"""One error hierarchy. Each error has a stable snake_case `code` and an HTTP status.

The API renders them as `{"error": {"code", "message"}}`; the dashboards show the
same message in a toast. Codes follow the seed (`unauthorized`, `insufficient_credits`, ...).
"""

from __future__ import annotations

from typing import Any, ClassVar


class HandoffError(Exception):
    """Base of every expected refusal. Never rendered as a 500."""

    code: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500

    def __init__(self, message: str, *, status: int | None = None, headers: dict[str, str] | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}
        self.details = details
        if status is not None:
            self.status = status  # type: ignore[misc]

    def envelope(self) -> dict[str, Any]:
        """Return the JSON body clients receive."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}


class Unauthorized(HandoffError):
    code = "unauthorized"
    status = 401


class Forbidden(HandoffError):
    code = "forbidden"
    status = 403


class NotFound(HandoffError):
    code = "not_found"
    status = 404


class MethodNotAllowed(HandoffError):
    code = "method_not_allowed"
    status = 405


class InsufficientCredits(HandoffError):
    code = "insufficient_credits"
    status = 402


class LimitExceeded(HandoffError):
    code = "limit_exceeded"
    status = 400


class MonthlyLimitExceeded(LimitExceeded):
    """An agent key's project reached its monthly budget: VoxPact's 402 `monthly_limit_exceeded`.

    Plain project keys keep their 400 `limit_exceeded` (their clients already branch on it); it is a
    `LimitExceeded`, so code catching that still catches it.
    """

    code = "monthly_limit_exceeded"
    status = 402


class InvalidState(HandoffError):
    """An action the object's current state forbids."""

    code = "invalid_state"
    status = 400


class StateConflict(InvalidState):
    """The state moved on under the caller: someone else acted first, or the thing is already done.

    Same code as `InvalidState` (clients branch on `invalid_state`), but 409: reading the object
    again shows why. It is an `InvalidState`, so callers catching that still catch it.
    """

    status = 409


class Conflict(HandoffError):
    code = "conflict"
    status = 409


class IdempotencyInProgress(Conflict):
    """The first call with this Idempotency-Key is still running; retrying later replays its answer."""

    code = "idempotency_in_progress"


class Expired(HandoffError):
    code = "expired"
    status = 410


class PayloadTooLarge(HandoffError):
    code = "payload_too_large"
    status = 413


class RateLimited(HandoffError):
    code = "rate_limited"
    status = 429


class SkillNotAllowed(HandoffError):
    code = "skill_not_allowed"
    status = 400


class ValidationFailed(HandoffError):
    code = "validation_error"
    status = 422


class InsufficientFunds(HandoffError):
    """A ledger account would go negative. Services translate it for their audience."""

    code = "insufficient_funds"
    status = 402

    def __init__(self, message: str, *, account_id: int, balance_cents: int) -> None:
        super().__init__(message)
        self.account_id = account_id
        self.balance_cents = balance_cents


class ServiceUnavailable(HandoffError):
    """Something the call depends on (the shared rate limiter's Redis) did not answer: nothing was
    done, and the client may retry after `Retry-After`."""

    code = "service_unavailable"
    status = 503
