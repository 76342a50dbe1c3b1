"""Fixed one-hour windows per subject (an API key, a user, a client address), counted in Redis
or in this process (ratelimit/counters.py), never in a database transaction."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete
from sqlmodel import Session

from marketplace_app.core.clients import address_key
from marketplace_app.core.clock import now
from marketplace_app.core.crypto import keyed_hash
from marketplace_app.core.errors import RateLimited
from marketplace_app.ratelimit.counters import Counters, MemoryCounters, RedisCounters
from marketplace_app.ratelimit.models import RateLimitCounter
from marketplace_app.settings import get_settings

WINDOW = timedelta(hours=1)
COUNTERS = RateLimitCounter.__table__
# 128 bits of a keyed hash: no address is stored, and `rule:digest` fits the 40-character subject.
ADDRESS_DIGEST_CHARS = 32

_counters: Counters | None = None
_counters_lock = threading.Lock()


class Rule(StrEnum):
    """An hourly limit other than an agent key's; the value prefixes the counter's subject."""

    public = "pub"
    """Public routes, per client address."""
    session = "ses"
    """Dashboard-session routes, per signed-in user."""
    sign_up = "reg"
    """Opening an account, per client address (the API and the sign-up form alike)."""
    waitlist = "wl"
    """Joining the waitlist, per client address."""
    agent_registration = "agr"
    """Registering an agent (which mails an address the caller names), per client address."""


RULE_WORDS = {Rule.public: "requests from this address", Rule.session: "requests",
              Rule.sign_up: "sign-ups from this address", Rule.waitlist: "waitlist sign-ups from this address",
              Rule.agent_registration: "agent registrations from this address"}


@dataclass(frozen=True, slots=True)
class Usage:
    """Where a subject stands in the current window."""

    limit: int
    count: int
    reset_at: datetime

    @property
    def allowed(self) -> bool:
        """Whether this call fits in the limit."""
        return self.count <= self.limit

    @property
    def remaining(self) -> int:
        """Calls left in this window."""
        return max(self.limit - self.count, 0)

    @property
    def retry_after_seconds(self) -> int:
        """Seconds until the window resets (at least 1)."""
        return max(int((self.reset_at - now()).total_seconds()) + 1, 1)

    @property
    def headers(self) -> dict[str, str]:
        """The `X-RateLimit-*` headers every counted answer carries."""
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(int(self.reset_at.timestamp()))}


def window_start(moment: datetime) -> datetime:
    """The start of the hour containing `moment`."""
    return moment.replace(minute=0, second=0, microsecond=0)


def counters() -> Counters:
    """The counter store of this process: Redis when `REDIS_URL` is set, else this process's memory."""
    global _counters
    url = get_settings().redis_url
    store = _counters
    if store is None or store.url != url:
        with _counters_lock:
            if _counters is None or _counters.url != url:
                _counters = _new_counters(url)
            store = _counters
    return store


def _new_counters(url: str | None) -> Counters:
    if url:
        return RedisCounters(url, timeout_seconds=get_settings().rate_limit_redis_timeout_seconds)
    return MemoryCounters()


def forget_counts() -> None:
    """Start every count from zero in this process (a new test; Redis is emptied by its owner)."""
    global _counters
    with _counters_lock:
        if isinstance(_counters, RedisCounters):
            _counters.close()
        _counters = None


def hit(*, subject: str, limit: int) -> Usage:
    """Count one call for `subject` in the current window and return the usage after it.

    Raises:
        ServiceUnavailable: `REDIS_URL` is set and Redis did not answer.
    """
    start = window_start(now())
    count = counters().increment(subject, start, WINDOW)
    return Usage(limit=limit, count=count, reset_at=start + WINDOW)


def peek(*, subject: str, limit: int) -> Usage:
    """The usage in the current window without counting a call."""
    start = window_start(now())
    return Usage(limit=limit, count=counters().current(subject, start), reset_at=start + WINDOW)


def limit_of(rule: Rule) -> int:
    """The hourly limit of `rule`, from settings."""
    settings = get_settings()
    return {Rule.public: settings.public_requests_per_address_per_hour,
            Rule.session: settings.session_requests_per_user_per_hour,
            Rule.sign_up: settings.sign_ups_per_address_per_hour,
            Rule.waitlist: settings.waitlist_joins_per_address_per_hour,
            Rule.agent_registration: settings.agent_registrations_per_address_per_hour}[rule]


def subject_of(rule: Rule, who: str) -> str:
    """The counter's subject: `ses:<user id>` for users, a keyed hash of the address otherwise."""
    if rule is Rule.session:
        return f"{rule}:{who}"
    digest = keyed_hash("ratelimit-address", address_key(who))[:ADDRESS_DIGEST_CHARS]
    return f"{rule}:{digest}"


def count(*, rule: Rule, who: str) -> Usage:
    """Count one call of `who` (a user id, or a client address) under `rule`; refuse it with
    `refuse_if_over`. The count stands whatever becomes of the call (it is in no transaction)."""
    return hit(subject=subject_of(rule, who), limit=limit_of(rule))


def refuse_if_over(usage: Usage, *, what: str = "requests") -> None:
    """Raise `RateLimited` with `Retry-After` and `X-RateLimit-*` when `usage` is over its limit."""
    if not usage.allowed:
        raise RateLimited(f"Rate limit of {usage.limit} {what} per hour exceeded; retry in "
                          f"{usage.retry_after_seconds}s",
                          headers={"Retry-After": str(usage.retry_after_seconds), **usage.headers})


def purge_old_windows(session: Session) -> int:
    """Delete database counters of windows that ended over an hour ago (the table counted calls
    before the counters moved to Redis or memory; it only empties now)."""
    cutoff = window_start(now()) - WINDOW
    return session.execute(delete(COUNTERS).where(COUNTERS.c.window_start < cutoff)).rowcount
