"""Reflex's `/_upload` only for a signed-in browser tab.

Reflex takes a file drop for any client token and runs the handler in that tab's state; our
handlers check the session, but only after the whole body has been parsed. `SignedInUploads`
looks at the tab named by `Reflex-Client-Token` first: unless its socket carries a session
cookie that is still valid, the upload is refused with 401 before a byte of the body is read.
The size cap is the API's (`api/limits.py`), applied in front of this.
"""

from __future__ import annotations

import asyncio

import reflex as rx
from reflex import constants
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import HandoffError, Unauthorized
from marketplace_app.identity import service as identity
from marketplace_app.ui.state.base import AppState

UPLOAD_PATH = str(constants.Endpoint.UPLOAD)
CLIENT_TOKEN_HEADER = "reflex-client-token"
MAX_CLIENT_TOKEN_LENGTH = 100


class SignedInUploads:
    """ASGI middleware around Reflex's routes: a file drop needs a signed-in tab (else 401)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != UPLOAD_PATH:
            await self.app(scope, receive, send)
            return
        if not await tab_is_signed_in(Headers(scope=scope).get(CLIENT_TOKEN_HEADER, "")):
            refusal = Unauthorized("Sign in again to upload files")
            await JSONResponse(refusal.envelope(), status_code=refusal.status)(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def tab_is_signed_in(client_token: str) -> bool:
    """Whether the browser tab with this Reflex client token holds a valid session cookie."""
    if not client_token or len(client_token) > MAX_CLIENT_TOKEN_LENGTH:
        return False
    state = await rx.get_state(client_token, AppState)
    session_token = state._session_token()
    if not session_token:
        return False
    return await asyncio.to_thread(_session_is_valid, session_token)


def _session_is_valid(session_token: str) -> bool:
    try:
        with unit_of_work(read_only=True) as session:
            identity.user_for_token(session, session_token)
    except HandoffError:
        return False
    return True
