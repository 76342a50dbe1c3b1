"""Handoff as MCP tools: create_request, check_status, cancel_request, estimate_price,
list_requests, get_account_limits.

Every tool is one call of the JSON API with the caller's project key, so auth, rate limits,
idempotency, validation and the error envelope are exactly the REST ones. Served two ways:

- **HTTP**, mounted at `/v1/mcp` (Streamable HTTP, stateless, JSON responses): the MCP client
  sends its key as `Authorization: Bearer pk_…` (or `X-API-Key`) and each tool calls the API
  in-process through ASGI, forwarding that header.
- **stdio** (`python -m marketplace_app.api.mcp`): an MCP host starts it with
  `HANDOFF_API_KEY` (and `HANDOFF_API_URL`, default `http://localhost:8000`) and each tool
  calls that Handoff over HTTP.

A refused call comes back as a tool error (`isError`) whose text is exactly the API's
`{"error": {"code", "message"}}`, so an agent reads the same codes as on REST.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Annotated, Any
from urllib.parse import quote

import httpx
from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from marketplace_app import __version__
from marketplace_app.requests.models import RequestStatus
from marketplace_app.requests.schemas import EstimateIn, RequestCreate

AUTH_HEADERS = ("authorization", "x-api-key")
TIMEOUT_SECONDS = 30.0
INSTRUCTIONS = (
    "Handoff hands paid work to verified humans. Estimate first (estimate_price), then create_request: "
    "max_price is held in escrow at once and is the most you pay. Poll check_status (or use webhooks) "
    "until the status is completed, then read `result`. Prices are strings like '8.00EUR'. Errors are "
    '{"error": {"code", "message"}} as in the REST API.'
)
READ_ONLY = ToolAnnotations(readOnlyHint=True, openWorldHint=False)
WRITES = ToolAnnotations(readOnlyHint=False, destructiveHint=False, idempotentHint=False, openWorldHint=True)

ClientFactory = Callable[[Mapping[str, str]], httpx.AsyncClient]
IdempotencyKey = Annotated[str | None, Field(description="Retries with the same key are answered once", max_length=255)]
RequestId = Annotated[str, Field(description="The request_id returned by create_request", max_length=40)]


def build_server(client_for: ClientFactory, *, credentials: Callable[[Context], Mapping[str, str]]) -> MCPServer:
    """An MCP server whose tools call the API through `client_for(auth_headers)`.

    `credentials(ctx)` returns the headers that carry the caller's key (from the HTTP
    request, or from the environment on stdio).
    """
    server = MCPServer("Handoff", version=__version__, instructions=INSTRUCTIONS)

    async def call(ctx: Context, method: str, path: str, *, body: Any = None, params: Mapping[str, Any] | None = None,
                   idempotency_key: str | None = None) -> Any:
        headers = dict(credentials(ctx))
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        async with client_for(headers) as client:
            response = await client.request(method, path, json=body,
                                            params={k: v for k, v in (params or {}).items() if v is not None})
        payload = _json(response)
        if response.is_error:
            # Returned, not raised: a raised ToolError's text gets a prefix, and an agent should
            # read exactly the REST envelope. (The tools' `dict` return type is the success shape.)
            envelope = payload if "error" in payload else {
                "error": {"code": "internal_error", "message": f"HTTP {response.status_code} from the API"}}
            return CallToolResult(content=[TextContent(type="text", text=json.dumps(envelope))], is_error=True)
        return payload

    @server.tool(annotations=WRITES)
    async def create_request(request: RequestCreate, ctx: Context,
                             idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
        """Create a request for human work; `max_price` is escrowed now. Returns request_id and status."""
        return await call(ctx, "POST", "/v1/requests", body=request.model_dump(mode="json", exclude_none=True),
                          idempotency_key=idempotency_key)

    @server.tool(annotations=READ_ONLY)
    async def check_status(request_id: RequestId, ctx: Context) -> dict[str, Any]:
        """A request's status, result (once completed) and timeline."""
        return await call(ctx, "GET", f"/v1/requests/{_segment(request_id)}")

    @server.tool(annotations=WRITES)
    async def cancel_request(request_id: RequestId, ctx: Context,
                             idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
        """Cancel a request nobody has started; the escrow comes back in full."""
        return await call(ctx, "POST", f"/v1/requests/{_segment(request_id)}/cancel", idempotency_key=idempotency_key)

    @server.tool(annotations=READ_ONLY)
    async def estimate_price(estimate: EstimateIn, ctx: Context) -> dict[str, Any]:
        """Price range and expected matching time for a skill, urgency and duration."""
        return await call(ctx, "POST", "/v1/estimate", body=estimate.model_dump(mode="json"))

    @server.tool(annotations=READ_ONLY)
    async def list_requests(
        ctx: Context,
        status: RequestStatus | None = None,
        skill: Annotated[str | None, Field(max_length=40)] = None,
        limit: Annotated[int, Field(ge=1, le=100)] = 20,
        starting_after: Annotated[str | None, Field(description="next_starting_after of the previous page",
                                                    max_length=40)] = None,
    ) -> dict[str, Any]:
        """This key's project's requests, newest first; page with `starting_after`."""
        return await call(ctx, "GET", "/v1/requests", params={"status": status, "skill": skill, "limit": limit,
                                                                "starting_after": starting_after})

    @server.tool(annotations=READ_ONLY)
    async def get_account_limits(ctx: Context) -> dict[str, Any]:
        """Balance, spending caps and rate limits of this key."""
        return await call(ctx, "GET", "/v1/account/limits")

    return server


def _segment(value: str) -> str:
    """`value` as one path segment (a `/` or `?` in it must not change which route is called)."""
    return quote(value, safe="") or "-"


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {"data": payload}


def headers_of(ctx: Context) -> Mapping[str, str]:
    """The key headers of the HTTP request that carried this tool call."""
    headers = ctx.headers or {}
    return {name: value for name, value in headers.items() if name.lower() in AUTH_HEADERS}
