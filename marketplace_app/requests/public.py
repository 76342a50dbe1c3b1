"""The shapes the API answers with about requests (`XPublic`), as `views.py` builds them.

Response models only: they document every field in `/v1/openapi.json` and check the views
against it. Money is given twice, as the seed's string (`"8.00EUR"`) and in cents.
"""

from __future__ import annotations

from typing import Any

from marketplace_app.core.validation import ResponseShape


class RequestCreated(ResponseShape):
    """The answer to a create: matching has started (or the sandbox simulates it)."""

    request_id: str
    status: str
    estimated_match_time: str
    created_at: str | None
    expires_at: str | None
    mode: str
    skill: str
    urgency: str
    max_price: str
    max_price_cents: int
    fee: str
    fee_cents: int
    currency: str
    information_policy: str


class RequestSummary(ResponseShape):
    """One line of the request list."""

    request_id: str
    status: str
    skill: str
    urgency: str
    duration: str | None
    title: str | None
    max_price: str
    max_price_cents: int
    mode: str
    created_at: str | None
    completed_at: str | None


class RequestPage(ResponseShape):
    """A page of requests, newest first; `next_starting_after` continues a keyset walk."""

    data: list[RequestSummary]
    has_more: bool
    limit: int
    offset: int
    next_starting_after: str | None


class TimelineLine(ResponseShape):
    """One status change: to what, when, by whom."""

    status: str
    at: str | None
    actor: str | None
    note: str | None


class HumanPublic(ResponseShape):
    """The operator who took the request, by public id and record."""

    id: str
    avg_response_quality: float | None
    tasks_completed: int


class RatingPublic(ResponseShape):
    """The company's rating of the result."""

    score: int
    comment: str | None


class RequestPublic(RequestSummary):
    """One request: the brief, money, policy, timeline; `human` and `result` once they exist.

    `result` holds the operator's `answer`, `confidence`, `proof_notes`, the `verification`
    and `files` (each with a short-lived signed `url`).
    """

    context: str | None
    location: str | None
    deadline: str | None
    proof_requirements: list[str] | None
    output_schema: dict[str, Any] | None
    callback_url: str | None
    information_policy: str
    fee: str
    fee_cents: int
    currency: str
    expires_at: str | None
    accepted_at: str | None
    rating: RatingPublic | None
    timeline: list[TimelineLine]
    # Absent (not null) until there is one; routes answer with `response_model_exclude_unset`.
    human: HumanPublic | None = None
    result: dict[str, Any] | None = None


class RequestCancelled(ResponseShape):
    """The answer to a cancel: what came back to the company's available credit."""

    request_id: str
    status: str
    refunded: str
    refunded_cents: int


class RequestRated(ResponseShape):
    """The rating as recorded."""

    request_id: str
    rating: RatingPublic


class RequestDecided(ResponseShape):
    """The answer to a review decision (approve or reject): where the request went."""

    request_id: str
    status: str


class EstimatePublic(ResponseShape):
    """A price before creating: the estimate, its fee and the operator's reward, and how soon."""

    estimated_price: str
    estimated_price_cents: int
    currency: str
    available_patxers: int
    estimated_match_time: str
    fee: str
    fee_cents: int
    fee_rate_bps: int
    operator_reward: str
    operator_reward_cents: int
