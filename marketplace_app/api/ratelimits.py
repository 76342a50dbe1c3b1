"""The hourly limits of public and dashboard-session routes, applied to every `/v1` route in
one place by what the route declares (api/access.py), with the same headers as agent routes:
`X-RateLimit-Limit/Remaining/Reset` on every counted answer, `429 rate_limited` with
`Retry-After` past the limit. Counted in Redis or in process (ratelimit/counters.py)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marketplace_app.api.access import ACCESS_KEY, RATE_LIMIT_KEY, SESSION_LEVELS
from marketplace_app.api.deps import USER_STATE_KEY, bearer_token, client_address
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity import service as identity
from marketplace_app.ratelimit import service as ratelimit
from marketplace_app.ratelimit.service import Rule, Usage

HEADERS_STATE_KEY = "handoff_ratelimit_headers"
RATE_LIMITED = {429: {"description": "Rate limited (`rate_limited`): wait `Retry-After` seconds"}}


def rule_of(openapi_extra: dict[str, Any] | None) -> Rule | None:
    """The hourly rule a route is counted under here, or None (agent key, own throttle, none)."""
    extra = openapi_extra or {}
    declared = extra.get(RATE_LIMIT_KEY)
    if declared == "waitlist":
        return Rule.waitlist
    if declared is not None:
        return None
    level = extra.get(ACCESS_KEY)
    if level == "public":
        return Rule.public
    return Rule.session if level in SESSION_LEVELS else None


async def limit_by_declaration(connection: HTTPConnection) -> None:
    """Count this call under its route's rule, publish the headers, refuse it past the limit.

    Asynchronous, so the routes it leaves alone (agent routes, `service` and `none`) cost no
    trip through the threadpool; the counted ones go there for their database read or Redis call.

    Raises:
        Unauthorized: A session route without a valid session (not counted, as for agents).
        RateLimited: Over the hourly limit.
        ServiceUnavailable: The shared rate limiter (Redis) did not answer.
    """
    if connection.scope["type"] != "http":
        return
    rule = rule_of(getattr(connection.scope.get("route"), "openapi_extra", None))
    if rule is not None:
        await run_in_threadpool(_count, connection, rule)


def _count(connection: HTTPConnection, rule: Rule) -> None:
    if rule is Rule.session:
        with unit_of_work(read_only=True) as session:
            user = identity.user_for_token(session, bearer_token(connection))
        connection.scope.setdefault("state", {})[USER_STATE_KEY] = user
        usage = ratelimit.count(rule=rule, who=user.id)
    else:
        usage = ratelimit.count(rule=rule, who=client_address(connection))
    publish(connection, usage)
    ratelimit.refuse_if_over(usage, what=ratelimit.RULE_WORDS[rule])


def publish(connection: HTTPConnection, usage: Usage) -> None:
    """Have `RateLimitHeaders` put `usage`'s headers on the answer, errors included."""
    connection.scope.setdefault("state", {})[HEADERS_STATE_KEY] = usage.headers


class RateLimitHeaders:
    """Copies the rate-limit headers onto the response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            headers = scope.get("state", {}).get(HEADERS_STATE_KEY)
            if message["type"] == "http.response.start" and headers:
                existing = {name.lower() for name, _ in message.get("headers", [])}
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    (name.lower().encode(), value.encode()) for name, value in headers.items()
                    if name.lower().encode() not in existing]
            await send(message)

        await self.app(scope, receive, send_with_headers)
