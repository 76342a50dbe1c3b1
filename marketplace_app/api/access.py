"""Who may call a route. Every route declares one of these (a test enforces it), and
the declaration is published in the OpenAPI document as `x-handoff-access`."""

from __future__ import annotations

from typing import Any

ACCESS_KEY = "x-handoff-access"
LEVELS = frozenset({"public", "session", "company", "operator", "agent_owner", "admin", "api_key",
                    "api_key_or_session"})


def access(level: str) -> dict[str, Any]:
    """Return `openapi_extra` declaring who may call the route."""
    if level not in LEVELS:
        raise ValueError(f"unknown access level {level!r}")
    return {ACCESS_KEY: level}


PUBLIC = access("public")
SESSION = access("session")
ADMIN = access("admin")
