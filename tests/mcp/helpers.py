"""Calling Handoff's MCP tools with the official `mcp` client, over HTTP or stdio."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from marketplace_app.settings import PROJECT_ROOT

T = TypeVar("T")
CALL_TIMEOUT_SECONDS = 30.0


def over_http(base_url: str, key: str | None) -> Client:
    """An MCP client of `<base_url>/v1/mcp` sending `key` as a bearer token."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    http_client = httpx2.AsyncClient(headers=headers, timeout=CALL_TIMEOUT_SECONDS)
    return Client(streamable_http_client(f"{base_url}/v1/mcp", http_client=http_client))


def over_stdio(base_url: str, key: str) -> Client:
    """An MCP client of `python -m marketplace_app.api.mcp` started with `key`, calling `base_url`."""
    env = {name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    env.update({"HANDOFF_API_KEY": key, "HANDOFF_API_URL": base_url, "PYTHONPATH": str(PROJECT_ROOT)})
    return Client(StdioServerParameters(command=sys.executable, args=["-m", "marketplace_app.api.mcp"],
                                        env=env, cwd=str(PROJECT_ROOT)))


def run(session: Callable[[Client], Awaitable[T]], client: Client) -> T:
    """Open `client`, run `session(client)` on it and close it (from synchronous test code)."""
    async def main() -> T:
        with anyio.fail_after(CALL_TIMEOUT_SECONDS * 2):
            async with client:
                return await session(client)

    return anyio.run(main)


def payload(result: Any) -> dict[str, Any]:
    """A successful tool result's JSON (its structured content)."""
    assert not result.is_error, result.content
    if result.structured_content is not None:
        return result.structured_content.get("result", result.structured_content)
    return json.loads(result.content[0].text)


def error_of(result: Any) -> dict[str, Any]:
    """A failed tool result's error envelope (`{"code", "message"}`)."""
    assert result.is_error, result
    envelope = json.loads(result.content[0].text)
    assert set(envelope) == {"error"} and set(envelope["error"]) == {"code", "message"}, envelope
    return envelope["error"]
