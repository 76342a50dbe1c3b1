"""Dispute input, one schema per operation, validated by every door (API body, dashboard form).

The names are the API's component names in `/v1/openapi.json`, kept as agents already see them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

MAX_REASON_LENGTH = 1000
MAX_COMMENT_LENGTH = 500
MAX_MONEY_TEXT = 32


class ReasonIn(BaseModel):
    """Why: opening a dispute, appealing a ruling, or the operator's statement."""

    model_config = ConfigDict(extra="forbid")

    reason: StrictStr = Field(min_length=1, max_length=MAX_REASON_LENGTH, examples=["The answer ignores clause 4.2"])


class OfferIn(BaseModel):
    """A refund to the company, as a money string (`"4.00EUR"`); `"0.00EUR"` offers none."""

    model_config = ConfigDict(extra="forbid")

    refund: StrictStr = Field(max_length=MAX_MONEY_TEXT, examples=["4.00EUR"])


class VoteIn(BaseModel):
    """A juror's vote, with an optional comment for the parties."""

    model_config = ConfigDict(extra="forbid")

    vote: Literal["for_company", "for_operator"]
    comment: StrictStr | None = Field(default=None, max_length=MAX_COMMENT_LENGTH)


class RulingIn(BaseModel):
    """A specialist's or the board's ruling."""

    model_config = ConfigDict(extra="forbid")

    ruling: Literal["for_company", "for_operator", "split"]
    refund: StrictStr | None = Field(default=None, max_length=MAX_MONEY_TEXT, description="Required for a split")
    reasoning: StrictStr = Field(min_length=1, max_length=MAX_REASON_LENGTH)
