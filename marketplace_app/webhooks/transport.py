"""Sending one signed POST to a checked destination: connect to the pinned address,
never follow redirects, never read more than a little of the answer."""

from __future__ import annotations

import functools
import ssl
import time
from dataclasses import dataclass

import httpx

from marketplace_app.webhooks.ssrf import Destination

USER_AGENT = "Handoff-Webhooks/1.0"
MAX_ERROR_LENGTH = 300


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt produced: status code (if any answer), latency and our error text."""

    status_code: int | None
    latency_ms: int
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(destination: Destination, body: bytes, headers: dict[str, str], *, timeout: float) -> Outcome:
    """POST `body` to `destination` (the pinned address; host name in `Host` and SNI)."""
    host_header = destination.host if destination.port in (443, 80) else f"{destination.host}:{destination.port}"
    started = time.perf_counter()
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False, verify=_tls()) as client:
            request = client.build_request(
                "POST", destination.target, content=body,
                headers={"Host": host_header, "Content-Type": "application/json", "User-Agent": USER_AGENT,
                         **headers},
                extensions={"sni_hostname": destination.host})
            response = client.send(request, stream=True)
            # The receiver's body is never read into our logs; the connection is dropped unread.
            status = response.status_code
            response.close()
    except httpx.TimeoutException:
        return Outcome(None, _elapsed(started), f"timed out after {timeout:g} s")
    except httpx.HTTPError as exc:
        return Outcome(None, _elapsed(started), f"connection failed: {type(exc).__name__}"[:MAX_ERROR_LENGTH])
    latency = _elapsed(started)
    if 300 <= status < 400:
        return Outcome(status, latency, f"redirect ({status}) not followed")
    if not 200 <= status < 300:
        return Outcome(status, latency, f"receiver answered {status}")
    return Outcome(status, latency, None)


@functools.cache
def _tls() -> ssl.SSLContext:
    """One verifying TLS context for every send (building one loads the CA bundle: ~35 ms each)."""
    return httpx.create_ssl_context(trust_env=False)


def _elapsed(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
