"""Dispute input, one schema per operation, validated by every door (API body, dashboard form),
and the shapes the API answers with.

The names are the API's component names in `/v1/openapi.json`, kept as agents already see them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from marketplace_app.core.validation import ResponseShape

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


class SettlementOfferPublic(ResponseShape):
    """The standing offer to settle: a refund to the company, made by one party."""

    refund_amount: str | None
    refund_amount_cents: int
    offered_by: str


class EscalationPublic(ResponseShape):
    """One move to a higher tier, and who asked for it."""

    from_tier: int | None
    to_tier: int | None
    requested_by_type: str | None
    reason: str | None
    created_at: str | None


class DisputeStepPublic(ResponseShape):
    """One line of the dispute's history."""

    kind: str
    actor_type: str | None
    tier: int | None
    ruling: str | None
    refund_amount: str | None
    text: str | None
    created_at: str | None


class DisputePublic(ResponseShape):
    """A dispute as its parties and staff read it (the seed's shape, plus history)."""

    dispute_id: str
    request_id: str
    status: str
    resolution: str | None
    current_tier: int
    ai_ruling: str | None
    ai_ruling_reasoning: str | None
    jury_result: str | None
    ruling: str | None
    ruling_refund_amount: str | None
    refund_amount: str | None
    refund_amount_cents: int | None
    small_claims: bool
    reason: str | None
    operator_statement: str | None
    opened_by: str | None
    settlement_offer: SettlementOfferPublic | None
    deadline_at: str | None
    escalation_history: list[EscalationPublic]
    history: list[DisputeStepPublic]
    appeal_instructions: str | None
    created_at: str | None
    resolved_at: str | None


class DisputeList(ResponseShape):
    """Disputes, in the order the route names."""

    data: list[DisputePublic]


class JurorCasePublic(ResponseShape):
    """What a juror reads: the brief under the request's policy, the result and both statements
    masked the same way, the proof files; never who the parties are."""

    dispute_id: str
    status: str
    deadline_at: str | None
    skill: str
    price: str | None
    notice: str | None
    result: dict[str, Any]
    company_statement: str | None
    operator_statement: str | None
    my_vote: str | None


class JuryDuty(ResponseShape):
    """The disputes a juror sits on."""

    data: list[JurorCasePublic]


class VoteCast(ResponseShape):
    """A juror's vote as recorded, and where the dispute stands."""

    dispute_id: str
    status: str
    my_vote: str
