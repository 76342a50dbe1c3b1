"""Who may call a route, and how its calls are limited. Every route declares who (a test
enforces it); both declarations are published in the OpenAPI document as `x-handoff-access`
and `x-handoff-rate-limit`.

Calls are limited per hour by the declared access (api/ratelimits.py, in one place): public
routes per client address, dashboard-session routes (`session`, `company`, `operator`,
`agent_owner`, `admin`) per signed-in user, agent routes per key (api/agent.py). A route may
declare its own rule instead: `waitlist` (the waitlist's per-address limit), `service` (the
service throttles the call itself, at every door: sign-in and sign-up) or `none`.

A route an agent key may call (`api_key`, `api_key_or_session`) also names the key scope it needs
(`agents.models.KeyScope`, published as `x-handoff-scope`); api/agent.py refuses a scoped key
that lacks it, in one place, from the declaration (tests/api/test_route_inventory.py walks them).
"""

from __future__ import annotations

from typing import Any

from marketplace_app.agents.models import KeyScope

ACCESS_KEY = "x-handoff-access"
RATE_LIMIT_KEY = "x-handoff-rate-limit"
SCOPE_KEY = "x-handoff-scope"
LEVELS = frozenset({"public", "session", "company", "operator", "agent_owner", "admin", "api_key",
                    "api_key_or_session"})
SESSION_LEVELS = frozenset({"session", "company", "operator", "agent_owner", "admin"})
RATE_LIMITS = frozenset({"waitlist", "service", "none"})
KEY_LEVELS = frozenset({"api_key", "api_key_or_session"})
OWN_ACCOUNT = "own_account"
"""Declared by an agent's routes about itself (profile, dashboard, heartbeat, trust history, token
refresh, key rotation): any key of the agent may call them, whatever its scopes, so that a key
narrowed to `jobs` can still refresh its token and rotate itself."""
SCOPES = frozenset(KeyScope) - {KeyScope.all} | {OWN_ACCOUNT}
"""The scopes a route may need (`*` is held by keys, never needed by a route)."""


def access(level: str, *, rate_limit: str | None = None, scope: str | None = None) -> dict[str, Any]:
    """Return `openapi_extra` declaring who may call the route (its own rate limit and, for a
    route agent keys call, the key scope it needs)."""
    if level not in LEVELS:
        raise ValueError(f"unknown access level {level!r}")
    declared: dict[str, Any] = {ACCESS_KEY: level}
    if rate_limit is not None:
        if rate_limit not in RATE_LIMITS:
            raise ValueError(f"unknown rate limit {rate_limit!r}")
        declared[RATE_LIMIT_KEY] = rate_limit
    if scope is not None:
        if scope not in SCOPES or level not in KEY_LEVELS:
            raise ValueError(f"scope {scope!r} is not a key scope of a key route")
        declared[SCOPE_KEY] = scope
    return declared


PUBLIC = access("public")
SESSION = access("session")
ADMIN = access("admin")
