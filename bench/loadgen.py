"""A closed-loop HTTP load generator: N connections, each sending its next request as soon as
the previous one answers, for a fixed time after a warm-up.

Two clients on asyncio: `httpx` (the default) and `raw`, a minimal HTTP/1.1 keep-alive client
on asyncio streams. On a 2-core machine httpx spends more CPU per request than a bare FastAPI
endpoint does, so it caps what a fast server can show; the raw client costs a fraction of that
and lets the server be the bottleneck. Both send the same requests over one connection each.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

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

    def merged(self, other: LoadResult) -> LoadResult:
        """Both windows as one (same connections, times added)."""
        return LoadResult(seconds=self.seconds + other.seconds, connections=self.connections,
                          latencies_ms=self.latencies_ms + other.latencies_ms,
                          outcomes=self.outcomes + other.outcomes)

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


CLIENTS = ("httpx", "raw")
ROUNDS = 2


def alternate(targets: dict[str, tuple[str, Callable[[], Call]]], *, rounds: int = ROUNDS, connections: int = 64,
              seconds: float = 10.0, warmup_seconds: float = 2.0, client: str = "httpx") -> dict[str, LoadResult]:
    """Measure several servers in turns (A, B, A, B…) so drifting machine load hits them alike;
    each gets `seconds` in total, split over `rounds` windows, each after its own warm-up."""
    results: dict[str, LoadResult] = {}
    for _ in range(rounds):
        for label, (base_url, next_call) in targets.items():
            window = run_load(base_url, next_call, connections=connections, seconds=seconds / rounds,
                              warmup_seconds=warmup_seconds, client=client)
            results[label] = results[label].merged(window) if label in results else window
    return results


def run_load(base_url: str, next_call: Callable[[], Call], *, connections: int = 64, seconds: float = 10.0,
             warmup_seconds: float = 2.0, client: str = "httpx") -> LoadResult:
    """Drive `base_url` with `connections` concurrent connections and return the measured window."""
    drive = _drive_raw if client == "raw" else _drive
    return asyncio.run(drive(base_url, next_call, connections=connections, seconds=seconds,
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


async def _drive_raw(base_url: str, next_call: Callable[[], Call], *, connections: int, seconds: float,
                     warmup_seconds: float) -> LoadResult:
    address = urlsplit(base_url)
    result = LoadResult(seconds=seconds, connections=connections)
    start = time.perf_counter()
    window = (start + warmup_seconds, start + warmup_seconds + seconds)
    await asyncio.gather(*(_raw_worker(address.hostname, address.port, next_call, window, result)
                           for _ in range(connections)))
    return result


async def _raw_worker(host: str, port: int, next_call: Callable[[], Call], window: tuple[float, float],
                      result: LoadResult) -> None:
    measured_from, until = window
    stream = None
    while (started := time.perf_counter()) < until:
        try:
            stream = stream or await _connect(host, port)
            outcome = await asyncio.wait_for(_exchange(stream, host, next_call()), REQUEST_TIMEOUT_SECONDS)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
            outcome, stream = type(exc).__name__, _close(stream)
        if started >= measured_from:
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            result.outcomes[outcome] += 1
    _close(stream)


async def _connect(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(host, port)
    writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return reader, writer


async def _exchange(stream: tuple[asyncio.StreamReader, asyncio.StreamWriter], host: str, call: Call) -> str:
    reader, writer = stream
    body = call.content or b""
    lines = [f"{call.method} {call.path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}",
             *(f"{name}: {value}" for name, value in call.headers.items())]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    status = (await reader.readline()).split(b" ", 2)[1].decode()
    length = None
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise ValueError("response without Content-Length")
    await reader.readexactly(length)
    return status


def _close(stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None) -> None:
    if stream is not None:
        stream[1].close()
