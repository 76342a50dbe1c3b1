"""Agent authentication (`Authorization: Bearer pk_…` or `X-API-Key`) with the hourly
rate limit, and the `X-RateLimit-*` headers on every agent response."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marketplace_app.companies.keys import KeyContext, authenticate_key, touch_last_used
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import RateLimited
from marketplace_app.ratelimit import service as ratelimit

HEADERS_STATE_KEY = "handoff_ratelimit_headers"


def api_key(request: Request) -> str | None:
    """The key from `Authorization: Bearer …`, else from `X-API-Key`."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("x-api-key")


def agent_context(request: Request) -> KeyContext:
    """Authenticate the agent and count the call against its key's hourly limit.

    Raises:
        Unauthorized: Missing or invalid key.
        RateLimited: Over the limit (`Retry-After` and `X-RateLimit-*` set).
    """
    with unit_of_work() as session:
        ctx = authenticate_key(session, api_key(request))
        usage = ratelimit.hit(session, subject=ctx.key_id, limit=ctx.rate_limit_per_hour)
        touch_last_used(session, ctx.key_id)
    headers = {"X-RateLimit-Limit": str(usage.limit), "X-RateLimit-Remaining": str(usage.remaining),
               "X-RateLimit-Reset": str(int(usage.reset_at.timestamp()))}
    request.scope.setdefault("state", {})[HEADERS_STATE_KEY] = headers
    if not usage.allowed:
        raise RateLimited(f"Rate limit of {usage.limit} requests per hour exceeded; retry in "
                          f"{usage.retry_after_seconds}s", headers={"Retry-After": str(usage.retry_after_seconds)})
    return ctx


Agent = Annotated[KeyContext, Depends(agent_context)]


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
