"""Builds the FastAPI application that Reflex mounts in front of its own routes."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.routing import iter_route_contexts
from starlette.routing import compile_path

from marketplace_app import __version__
from marketplace_app.api.access import PUBLIC
from marketplace_app.api.errors import install_error_handlers
from marketplace_app.api.limits import BodySizeLimit
from marketplace_app.api.mcp.http import MCP_PATH, McpEndpoint
from marketplace_app.api.ratelimits import RATE_LIMITED, RateLimitHeaders, limit_by_declaration, rule_of
from marketplace_app.api.routes import (
    account,
    admin,
    admin_credits,
    agent_hooks,
    agents_auth,
    agents_guard,
    agents_owners,
    agents_register,
    agents_trust,
    audit,
    auth,
    credits,
    dashboard,
    disputes,
    files,
    health,
    mail,
    operator,
    requests,
    stream,
    waitlist,
    webhooks,
)
from marketplace_app.core.errors import MethodNotAllowed, NotFound

API_PREFIX = "/v1"
CATCH_ALL = API_PREFIX + "/{path:path}"
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE"]


def create_api() -> FastAPI:
    """Return a new FastAPI app with every `/v1` route, the error envelope and body limits."""
    # Every route, the docs' OAuth redirect included, stays under /v1: Reflex owns all other paths.
    api = FastAPI(title="Handoff API", version=__version__, docs_url=f"{API_PREFIX}/docs",
                  redoc_url=None, openapi_url=f"{API_PREFIX}/openapi.json",
                  swagger_ui_oauth2_redirect_url=f"{API_PREFIX}/docs/oauth2-redirect",
                  description="Agents hand paid work to verified humans. Errors are always "
                              '`{"error": {"code", "message"}}`.')
    install_error_handlers(api)
    # Every /v1 route is counted here by what it declares (api/access.py); agent routes by their key.
    # Each area is included straight into the app, not through a /v1 router (FastAPI walks every
    # router nested in the one it matches against, on every call), and the agents' `requests` area
    # first: routes are tried in order, and no two areas declare the same path, so the order decides
    # only how soon the busiest calls are found (tests/api/test_app.py).
    counted = [Depends(limit_by_declaration)]
    api.include_router(health.router, prefix=API_PREFIX, dependencies=counted)  # never limited: load balancers poll it
    for module in (requests, auth, dashboard, webhooks, credits, disputes, account, waitlist, operator, admin,
                   admin_credits, audit, files, agents_auth, agents_register,
                   agents_owners, agents_guard, mail):
        api.include_router(module.router, prefix=API_PREFIX, dependencies=_counting(module.router, counted),
                           responses=RATE_LIMITED)
    api.include_router(stream.router, prefix=API_PREFIX, dependencies=counted)
    # Last of the agent routers: its /agents/{agent_id} must not shadow /agents/me, /agents/register, ...
    api.include_router(agents_trust.router, prefix=API_PREFIX, dependencies=counted, responses=RATE_LIMITED)
    api.include_router(agent_hooks.router)
    api.router.add_route(MCP_PATH, McpEndpoint(api), methods=["POST"], include_in_schema=False)
    _add_json_404(api)
    api.add_middleware(RateLimitHeaders)
    api.add_middleware(BodySizeLimit)
    return api


def _counting(router: APIRouter, counted: list[Any]) -> list[Any]:
    """`counted` for a router with a route it counts; none for one of agent routes only (the key's own
    limit counts those, and solving a dependency that does nothing costs every call)."""
    return counted if any(rule_of(getattr(route, "openapi_extra", None)) for route in router.routes) else []


def _add_json_404(api: FastAPI) -> None:
    """Unknown paths under the API prefix answer in the envelope, not with Reflex's HTML page."""

    @api.api_route(CATCH_ALL, methods=ALL_METHODS, include_in_schema=False,
                   openapi_extra=PUBLIC, dependencies=[Depends(limit_by_declaration)])
    def unknown_route(path: str, request: Request) -> None:
        allowed = _allowed_methods(api, request.scope)
        if allowed:
            raise MethodNotAllowed(f"{request.method} is not allowed here; use {', '.join(allowed)}",
                                   headers={"Allow": ", ".join(allowed)})
        raise NotFound(f"No API route {API_PREFIX}/{path}")


def _allowed_methods(api: FastAPI, scope: dict) -> list[str]:
    """The methods some real route accepts for this path.

    Only our own routes count: the catch-all itself is excluded, and so is the Reflex app that
    Reflex mounts at "" behind the API (a mount matches every path for every method). A route
    spelled out in full wins over a templated one that also matches: `/v1/agents/rotate-key` is
    POST only, although `GET /v1/agents/{agent_id}` would take "rotate-key" for an id.
    """
    path = scope["path"]
    matching = [(context.methods or set(), "{" in context.path) for context in iter_route_contexts(api.routes)
                if context.path and context.path != CATCH_ALL and _pattern(context.path).fullmatch(path)]
    literal = [methods for methods, templated in matching if not templated]
    chosen = literal or [methods for methods, _templated in matching]
    return [method for method in ALL_METHODS if any(method in methods for methods in chosen)]


@cache
def _pattern(path: str) -> re.Pattern[str]:
    return compile_path(path)[0]
