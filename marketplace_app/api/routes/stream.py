"""`GET /v1/ws`: events, live, over a WebSocket — for agents (`?token=pk_…`) and for dashboards.

With `token`, the key's project events of its mode (a `pk_test_` key sees test-mode events).
Without it, the browser's dashboard session cookie decides: a company member sees every event
of the company's projects (both modes; `livemode` tells them apart), an operator the events of
the requests and disputes they work on and of their payouts, staff everything. Frames are JSON:
each event as in webhooks (`event_id`, `type`, `request_id`, `timestamp`, `livemode`, `data`).
`since=<event_id>` first replays what the client missed from the event log. A bad credential
gets an error frame in the envelope and close code 4401 (4403 for a session with no scope). A
client that falls too far behind is closed with 4008 and reconnects with `since=` its last
`event_id`.

The credential is checked again every `STREAM_CREDENTIAL_CHECK_SECONDS`: a key revoked, expired
or rotated past its grace, or a session logged out or expired, ends the stream with an error
frame and 4401. A browser riding the session cookie must come from an allowed origin
(`ALLOWED_ORIGINS`); any other page is refused before the socket opens (4403, an HTTP 403 to the
browser). A key-authenticated stream carries its own secret, so it may come from anywhere.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketState

from marketplace_app.agents.keys import authenticate
from marketplace_app.api.access import access
from marketplace_app.api.agent import require_scope
from marketplace_app.api.deps import SESSION_COOKIE
from marketplace_app.companies.access import resolve_actor
from marketplace_app.companies.keys import touch_last_used
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Forbidden, HandoffError, NotFound
from marketplace_app.events import hub as events_hub
from marketplace_app.events import scopes
from marketplace_app.identity import service as identity
from marketplace_app.identity.credentials import ApiKeyCredential, Credential, SessionCredential
from marketplace_app.identity.models import Role
from marketplace_app.settings import get_settings

router = APIRouter(tags=["events"])
UNAUTHORIZED_CLOSE = 4401
FORBIDDEN_CLOSE = 4403
NOT_FOUND_CLOSE = 4404
BEHIND_CLOSE = 4008
# An agent's JWT (agents/tokens.py) is longer than a key or a session token.
MAX_TOKEN_LENGTH = 2048
STREAM_SCOPE = "requests"  # every event streamed today is about requests (and their disputes)


def _key_scope(token: str) -> tuple[scopes.Scope, Credential]:
    credential = ApiKeyCredential(token[:MAX_TOKEN_LENGTH])
    with unit_of_work() as session:
        ctx = authenticate(session, credential.secret)
        require_scope(ctx, STREAM_SCOPE)
        touch_last_used(session, ctx.key_id)
    return scopes.project_key(ctx.project_id, ctx.mode), credential


def _session_scope(token: str | None) -> tuple[scopes.Scope, Credential]:
    credential = SessionCredential(token[:MAX_TOKEN_LENGTH] if token else "")
    with unit_of_work(read_only=True) as session:
        user = identity.user_for_token(session, credential.token)
        if user.role == Role.admin:
            return scopes.staff(), credential
        if user.role == Role.operator:
            return scopes.operator(user.id), credential
        return scopes.company(resolve_actor(session, user.id).company_id), credential


def _recheck(credential: Credential) -> None:
    with unit_of_work(read_only=True) as session:
        credential.recheck(session)


async def _refuse(websocket: WebSocket, exc: HandoffError) -> None:
    """Tell the client why in an error frame, then close with 4401 (4403 when forbidden)."""
    if websocket.client_state is WebSocketState.CONNECTING:
        await websocket.accept()
    await websocket.send_json(exc.envelope())
    close = FORBIDDEN_CLOSE if isinstance(exc, Forbidden) else UNAUTHORIZED_CLOSE
    await websocket.close(code=close, reason=exc.code)


@router.websocket("/ws")
async def stream(websocket: WebSocket) -> None:
    """Stream the caller's events; `since` replays from the log first."""
    token = websocket.query_params.get("token")
    since = websocket.query_params.get("since")
    origin = websocket.headers.get("origin")
    if token is None and origin is not None and not get_settings().allows_origin(origin):
        # Cross-site WebSocket hijacking: another site's page would stream with our visitor's cookie.
        await websocket.close(code=FORBIDDEN_CLOSE, reason="origin not allowed")
        return
    try:
        if token is not None:
            scope, credential = await run_in_threadpool(_key_scope, token)
        else:
            scope, credential = await run_in_threadpool(_session_scope, websocket.cookies.get(SESSION_COOKIE))
    except HandoffError as exc:
        await _refuse(websocket, exc)
        return

    subscription = await events_hub.hub.subscribe(scope.matches)
    try:
        # Accepted only once subscribed: every event committed after the client sees the
        # connection open reaches it.
        await websocket.accept()
        sent: set[str] = set()
        if since:
            after, up_to = since[:40], subscription.after_seq
            while after is not None:  # page through the log: a long absence may have missed many
                try:
                    missed = await run_in_threadpool(events_hub.replay, after_event_id=after, matches_sql=scope.filters,
                                                     up_to=up_to)
                except LookupError:
                    error = NotFound(f"Event {since[:40]} not found for {scope.describe}; "
                                     "read the current state again (GET /v1/requests) and reconnect without since")
                    await websocket.send_json(error.envelope())
                    await websocket.close(code=NOT_FOUND_CLOSE, reason="not_found")
                    return
                for event in missed:
                    sent.add(event["event_id"])
                    await websocket.send_json(_public(event))
                after = missed[-1]["event_id"] if len(missed) == events_hub.BATCH else None
        await _pump(websocket, subscription, sent, credential)
    except WebSocketDisconnect:
        pass
    finally:
        events_hub.hub.unsubscribe(subscription)


# A WebSocket route has no OpenAPI operation to carry `x-handoff-access`: the declaration sits on
# the endpoint instead (the route inventory reads it), and the route checks its credential itself.
stream.openapi_extra = access("api_key_or_session", scope=STREAM_SCOPE)  # type: ignore[attr-defined]


async def _pump(websocket: WebSocket, subscription: events_hub.Subscription, sent: set[str],
                credential: Credential) -> None:
    closed = asyncio.ensure_future(_until_closed(websocket))
    refused = asyncio.ensure_future(_until_refused(credential))
    try:
        while not closed.done():
            getter = asyncio.ensure_future(subscription.queue.get())
            done, _ = await asyncio.wait({getter, closed, refused}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                if refused in done:
                    await _refuse(websocket, refused.result())
                break
            if subscription.overflowed:
                await websocket.close(code=BEHIND_CLOSE, reason="too far behind; reconnect with since=")
                return
            event = getter.result()
            if event["event_id"] not in sent:
                await websocket.send_json(_public(event))
    finally:
        for task in (closed, refused):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _until_refused(credential: Credential) -> HandoffError:
    """Check the credential again every interval (one indexed read); return the first refusal."""
    while True:
        await asyncio.sleep(get_settings().stream_credential_check_seconds)
        try:
            await run_in_threadpool(_recheck, credential)
        except HandoffError as exc:
            return exc


async def _until_closed(websocket: WebSocket) -> None:
    """Read (and ignore) client frames until the client goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


def _public(event: dict) -> dict:
    return {key: value for key, value in event.items() if key != "seq"}
