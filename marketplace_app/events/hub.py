"""Live events in this process: one poller reads new rows of the event log and hands
them to subscribers (WebSocket clients, dashboard sessions).

The log is the source of truth, so a subscriber that disconnects loses nothing it cannot
read again (`since=` replays from the log). On PostgreSQL a sequence number can become
visible after a higher one (transactions commit out of order); the poller remembers such
gaps for `GAP_SECONDS` and fetches them when they appear, so late commits are still sent.

The hub serves one event loop: the process's (uvicorn, or granian with one runtime thread per
worker process, as Reflex runs it). A subscriber on another loop starts a poller there.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select

from marketplace_app.core.db import unit_of_work
from marketplace_app.events.models import Event
from marketplace_app.events.service import render

log = logging.getLogger(__name__)
EVENTS = Event.__table__
POLL_SECONDS = 0.3
GAP_SECONDS = 10.0
BATCH = 500
QUEUE_SIZE = 1000

Matcher = Callable[[Mapping[str, Any]], bool]


@dataclass(eq=False)
class Subscription:
    """A subscriber's queue of rendered events (with `seq`); `overflowed` when it fell behind.

    `after_seq` is where the log stood when it subscribed: it receives only events after it, and
    the sequence numbers in `late` (below it, but not yet committed then).
    """

    matches: Matcher
    after_seq: int = 0
    late: frozenset[int] = frozenset()
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    overflowed: bool = False
    id: int = field(default_factory=itertools.count().__next__)

    def offer(self, event: dict[str, Any]) -> None:
        if event["seq"] <= self.after_seq and event["seq"] not in self.late:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True


class EventHub:
    """The process-wide poller; started on the first subscription in the running loop."""

    def __init__(self) -> None:
        self._subscribers: dict[int, Subscription] = {}
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._starting: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None
        self.cursor: int | None = None
        self._gaps: dict[int, float] = {}

    async def subscribe(self, matches: Matcher) -> Subscription:
        """Start receiving events from now on that `matches` accepts (a row mapping of the log)."""
        await self._ensure_running()
        if not self._subscribers:
            # The poller does not read while nobody listens, so its cursor may be far behind.
            self.cursor = await asyncio.to_thread(_max_seq)
            self._gaps.clear()
        subscription = Subscription(matches, after_seq=self.cursor or 0, late=frozenset(self._gaps))
        self._subscribers[subscription.id] = subscription
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.pop(subscription.id, None)

    def stop(self) -> asyncio.Task[None] | None:
        """Stop polling (from any thread) and return the poller's task, to wait on if need be; the
        next subscription starts afresh at the log's end. Tests call this between databases."""
        task, loop = self._task, self._loop
        self._task = None
        if task is None or task.done() or loop is None or loop.is_closed():
            return None
        loop.call_soon_threadsafe(task.cancel)
        return task

    async def _ensure_running(self) -> None:
        loop = asyncio.get_running_loop()
        if self._starting is None or self._starting[0] is not loop:
            self._starting = (loop, asyncio.Lock())
        async with self._starting[1]:  # subscribers arriving together must not start two pollers
            if self._task is not None and not self._task.done() and self._loop is loop:
                return
            self._loop = loop
            self.cursor = await asyncio.to_thread(_max_seq)
            self._gaps.clear()
            self._task = loop.create_task(self._run(), name="handoff-event-hub")

    async def _run(self) -> None:
        while True:
            try:
                if self._subscribers:
                    await self.poll()
            except Exception:  # a database hiccup must not end live updates; the next poll retries
                log.exception("event hub poll failed")
            await asyncio.sleep(POLL_SECONDS)

    async def poll(self) -> int:
        """Fetch what is new (and any gap that filled in) and hand it out; return how many."""
        cursor, gaps = self.cursor or 0, list(self._gaps)
        rows = await asyncio.to_thread(_fetch, cursor, gaps)
        moment = time.monotonic()
        self._gaps = {seq: deadline for seq, deadline in self._gaps.items() if deadline > moment}
        for row in rows:
            seq = row["seq"]
            self._gaps.pop(seq, None)
            if seq > cursor:
                for missing in range(cursor + 1, seq):
                    self._gaps.setdefault(missing, moment + GAP_SECONDS)
                cursor = seq
            event = {**render(_Row(row)), "seq": seq}
            for subscription in list(self._subscribers.values()):
                if subscription.matches(row):
                    subscription.offer(event)
        self.cursor = cursor
        return len(rows)


class _Row:
    """Attribute access over a row mapping, for `render`."""

    def __init__(self, row: Mapping[str, Any]) -> None:
        self.__dict__.update(row)


def _max_seq() -> int:
    with unit_of_work(read_only=True) as session:
        return int(session.execute(select(func.coalesce(func.max(EVENTS.c.seq), 0))).scalar_one())


def _fetch(cursor: int, gaps: list[int]) -> list[Mapping[str, Any]]:
    condition = EVENTS.c.seq > cursor
    if gaps:
        condition = or_(condition, EVENTS.c.seq.in_(gaps[:BATCH]))
    with unit_of_work(read_only=True) as session:
        return list(session.execute(select(EVENTS).where(condition).order_by(EVENTS.c.seq).limit(BATCH)).mappings())


def replay(*, after_event_id: str, matches_sql: list[Any], up_to: int, limit: int = BATCH) -> list[dict[str, Any]]:
    """Events after `after_event_id` (exclusive) up to seq `up_to`, filtered in SQL, oldest first.

    Raises:
        LookupError: No such event (or not one this subscriber may see).
    """
    with unit_of_work(read_only=True) as session:
        start = session.execute(select(EVENTS.c.seq).where(EVENTS.c.id == after_event_id, *matches_sql)).scalar()
        if start is None:
            raise LookupError(after_event_id)
        rows = session.execute(select(EVENTS).where(EVENTS.c.seq > start, EVENTS.c.seq <= up_to, *matches_sql)
                               .order_by(EVENTS.c.seq).limit(limit)).mappings().all()
    return [{**render(_Row(row)), "seq": row["seq"]} for row in rows]


hub = EventHub()
