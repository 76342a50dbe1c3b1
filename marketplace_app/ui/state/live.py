"""Live dashboards: a page follows the event log and reads its data again when something happens.

A page's loader ends by chaining `follow_events`, a background task that subscribes to the
process's event hub with a matcher for what the page shows (the signed-in company, one
request, live request events for the operator feed). Each burst of events is gathered
for `DEBOUNCE_SECONDS`, then the page's `_live_refresh` runs once under the state lock.

The task ends when the page is left: Reflex cancels a page load's chained events when the
tab navigates or disconnects, and the task also checks, every `CHECK_SECONDS` and before
each refresh, that its tab is still connected, still on the same path, and that no newer
load of the page started its own follower (`_live_generation`). The subscription is
always dropped in `finally`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from typing import Any

import reflex as rx
from reflex_base.registry import RegistrationContext

from marketplace_app.companies.access import resolve_actor
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import HandoffError
from marketplace_app.events.hub import hub

DEBOUNCE_SECONDS = 0.3
CHECK_SECONDS = 5.0
REQUEST_EVENT_PREFIX = "request."

Matcher = Callable[[Mapping[str, Any]], bool]


def company_events(company_id: str, *, mode: str, request_id: str | None = None) -> Matcher:
    """Request events of one company in one mode (or of one of its requests)."""
    def matches(row: Mapping[str, Any]) -> bool:
        return (row["company_id"] == company_id and row["mode"] == mode
                and str(row["type"]).startswith(REQUEST_EVENT_PREFIX)
                and (request_id is None or row["request_id"] == request_id))

    return matches


def live_request_events(row: Mapping[str, Any]) -> bool:
    """Live-mode request events, whoever owns them (what can change an operator's feed)."""
    return str(row["type"]).startswith(REQUEST_EVENT_PREFIX) and row["mode"] == "live"


def client_connected(token: str) -> bool:
    """Whether the browser tab `token` still has a websocket to this process."""
    try:
        namespace = RegistrationContext.get().app.event_namespace
    except (LookupError, RuntimeError):  # no app registered (state tests): assume the tab is there
        return True
    return namespace is None or token in namespace.token_to_sid


def drain(queue: asyncio.Queue) -> None:
    """Forget events already queued: one refresh covers them all."""
    with contextlib.suppress(asyncio.QueueEmpty):
        while True:
            queue.get_nowait()


def company_of(user_id: str) -> str:
    """The company the signed-in user acts for."""
    with unit_of_work(read_only=True) as session:
        return resolve_actor(session, user_id).company_id


class LiveUpdates(rx.State, mixin=True):
    """Follow the event log while the page is open; each using state defines the two hooks below.

    `live` turns true once the page is subscribed (the page shows it as a "Real-time" badge).
    """

    live: bool = False
    _live_generation: int = 0

    def _follow(self) -> Any:
        """End a page's loader with this: the page is not live until the new follower has subscribed."""
        self.live = False
        return type(self).follow_events

    async def _live_matcher(self) -> Matcher | None:
        """Which events concern this page (None: follow nothing)."""
        return None

    async def _live_refresh(self) -> Any:
        """Read the page's data again (runs under the state lock); may return events such as a toast."""
        return None

    @rx.event(background=True)
    async def follow_events(self):
        """Re-read the page whenever a matching event is logged, until the page is left."""
        async with self:
            self._live_generation += 1
            generation, self.live = self._live_generation, False
            token, path = self.router.session.client_token, self.router.url.path
        matches = await self._live_matcher()
        if matches is None:
            return
        subscription = await hub.subscribe(matches)
        try:
            async with self:
                if not self._same_page(generation, path):
                    return
                self.live = True
            while True:
                try:
                    await asyncio.wait_for(subscription.queue.get(), timeout=CHECK_SECONDS)
                except TimeoutError:
                    if not await self._still_shown(generation, path, token):
                        return
                    continue
                await asyncio.sleep(DEBOUNCE_SECONDS)
                drain(subscription.queue)
                if not client_connected(token):
                    return
                async with self:
                    if not self._same_page(generation, path):
                        return
                    try:
                        refreshed = await self._live_refresh()
                    except HandoffError:  # no longer allowed to see the page: its next load says why
                        return
                if refreshed is not None:
                    yield refreshed
        finally:
            hub.unsubscribe(subscription)

    def _same_page(self, generation: int, path: str) -> bool:
        return self._live_generation == generation and self.router.url.path == path

    async def _still_shown(self, generation: int, path: str, token: str) -> bool:
        """Whether the tab is connected and still shows the page this follower was started for."""
        if not client_connected(token):
            return False
        async with self:
            return self._same_page(generation, path)
