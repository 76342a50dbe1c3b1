"""`GET /v1/ws?token=pk_…`: the key's project events, live, over a WebSocket.

Frames are JSON: each event as in webhooks (`event_id`, `type`, `request_id`, `timestamp`,
`data`). A `pk_test_` key sees test-mode events, a `pk_live_` key live ones. `since=<event_id>`
first replays what the client missed from the event log. A bad token gets an error frame in
the envelope and close code 4401. A client that falls too far behind is closed with 4008
and reconnects with `since=` its last `event_id`.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from marketplace_app.api.access import access
from marketplace_app.companies.keys import KeyContext, authenticate_key, touch_last_used
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import HandoffError, NotFound
from marketplace_app.events import hub as events_hub
from marketplace_app.events.hub import EVENTS
from marketplace_app.webhooks.service import INTERNAL_PREFIX

router = APIRouter(tags=["events"])
UNAUTHORIZED_CLOSE = 4401
NOT_FOUND_CLOSE = 4404
BEHIND_CLOSE = 4008
MAX_TOKEN_LENGTH = 200


def _authenticate(token: str | None) -> KeyContext:
    with unit_of_work() as session:
        ctx = authenticate_key(session, token[:MAX_TOKEN_LENGTH] if token else None)
        touch_last_used(session, ctx.key_id)
    return ctx


@router.websocket("/ws")
async def stream(websocket: WebSocket) -> None:
    """Stream the key's project events; `since` replays from the log first."""
    token = websocket.query_params.get("token")
    since = websocket.query_params.get("since")
    try:
        ctx = await run_in_threadpool(_authenticate, token)
    except HandoffError as exc:
        await websocket.accept()
        await websocket.send_json(exc.envelope())
        await websocket.close(code=UNAUTHORIZED_CLOSE, reason=exc.code)
        return

    def matches(row) -> bool:
        return (row["project_id"] == ctx.project_id and row["mode"] == ctx.mode
                and not row["type"].startswith(INTERNAL_PREFIX))

    subscription = await events_hub.hub.subscribe(matches)
    try:
        # Accepted only once subscribed: every event committed after the client sees the
        # connection open reaches it.
        await websocket.accept()
        sent: set[str] = set()
        if since:
            filters = [EVENTS.c.project_id == ctx.project_id, EVENTS.c.mode == ctx.mode,
                       EVENTS.c.type.not_like(f"{INTERNAL_PREFIX}%")]
            after, up_to = since[:40], events_hub.hub.cursor or 0
            while after is not None:  # page through the log: a long absence may have missed many
                try:
                    missed = await run_in_threadpool(events_hub.replay, after_event_id=after, matches_sql=filters,
                                                     up_to=up_to)
                except LookupError:
                    error = NotFound(f"Event {since[:40]} not found for this key; list GET /v1/requests to resync")
                    await websocket.send_json(error.envelope())
                    await websocket.close(code=NOT_FOUND_CLOSE, reason="not_found")
                    return
                for event in missed:
                    sent.add(event["event_id"])
                    await websocket.send_json(_public(event))
                after = missed[-1]["event_id"] if len(missed) == events_hub.BATCH else None
        await _pump(websocket, subscription, sent)
    except WebSocketDisconnect:
        pass
    finally:
        events_hub.hub.unsubscribe(subscription)


# A WebSocket route has no OpenAPI operation to carry `x-handoff-access`: the declaration sits on
# the endpoint instead (the route inventory reads it), and the route checks the `token` itself.
stream.openapi_extra = access("api_key")  # type: ignore[attr-defined]


async def _pump(websocket: WebSocket, subscription: events_hub.Subscription, sent: set[str]) -> None:
    closed = asyncio.ensure_future(_until_closed(websocket))
    try:
        while not closed.done():
            getter = asyncio.ensure_future(subscription.queue.get())
            done, _ = await asyncio.wait({getter, closed}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            if subscription.overflowed:
                await websocket.close(code=BEHIND_CLOSE, reason="too far behind; reconnect with since=")
                return
            event = getter.result()
            if event["event_id"] not in sent:
                await websocket.send_json(_public(event))
    finally:
        closed.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await closed


async def _until_closed(websocket: WebSocket) -> None:
    """Read (and ignore) client frames until the client goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


def _public(event: dict) -> dict:
    return {key: value for key, value in event.items() if key != "seq"}
