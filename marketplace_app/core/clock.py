"""The one source of "now" (aware UTC), which tests may freeze and advance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_frozen: datetime | None = None


def now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC)


def freeze(at: datetime) -> None:
    """Stop the clock at `at` until `unfreeze()` (naive values are taken as UTC)."""
    global _frozen
    _frozen = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)


def advance(by: timedelta) -> datetime:
    """Move a frozen clock forward and return the new time."""
    if _frozen is None:
        raise RuntimeError("advance() needs a frozen clock")
    freeze(_frozen + by)
    return now()


def unfreeze() -> None:
    """Let the clock run again."""
    global _frozen
    _frozen = None


def isoformat(value: datetime | None) -> str | None:
    """Render a datetime as RFC 3339 in UTC with a trailing `Z` (whole seconds)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"
