"""Keyed hashes for stored secrets (API keys, session tokens, tickets), and sealed
secrets for the few we must use again (webhook signing secrets).

Secrets we only check are stored as HMAC-SHA256 under a key derived from SECRET_KEY
for one purpose, so a database dump alone cannot confirm a guessed key. Secrets we
sign with are sealed (Fernet: AES-128-CBC + HMAC) under another derived key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet

from marketplace_app.settings import get_settings


@lru_cache(maxsize=32)
def _purpose_key(secret_key: str, purpose: str) -> bytes:
    return hmac.new(secret_key.encode(), f"handoff:{purpose}".encode(), hashlib.sha256).digest()


def keyed_hash(purpose: str, value: str) -> str:
    """Return the hex HMAC-SHA256 of `value` under the key for `purpose`."""
    key = _purpose_key(get_settings().secret_key, purpose)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_purpose_key(secret_key, "sealed-secrets")))


def seal(value: str) -> str:
    """Encrypt a secret we must use again later (webhook signing secrets) under SECRET_KEY."""
    return _fernet(get_settings().secret_key).encrypt(value.encode()).decode()


def unseal(token: str) -> str:
    """Decrypt what `seal` produced."""
    return _fernet(get_settings().secret_key).decrypt(token.encode()).decode()
