"""ASGI middleware that refuses request bodies over 1 MiB with 413 before any route runs.

The API is mounted in front of Reflex, so this middleware also sees Reflex's own `/_upload`
(the dashboards' file drops), which has no limit of its own: it gets the API's upload cap.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marketplace_app.uploads.service import MAX_UPLOAD_BYTES

MAX_BODY_BYTES = 1024 * 1024
LIMITED_PREFIXES = ("/v1/", "/hooks/")
REFLEX_UPLOAD_PATH = "/_upload"
# An upload request carries one file's worth (the upload service's limit) plus multipart framing;
# everything else stays at 1 MiB.
UPLOAD_PATHS = ("/v1/operator/uploads", REFLEX_UPLOAD_PATH)
MULTIPART_FRAMING_BYTES = 64 * 1024
MAX_UPLOAD_BODY_BYTES = MAX_UPLOAD_BYTES + MULTIPART_FRAMING_BYTES


class BodySizeLimit:
    """Reject bodies larger than `max_bytes`, whether announced or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not (scope["path"].startswith(LIMITED_PREFIXES) or scope["path"] in UPLOAD_PATHS):
            await self.app(scope, receive, send)
            return
        limit = MAX_UPLOAD_BODY_BYTES if scope["path"] in UPLOAD_PATHS else self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise _TooLarge(limit)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        body = json.dumps({"error": {"code": "payload_too_large", "message": _too_large(limit)}}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _too_large(max_bytes: int) -> str:
    return f"Request body is larger than {max_bytes} bytes"


class _TooLarge(HTTPException):
    """Raised while a route reads a streamed body. An `HTTPException`, because FastAPI turns
    any other error during body parsing into 400; the API's handler renders it as 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, _too_large(max_bytes))
