"""Browser origins: only the deployment's own pages may read answers with their cookies.

Reflex's CORS middleware (configured from `ALLOWED_ORIGINS` in `rxconfig.py`) decides which
origin is echoed; it still adds `Access-Control-Allow-Credentials` and, on a refused preflight,
`Access-Control-Allow-Methods` for any origin. `ForeignOriginHeaders`, the outermost layer of
the app, takes every `Access-Control-*` header off an answer to a foreign origin, so such a page
is told nothing. Agents calling with a key are servers: CORS does not concern them, and a key is a
secret no browser page should hold, so key-authenticated routes get no `*` either.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marketplace_app.settings import get_settings

CORS_HEADER_PREFIX = b"access-control-"


class ForeignOriginHeaders:
    """ASGI middleware: no `Access-Control-*` response header for an origin that is not allowed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = Headers(scope=scope).get("origin") if scope["type"] == "http" else None
        if origin is None or get_settings().allows_origin(origin):
            await self.app(scope, receive, send)
            return

        async def send_without_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [(name, value) for name, value in message.get("headers", [])
                                                  if not name.lower().startswith(CORS_HEADER_PREFIX)]}
            await send(message)

        await self.app(scope, receive, send_without_cors)
