"""How the operator and staff pages word amounts, moments and durations (plain strings)."""

from __future__ import annotations

from datetime import UTC, datetime

from marketplace_app.core.clock import now
from marketplace_app.core.money import display_money
from marketplace_app.settings import get_settings

NEVER = "—"


def money(cents: int) -> str:
    """An amount for people: `800` → "8.00 EUR"."""
    return display_money(cents, get_settings().currency)


def aware(moment: datetime) -> datetime:
    """`moment` as aware UTC (SQLite hands back naive values)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def when(moment: datetime | str | None) -> str:
    """A moment in UTC to the minute ("2026-05-01 14:03 UTC"), or a dash; ISO strings are accepted."""
    if not moment:
        return NEVER
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return aware(moment).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def day(moment: datetime | None) -> str:
    """The UTC date of `moment` ("2026-05-01"), or a dash."""
    return aware(moment).astimezone(UTC).date().isoformat() if moment else NEVER


def time_left(until: datetime | str | None) -> str:
    """What is left of a window, coarsely ("4 min 10 s", "2 h 5 min", "over")."""
    if not until:
        return ""
    if isinstance(until, str):
        until = datetime.fromisoformat(until.replace("Z", "+00:00"))
    seconds = int((aware(until) - now()).total_seconds())
    if seconds <= 0:
        return "over"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def label(value: str) -> str:
    """A snake_case code in words: "needs_review" → "needs review"."""
    return value.replace("_", " ")
