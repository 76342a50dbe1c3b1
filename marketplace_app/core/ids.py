"""Public identifiers: a short type prefix and random hex (96 bits by default)."""

from __future__ import annotations

import secrets

PUBLIC_ID_BYTES = 12


def new_id(prefix: str, *, nbytes: int = PUBLIC_ID_BYTES) -> str:
    """Return `prefix_` followed by `2 * nbytes` random hex characters."""
    return f"{prefix}_{secrets.token_hex(nbytes)}"


def new_secret(prefix: str, *, nbytes: int = 32) -> str:
    """Return a bearer secret such as `ses_…`: URL-safe, 256 bits by default."""
    return f"{prefix}_{secrets.token_urlsafe(nbytes)}"
