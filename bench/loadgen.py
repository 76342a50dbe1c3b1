"""A closed-loop HTTP load generator: N connections, each sending its next request as soon as
the previous one answers, for a fixed time after a warm-up. httpx on asyncio."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

REQUEST_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP call to make."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None


@dataclass(slots=True)
class LoadResult:
    """What one measurement window saw."""

    seconds: float
    connections: int
    latencies_ms: list[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        """Answers received for calls started inside the window."""
        return len(self.latencies_ms)

    @property
    def per_second(self) -> float:
        """Throughput over the window."""
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile_ms(self, fraction: float) -> float:
        """Latency at `fraction` (0.5 = median), nearest rank."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]

    @property
    def errors(self) -> dict[str, int]:
        """Outcomes other than 2xx, by status code or exception name."""
        return {outcome: count for outcome, count in sorted(self.outcomes.items())
                if not (outcome.isdigit() and 200 <= int(outcome) < 300)}


def run_load(base_url: str, next_call: Callable[[], Call], *, connections: int = 64, seconds: float = 10.0,
             warmup_seconds: float = 2.0) -> LoadResult:
    """Drive `base_url` with `connections` concurrent connections and return the measured window."""
    return asyncio.run(_drive(base_url, next_call, connections=connections, seconds=seconds,
                              warmup_seconds=warmup_seconds))


async def _drive(base_url: str, next_call: Callable[[], Call], *, connections: int, seconds: float,
                 warmup_seconds: float) -> LoadResult:
    # One client per connection: a single httpx pool shared by 64 tasks spends more time
    # arbitrating its connections than sending (measured: 67 vs 169 echo req/s here).
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT_SECONDS)
               for _ in range(connections)]
    result = LoadResult(seconds=seconds, connections=connections)
    try:
        start = time.perf_counter()
        window = (start + warmup_seconds, start + warmup_seconds + seconds)
        await asyncio.gather(*(_worker(client, next_call, window, result) for client in clients))
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))
    return result


async def _worker(client: httpx.AsyncClient, next_call: Callable[[], Call], window: tuple[float, float],
                  result: LoadResult) -> None:
    measured_from, until = window
    while (started := time.perf_counter()) < until:
        call = next_call()
        try:
            response = await client.request(call.method, call.path, headers=call.headers, content=call.content)
            outcome = str(response.status_code)
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        if started >= measured_from:
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            result.outcomes[outcome] += 1
