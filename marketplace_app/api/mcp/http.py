"""`/v1/mcp`: the MCP tools over Streamable HTTP, inside the API app.

Stateless and JSON-only: every POST carries the key and gets one JSON-RPC answer, so any
number of app processes can serve it. A missing or invalid key is refused before MCP sees the
request (401 in the API's envelope). Each HTTP request runs its own short-lived session
manager, so the endpoint needs no application lifespan (it works the same under Reflex,
uvicorn and test clients). The tools reach the API in-process through ASGI with the
caller's own key headers, so MCP calls are REST calls in every respect but the network.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from marketplace_app.agents.keys import authenticate
from marketplace_app.api.access import access
from marketplace_app.api.agent import api_key, require_scope
from marketplace_app.api.errors import handoff_error_response
from marketplace_app.api.mcp.server import TIMEOUT_SECONDS, build_server, headers_of
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import HandoffError

MCP_PATH = "/v1/mcp"
MCP_SCOPE = "requests"  # every tool is a call of a `requests` route
# Callers authenticate with a project or agent key on every call; there is no ambient (cookie) credential
# for a rebinding page to ride on, so any Host may reach the endpoint.
OPEN_HOSTS = TransportSecuritySettings(enable_dns_rebinding_protection=False)


class McpEndpoint:
    """The ASGI app routed at `/v1/mcp`."""

    openapi_extra = access("api_key", scope=MCP_SCOPE)  # read by the route inventory

    def __init__(self, api: ASGIApp) -> None:
        def client_for(headers: Mapping[str, str]) -> httpx.AsyncClient:
            return httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://handoff.internal",
                                     headers=dict(headers), timeout=TIMEOUT_SECONDS)

        self.server = build_server(client_for, credentials=headers_of)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await run_in_threadpool(_check_key, api_key(Request(scope)))
        except HandoffError as exc:
            await handoff_error_response(exc)(scope, receive, send)
            return
        # MCPServer has no public handle on its protocol server; a manager per request needs it.
        manager = StreamableHTTPSessionManager(app=self.server._lowlevel_server,
                                               json_response=True, stateless=True, security_settings=OPEN_HOSTS)
        async with manager.run():
            await manager.handle_request(scope, receive, send)


def _check_key(secret: str | None) -> None:
    """Refuse a missing, unknown, revoked or expired key, a frozen agent's and an agent key without
    the `requests` scope (each tool call is then counted, and checked again, by REST)."""
    with unit_of_work(read_only=True) as session:
        require_scope(authenticate(session, secret), MCP_SCOPE)
