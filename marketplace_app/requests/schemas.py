"""The agent's request input: parsed and validated once, for every front door
(REST, the inbound agent hook and MCP)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr, field_validator

from marketplace_app.core.agent_schema import check_agent_schema
from marketplace_app.core.clock import now
from marketplace_app.core.errors import ValidationFailed
from marketplace_app.core.money import parse_positive_money
from marketplace_app.settings import get_settings
from marketplace_app.webhooks.ssrf import check_url

MIN_DURATION_SECONDS = 60
MAX_DURATION_SECONDS = 24 * 3600
_DURATION = re.compile(r"(?:(?P<h>[0-9]{1,2})h)?(?:(?P<m>[0-9]{1,4})min)?(?:(?P<s>[0-9]{1,5})s)?", re.ASCII)

UrgencyText = Literal["1min", "5min", "15min", "30min"]
PolicyText = Literal["open", "redacted", "sandboxed"]


def parse_duration(text: object) -> int:
    """Parse `"15min"`, `"1h"`, `"1h30min"` or `"90s"` into seconds (`MIN_DURATION_SECONDS` to
    `MAX_DURATION_SECONDS`)."""
    match = _DURATION.fullmatch(text) if isinstance(text, str) and text else None
    if match is None or not any(match.groupdict().values()):
        raise ValueError("duration must look like '15min', '1h', '1h30min' or '90s'")
    seconds = int(match["h"] or 0) * 3600 + int(match["m"] or 0) * 60 + int(match["s"] or 0)
    if not MIN_DURATION_SECONDS <= seconds <= MAX_DURATION_SECONDS:
        raise ValueError(f"duration must be between {format_duration(MIN_DURATION_SECONDS)} and "
                         f"{format_duration(MAX_DURATION_SECONDS)}")
    return seconds


def format_duration(seconds: int) -> str:
    """Render seconds the way agents write durations (`"15min"`, `"1h30min"`, `"90s"`)."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}min" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts) or "0s"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAKS = re.compile(r"[\n\r\t]")


def reject_control_characters(value: str | None, *, multiline: bool = False) -> str | None:
    """Refuse NUL and other control characters (tabs and line breaks only where text is multi-line)."""
    if value is None:
        return None
    if _CONTROL.search(value) or (not multiline and _LINE_BREAKS.search(value)):
        raise ValueError("must not contain control characters")
    return value


def parse_price(text: object, field: str = "max_price") -> int:
    """Parse a price string in the platform currency into cents (> 0)."""
    try:
        return parse_positive_money(text, currency=get_settings().currency, field=field)
    except ValidationFailed as exc:
        raise ValueError(exc.message) from exc


def _checked_duration(value: str) -> str:
    parse_duration(value)
    return value


def _single_line(value: str) -> str:
    return reject_control_characters(value)


SkillText = Annotated[StrictStr, Field(min_length=1, max_length=40, examples=["legal_review"]),
                      AfterValidator(_single_line)]
DurationText = Annotated[StrictStr, Field(max_length=16, examples=["15min"]), AfterValidator(_checked_duration)]


class RequestCreate(BaseModel):
    """`POST /v1/requests` (seed fields plus the optional extras)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    skill: SkillText
    urgency: UrgencyText = Field(examples=["5min"])
    duration: DurationText
    context: StrictStr = Field(min_length=1, max_length=2000,
                               examples=["Review NDA clause 4.2 for compliance with Spanish labor law"])
    max_price: StrictStr = Field(max_length=32, examples=["8.00EUR"])
    information_policy: PolicyText | None = Field(default=None, examples=["redacted"])
    title: StrictStr | None = Field(default=None, max_length=200)
    location: StrictStr | None = Field(default=None, max_length=200)
    deadline: datetime | None = None
    proof_requirements: list[StrictStr] = Field(default_factory=list, max_length=10)
    output_schema: dict[str, Any] | None = None
    callback_url: StrictStr | None = Field(default=None, max_length=2048)
    callback_secret: StrictStr | None = Field(default=None, min_length=16, max_length=128,
                                              description="Signs this request's callbacks (X-Handoff-Signature)")

    @field_validator("title", "location", "callback_url")
    @classmethod
    def _single_line(cls, value: str | None) -> str | None:
        return reject_control_characters(value)

    @field_validator("max_price")
    @classmethod
    def _price(cls, value: str) -> str:
        parse_price(value)
        return value

    @field_validator("context")
    @classmethod
    def _context(cls, value: str) -> str:
        reject_control_characters(value, multiline=True)
        if not value.strip():
            raise ValueError("context must not be blank")
        return value

    @field_validator("deadline")
    @classmethod
    def _deadline(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("deadline must include a timezone, e.g. 2026-02-18T12:00:00Z")
        if value <= now():
            raise ValueError("deadline must be in the future")
        days = get_settings().request_deadline_max_days
        # Also keeps far-future dates (year 9999 with an offset) from overflowing on the way to UTC.
        if value > now() + timedelta(days=days):
            raise ValueError(f"deadline must be at most {days} days ahead")
        return value

    @field_validator("proof_requirements")
    @classmethod
    def _proof(cls, value: list[str]) -> list[str]:
        for item in value:
            reject_control_characters(item)
        if any(not item.strip() or len(item) > 300 for item in value):
            raise ValueError("each proof requirement must be 1 to 300 characters")
        return value

    @field_validator("output_schema")
    @classmethod
    def _schema(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            try:
                check_agent_schema(value, field="output_schema")
            except ValidationFailed as exc:
                raise ValueError(exc.message) from None
        return value

    @field_validator("callback_url")
    @classmethod
    def _callback(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                check_url(value, allow_localhost=get_settings().webhooks_allow_localhost)
            except ValidationFailed as exc:
                raise ValueError(exc.message.replace("webhook URL", "callback_url")) from None
        return value

    @field_validator("callback_secret")
    @classmethod
    def _callback_secret(cls, value: str | None) -> str | None:
        if value is not None and (not value.isascii() or not value.isprintable() or value != value.strip()):
            raise ValueError("callback_secret must be printable ASCII without surrounding spaces")
        return value

    @property
    def duration_seconds(self) -> int:
        """The duration in seconds."""
        return parse_duration(self.duration)

    @property
    def max_price_cents(self) -> int:
        """The price in minor units."""
        return parse_price(self.max_price)


class EstimateIn(BaseModel):
    """`POST /v1/estimate`."""

    model_config = ConfigDict(extra="forbid")

    skill: SkillText
    urgency: UrgencyText = Field(examples=["5min"])
    duration: DurationText


class RateIn(BaseModel):
    """`POST /v1/requests/{id}/rate`."""

    model_config = ConfigDict(extra="forbid")

    score: int = Field(ge=1, le=5, strict=True)
    comment: StrictStr | None = Field(default=None, max_length=500)

    @field_validator("comment")
    @classmethod
    def _comment(cls, value: str | None) -> str | None:
        return reject_control_characters(value, multiline=True)
