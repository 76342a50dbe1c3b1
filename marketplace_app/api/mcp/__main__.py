"""`python -m marketplace_app.api.mcp`: the MCP tools on stdio, for MCP hosts that start a command.

    HANDOFF_API_KEY=pk_live_…  HANDOFF_API_URL=https://handoff.example  python -m marketplace_app.api.mcp

The key is a project key or an agent's key (scoped `requests` or `*`). Each tool calls that
Handoff's JSON API with the key (default URL `http://localhost:8000`,
what `make run` serves). Nothing is read from or written to a database here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

import httpx

from marketplace_app.api.mcp.server import TIMEOUT_SECONDS, build_server

DEFAULT_API_URL = "http://localhost:8000"


def main() -> None:
    key = os.environ.get("HANDOFF_API_KEY", "").strip()
    if not key:
        sys.exit("HANDOFF_API_KEY is not set: give the MCP server a project key or an agent's key with the "
                 "requests scope (pk_live_… or pk_test_…)")
    base_url = os.environ.get("HANDOFF_API_URL", DEFAULT_API_URL).rstrip("/")
    auth = {"Authorization": f"Bearer {key}"}

    def client_for(headers: Mapping[str, str]) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=base_url, headers=dict(headers), timeout=TIMEOUT_SECONDS,
                                 follow_redirects=False)

    build_server(client_for, credentials=lambda _ctx: auth).run("stdio")


if __name__ == "__main__":
    main()
