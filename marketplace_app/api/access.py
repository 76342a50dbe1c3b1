"""Who may call a route, and how its calls are limited. Every route declares who (a test
enforces it); both declarations are published in the OpenAPI document as `x-handoff-access`
and `x-handoff-rate-limit`.

Calls are limited per hour by the declared access (api/ratelimits.py, in one place): public
routes per client address, dashboard-session routes (`session`, `company`, `operator`,
`agent_owner`, `admin`) per signed-in user, agent routes per key (api/agent.py). A route may
declare its own rule instead: `waitlist` (the waitlist's per-address limit), `service` (the
service throttles the call itself, at every door: sign-in and sign-up) or `none`.
"""

from __future__ import annotations

from typing import Any

ACCESS_KEY = "x-handoff-access"
RATE_LIMIT_KEY = "x-handoff-rate-limit"
LEVELS = frozenset({"public", "session", "company", "operator", "agent_owner", "admin", "api_key",
                    "api_key_or_session"})
SESSION_LEVELS = frozenset({"session", "company", "operator", "agent_owner", "admin"})
RATE_LIMITS = frozenset({"waitlist", "service", "none"})


def access(level: str, *, rate_limit: str | None = None) -> dict[str, Any]:
    """Return `openapi_extra` declaring who may call the route (and its own rate limit, if any)."""
    if level not in LEVELS:
        raise ValueError(f"unknown access level {level!r}")
    if rate_limit is None:
        return {ACCESS_KEY: level}
    if rate_limit not in RATE_LIMITS:
        raise ValueError(f"unknown rate limit {rate_limit!r}")
    return {ACCESS_KEY: level, RATE_LIMIT_KEY: rate_limit}


PUBLIC = access("public")
SESSION = access("session")
ADMIN = access("admin")
