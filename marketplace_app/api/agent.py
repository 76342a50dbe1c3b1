"""Agent authentication (`Authorization: Bearer pk_…`, an agent JWT, or `X-API-Key`) with the key's hourly
rate limit (`X-RateLimit-*` on every agent response, through api/ratelimits.py) and its scopes:
a scoped agent key calls only routes that declare a scope it holds (api/access.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection
from starlette.requests import HTTPConnection

from marketplace_app.agents.keys import authenticate
from marketplace_app.agents.models import KeyScope
from marketplace_app.api.access import OWN_ACCOUNT, SCOPE_KEY
from marketplace_app.api.ratelimits import publish
from marketplace_app.companies.keys import KeyContext, touch_last_used
from marketplace_app.core.clock import now
from marketplace_app.core.db import read_only_connection, unit_of_work
from marketplace_app.core.errors import Forbidden
from marketplace_app.ratelimit import service as ratelimit


def api_key(request: Request) -> str | None:
    """The key or agent JWT from `Authorization: Bearer …`, else the key from `X-API-Key`."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("x-api-key")


def agent_context(request: Request) -> KeyContext:
    """Authenticate the agent and count the call against its key's hourly limit.

    A read: the key is looked up in a read-only transaction (every call, so a revoked key is
    refused at once), the call counted outside the database (ratelimit/counters.py), and the key's
    `last_used_at` written only when it is a minute old.

    Raises:
        Unauthorized: Missing or invalid key.
        Forbidden: A scoped agent key without the route's scope (`agent_frozen`: a frozen agent).
        RateLimited: Over the limit (`Retry-After` and `X-RateLimit-*` set).
        ServiceUnavailable: The shared rate limiter (Redis) did not answer.
    """
    with read_only_connection() as connection:
        ctx = authenticate(connection, api_key(request))
    require_scope(ctx, declared_scope(request))
    record_use(ctx)
    count_call(request, ctx)
    return ctx


@contextmanager
def agent_reading(request: Request) -> Iterator[tuple[Connection, KeyContext]]:
    """`agent_context` for a read route: the key is checked and the call counted on the read-only
    connection the route then reads with, so a read costs one connection and one transaction.

    The key's use is recorded once that connection is closed: SQLite's pool holds one connection,
    and a write inside the read would wait for it.

    Raises:
        Unauthorized: Missing or invalid key.
        Forbidden: A scoped agent key without the route's scope (`agent_frozen`: a frozen agent).
        RateLimited: Over the limit (`Retry-After` and `X-RateLimit-*` set).
        ServiceUnavailable: The shared rate limiter (Redis) did not answer.
    """
    ctx = None
    try:
        with read_only_connection() as connection:
            ctx = authenticate(connection, api_key(request))
            require_scope(ctx, declared_scope(request))
            count_call(request, ctx)
            yield connection, ctx
    finally:
        if ctx is not None:
            record_use(ctx)


def declared_scope(connection: HTTPConnection) -> str | None:
    """The key scope the matched route declares (`x-handoff-scope`), or None."""
    extra = getattr(connection.scope.get("route"), "openapi_extra", None) or {}
    return extra.get(SCOPE_KEY)


def require_scope(ctx: KeyContext, scope: str | None) -> None:
    """Refuse a scoped agent key that holds neither `scope` nor `*` (no statement: the scopes came
    with the key lookup). A project key (scopes None) may call every agent route.

    Raises:
        Forbidden: The key lacks the scope, or the route names none (a scoped key is refused: fail closed).
    """
    if ctx.scopes is None or KeyScope.all in ctx.scopes or scope == OWN_ACCOUNT or (
            scope is not None and scope in ctx.scopes):
        return
    held = ", ".join(ctx.scopes) or "none"
    if scope is None:
        raise Forbidden(f"This route names no key scope, so a scoped key may not call it (this key's scopes: {held})")
    raise Forbidden(f"This key lacks the '{scope}' scope this route needs (this key's scopes: {held}); "
                    "ask the agent's owner for a key with it")


def record_use(ctx: KeyContext) -> None:
    """Write the key's `last_used_at` when the recorded one is a minute old (else write nothing)."""
    if ctx.use_unrecorded(now()):
        with unit_of_work() as session:
            touch_last_used(session, ctx.key_id)


def count_call(request: Request, ctx: KeyContext) -> None:
    """Count the call against the key's hourly limit, publish the headers, refuse it past the limit."""
    usage = ratelimit.hit(subject=ctx.key_id, limit=ctx.rate_limit_per_hour)
    publish(request, usage)
    ratelimit.refuse_if_over(usage)


Agent = Annotated[KeyContext, Depends(agent_context)]
