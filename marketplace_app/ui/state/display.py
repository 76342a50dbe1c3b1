"""The one formatter set: how every page words amounts, rates, moments, durations, skills and
codes (plain strings, so state rows hold what the page shows)."""

from __future__ import annotations

from datetime import UTC, datetime

from marketplace_app.core.clock import now
from marketplace_app.core.money import MINOR_UNITS_PER_MAJOR
from marketplace_app.settings import get_settings

NEVER = "—"
# The catalogue's titles write these as initials; every other skill reads as its name in words.
SKILL_INITIALISMS = {"captcha": "CAPTCHA", "kyc": "KYC", "seo": "SEO", "pdf": "PDF"}


def money(cents: int) -> str:
    """An amount for people, thousands grouped: `100000` → "1,000.00 EUR", `-800` → "-8.00 EUR"."""
    sign = "-" if cents < 0 else ""
    major, minor = divmod(abs(cents), MINOR_UNITS_PER_MAJOR)
    return f"{sign}{major:,}.{minor:02d} {get_settings().currency}"


def signed_money(cents: int) -> str:
    """A movement with its sign: "+50.00 EUR", "-8.00 EUR"."""
    return ("+" if cents > 0 else "") + money(cents)


def wire_money(wire: str) -> str:
    """An amount in the API's wire format ("20.00EUR") worded like `money` ("20.00 EUR")."""
    number, currency = wire[:-3], wire[-3:]
    if not (currency.isalpha() and number.replace(".", "", 1).lstrip("-").isdigit()):
        return wire
    major, _, minor = number.lstrip("-").partition(".")
    return f"{'-' if number.startswith('-') else ''}{int(major):,}.{minor or '00'} {currency}"


def rate(count: int, per: str = "hour") -> str:
    """A rate for people: `1000` → "1,000 / hour"."""
    return f"{count:,} / {per}"


def aware(moment: datetime) -> datetime:
    """`moment` as aware UTC (SQLite hands back naive values)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def when(moment: datetime | str | None, *, seconds: bool = False) -> str:
    """A moment in UTC to the minute ("2026-05-01 14:03 UTC"), or a dash; ISO strings are accepted.

    Args:
        moment: The moment (naive values are UTC), an ISO string, or nothing.
        seconds: To the second, for heartbeats that beat every few seconds ("14:03:59 UTC").
    """
    if not moment:
        return NEVER
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return aware(moment).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")


def day(moment: datetime | None) -> str:
    """The UTC date of `moment` ("2026-05-01"), or a dash."""
    return aware(moment).astimezone(UTC).date().isoformat() if moment else NEVER


def duration(seconds: int) -> str:
    """A length of time, coarsely ("2 h 5 min", "4 min 10 s", "30 s")."""
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def every(seconds: int) -> str:
    """How often something repeats, in its largest whole unit ("every 2 h", "every 30 s")."""
    if seconds % 3600 == 0:
        return f"every {seconds // 3600} h"
    if seconds % 60 == 0:
        return f"every {seconds // 60} min"
    return f"every {seconds} s"


def time_left(until: datetime | str | None) -> str:
    """What is left of a window, coarsely ("4 min 10 s", "2 h 5 min", "over")."""
    if not until:
        return ""
    if isinstance(until, str):
        until = datetime.fromisoformat(until.replace("Z", "+00:00"))
    seconds = int((aware(until) - now()).total_seconds())
    return duration(seconds) if seconds > 0 else "over"


def skill(name: str) -> str:
    """A skill as the catalogue titles it: "legal_review" → "Legal review", "captcha_solving" →
    "CAPTCHA solving"."""
    words = [SKILL_INITIALISMS.get(word, word) for word in name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def label(value: str) -> str:
    """A snake_case code in words: "needs_review" → "needs review"."""
    return value.replace("_", " ")
