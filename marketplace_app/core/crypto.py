"""Keyed hashes for stored secrets (API keys, session tokens, tickets).

Secrets are stored only as HMAC-SHA256 under a key derived from SECRET_KEY for
one purpose, so a database dump alone cannot confirm a guessed key.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from marketplace_app.settings import get_settings


@lru_cache(maxsize=32)
def _purpose_key(secret_key: str, purpose: str) -> bytes:
    return hmac.new(secret_key.encode(), f"handoff:{purpose}".encode(), hashlib.sha256).digest()


def keyed_hash(purpose: str, value: str) -> str:
    """Return the hex HMAC-SHA256 of `value` under the key for `purpose`."""
    key = _purpose_key(get_settings().secret_key, purpose)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
