"""Webhook signatures: `X-Handoff-Signature: t=<unix>,v1=<hex>`.

`v1` is HMAC-SHA256 under the endpoint secret over `"{t}.{raw body}"`. While a
secret is being rotated the header carries one `v1` per valid secret. Receivers
verify with `verify_signature` (also documented in the README for other languages).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable

SIGNATURE_HEADER = "X-Handoff-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The payload does not carry a valid, fresh signature."""


def compute(payload: bytes, secret: str, timestamp: int) -> str:
    """The hex HMAC-SHA256 of `"{timestamp}.{payload}"` under `secret`."""
    message = str(timestamp).encode() + b"." + payload
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(payload: bytes, secrets: Iterable[str], timestamp: int) -> str:
    """The header value signing `payload` with each of `secrets` (the current one first)."""
    parts = [f"t={timestamp}"] + [f"v1={compute(payload, secret, timestamp)}" for secret in secrets]
    return ",".join(parts)


def verify_signature(payload: bytes | str, header: str | None, secret: str,
                     tolerance: int = DEFAULT_TOLERANCE_SECONDS, *, now: float | None = None) -> int:
    """Check a webhook: `payload` is the raw request body, `header` the `X-Handoff-Signature` value.

    Returns the signed timestamp. Raises `SignatureError` if the header is malformed, no `v1`
    matches `secret` (constant-time comparison), or the timestamp is more than `tolerance`
    seconds from now (a replayed or stale delivery).
    """
    if isinstance(payload, str):
        payload = payload.encode()
    if not header:
        raise SignatureError("missing signature header")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError("malformed signature header")
        if name == "t":
            if timestamp is not None or not value.isascii() or not value.isdigit() or len(value) > 12:
                raise SignatureError("malformed timestamp")
            timestamp = int(value)
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("signature header needs t= and v1=")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance")
    expected = compute(payload, secret, timestamp)
    if not any(hmac.compare_digest(expected.encode(), candidate.encode(errors="replace")) for candidate in candidates):
        raise SignatureError("no signature matches")
    return timestamp
