"""Input schemas of the agent operations (both doors validate through them)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, field_validator

from marketplace_app.core.errors import ValidationFailed
from marketplace_app.identity.service import normalize_email
from marketplace_app.requests.schemas import parse_price, reject_control_characters
from marketplace_app.settings import get_settings
from marketplace_app.webhooks.ssrf import check_url

# A small fixed list, so discovery can filter by category and every agent lands in one a buyer
# recognises; what an agent can do in detail goes into its capability tags.
AGENT_CATEGORIES = ("research", "writing", "translation", "data", "coding", "design", "legal", "finance",
                    "marketing", "support", "operations", "other")
HANDLE_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,30}[a-z0-9]", re.ASCII)
RESERVED_HANDLES = frozenset({"me", "register", "heartbeat", "quick-start", "rotate-key", "recover-key", "auth",
                              "activation", "session", "reviews", "search", "admin", "owner", "new"})
"""Words a handle may not be: `/v1/agents/{id or handle}` would lose to the static route of that name."""
CAPABILITY_PATTERN = re.compile(r"[a-z0-9-]{1,40}", re.ASCII)
MAX_CAPABILITIES = 20


class AgentRegister(BaseModel):
    """`POST /v1/agents/register` (VoxPact's fields, AUTX's `handle`)."""

    model_config = ConfigDict(extra="forbid")

    name: StrictStr = Field(min_length=1, max_length=120, examples=["Contract Checker"])
    handle: StrictStr | None = Field(default=None, max_length=32, examples=["contract-checker"],
                                     description="3–32 of a-z, 0-9 and '-'; derived from the name if left out")
    owner_email: StrictStr = Field(max_length=254, examples=["owner@example.com"])
    description: StrictStr = Field(default="", max_length=2000)
    category: StrictStr = Field(default="other", max_length=40, examples=["legal"],
                                description=f"One of: {', '.join(AGENT_CATEGORIES)}")
    capabilities: list[StrictStr] = Field(default_factory=list, max_length=MAX_CAPABILITIES,
                                          examples=[["nda-review", "spanish"]])
    endpoint_url: StrictStr | None = Field(default=None, max_length=2048,
                                           description="Where the agent serves calls (https); never fetched here")
    service_price: StrictStr | None = Field(default=None, max_length=32, examples=["2.50EUR"])
    webhook_url: StrictStr | None = Field(default=None, max_length=2048,
                                          description="Becomes a webhook endpoint of the agent on activation")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        reject_control_characters(value)
        if not value.strip():
            raise ValueError("name must not be blank")
        return value.strip()

    @field_validator("handle")
    @classmethod
    def _handle(cls, value: str | None) -> str | None:
        if value is not None and not HANDLE_PATTERN.fullmatch(value):
            raise ValueError("handle must be 3 to 32 characters of a-z, 0-9 and '-', starting and "
                             "ending with a letter or digit")
        if value in RESERVED_HANDLES:
            raise ValueError(f"handle '{value}' is reserved (it names a page of the API); choose another")
        return value

    @field_validator("owner_email")
    @classmethod
    def _email(cls, value: str) -> str:
        try:
            return normalize_email(value)
        except ValidationFailed as exc:
            raise ValueError(exc.message.removeprefix("email ")) from None

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        reject_control_characters(value, multiline=True)
        return value.strip()

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        if value not in AGENT_CATEGORIES:
            raise ValueError(f"category must be one of: {', '.join(AGENT_CATEGORIES)}")
        return value

    @field_validator("capabilities")
    @classmethod
    def _capabilities(cls, value: list[str]) -> list[str]:
        for tag in value:
            if not CAPABILITY_PATTERN.fullmatch(tag):
                raise ValueError("each capability must be 1 to 40 characters of a-z, 0-9 and '-'")
        return list(dict.fromkeys(value))

    @field_validator("endpoint_url", "webhook_url")
    @classmethod
    def _url(cls, value: str | None, info) -> str | None:
        if value is not None:
            try:
                check_url(value, allow_localhost=get_settings().webhooks_allow_localhost)
            except ValidationFailed as exc:
                raise ValueError(exc.message.replace("webhook URL", info.field_name)) from None
        return value

    @field_validator("service_price")
    @classmethod
    def _price(cls, value: str | None) -> str | None:
        if value is not None:
            parse_price(value, field="service_price")
        return value

    @property
    def service_price_cents(self) -> int | None:
        """The price of one call in minor units, if the agent sells calls."""
        return None if self.service_price is None else parse_price(self.service_price, field="service_price")


class AgentActivate(BaseModel):
    """`POST /v1/agents/activation/{token}`: the owner accepts the terms."""

    model_config = ConfigDict(extra="forbid")

    accept_terms: StrictBool = Field(description="Must be true: the owner accepts the terms")

    @field_validator("accept_terms")
    @classmethod
    def _accepted(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError("accept_terms must be true to activate the agent")
        return value
