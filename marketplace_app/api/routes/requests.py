"""The agent request API (patxin contract): create, list, get, cancel, rate, estimate."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictStr
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from marketplace_app.api.access import access
from marketplace_app.api.agent import Agent, agent_context, agent_reading
from marketplace_app.api.idempotent import fingerprint, run_idempotent
from marketplace_app.api.responses import json_body, model_response, parsed_body
from marketplace_app.companies.keys import KeyContext
from marketplace_app.core.db import read_only_connection, unit_of_work
from marketplace_app.requests import expiry, pricing, views
from marketplace_app.requests import service as requests
from marketplace_app.requests.models import RequestStatus
from marketplace_app.requests.public import (
    EstimatePublic,
    RequestCancelled,
    RequestCreated,
    RequestDecided,
    RequestPage,
    RequestPublic,
    RequestRated,
)
from marketplace_app.requests.schemas import EstimateIn, RateIn, RequestCreate, parse_duration
from marketplace_app.uploads import links
from marketplace_app.work import review

router = APIRouter(tags=["requests"])
AGENT = access("api_key", scope="requests")
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    text = {400: "Refused by policy or state (`limit_exceeded`, `skill_not_allowed`, `invalid_state`)",
            401: "Missing or invalid API key (`unauthorized`)",
            402: "Not enough credits (`insufficient_credits`), or an agent's monthly budget reached "
                 "(`monthly_limit_exceeded`)",
            404: "No such request in this project (`not_found`)",
            409: "Changed concurrently (`invalid_state`), Idempotency-Key reused with another body (`conflict`), "
                 "or its first call still running (`idempotency_in_progress`: retry after `Retry-After`)",
            422: "Invalid input (`validation_error`)", 429: "Hourly rate limit reached (`rate_limited`)"}
    return {status: {"description": text[status]} for status in statuses}


@router.post("/requests", status_code=201, openapi_extra={**AGENT, **json_body(RequestCreate)},
             responses=_errors(400, 401, 402, 409, 422, 429), response_model=RequestCreated)
async def create_request(request: Request, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Create a human-in-the-loop request. Credits (`max_price`) are escrowed immediately."""
    # One trip through the threadpool for the key check and the create (the busiest write): the
    # body is read here and validated after the key, so a bad key still answers 401 before a bad body 422.
    raw = await request.body()
    return await run_in_threadpool(_create, request, raw, idempotency_key)


def _create(request: Request, raw: bytes, idempotency_key: str | None) -> JSONResponse:
    agent = agent_context(request)
    return create_for(agent, parsed_body(RequestCreate, raw, request.headers.get("content-type")), idempotency_key)


def create_for(agent: KeyContext, body: RequestCreate, idempotency_key: str | None) -> JSONResponse:
    """The create behind `POST /v1/requests`, for an authenticated agent and a validated body."""

    def action(session) -> dict[str, Any]:
        row = requests.create_request(session, ctx=agent, body=body)
        match_seconds = views.estimated_match_seconds(session, skill=row["skill"], urgency=row["urgency"])
        return views.created(row, match_seconds=match_seconds)

    return run_idempotent(principal=agent.idempotency_principal, key=idempotency_key,
                          request_hash=fingerprint("/v1/requests", body), status_code=201, action=action)


@router.get("/requests", openapi_extra=AGENT, responses=_errors(401, 404, 422, 429), response_model=RequestPage)
def list_requests(
    agent: Agent,
    status: Annotated[RequestStatus | None, Query()] = None,
    skill: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    starting_after: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    """List this key's project's requests, newest first (`offset`, or keyset with `starting_after`)."""
    with unit_of_work(read_only=True) as session:
        page = requests.list_requests(session, ctx=agent, status=status, skill=skill, limit=limit, offset=offset,
                                      starting_after=starting_after)
    data = [views.summary(row) for row in page.rows]
    return {"data": data, "has_more": page.has_more, "limit": limit, "offset": offset,
            "next_starting_after": data[-1]["request_id"] if page.has_more and data else None}


@router.get("/requests/{request_id}", openapi_extra=AGENT, responses=_errors(401, 404, 429),
            response_model=RequestPublic, response_model_exclude_unset=True)
def get_request(request_id: str, request: Request) -> Response:
    """Current status, result and timeline. An unmatched request past its window is expired and refunded now."""
    # The hot read: the key, the rate limit and the read share one read-only connection, and the
    # answer is checked against the model in this thread (one trip through the threadpool in all).
    with agent_reading(request) as (connection, agent):
        body = _current_detail(connection, agent, request_id[:40])
    return model_response(RequestPublic, _expired_if_overdue(agent, body), exclude_unset=True)


def _reader(agent) -> str:
    return links.audience("agent_key", agent.key_id)


def read_request(agent, request_id: str) -> dict[str, Any]:
    """Read a request, expiring it first if its match window has passed (the sweep would do the same)."""
    with read_only_connection() as connection:
        body = _current_detail(connection, agent, request_id[:40])
    return _expired_if_overdue(agent, body)


def _current_detail(connection: Connection, agent, request_id: str) -> dict[str, Any] | str:
    """The request's detail, or its id when it is overdue and must be expired (a write) first."""
    row = requests.get_request(connection, ctx=agent, request_id=request_id)
    if requests.is_overdue(row):
        return row["id"]
    return views.detail(connection, row, requests.timeline(connection, row["id"]), audience=_reader(agent))


def _expired_if_overdue(agent, body: dict[str, Any] | str) -> dict[str, Any]:
    """The detail `_current_detail` read, or, given the id of an overdue request, expire it and read it again."""
    if not isinstance(body, str):
        return body
    request_id = body
    with unit_of_work() as session:
        expiry.expire_unmatched(session, request_ids=[request_id])
        row = requests.get_request(session, ctx=agent, request_id=request_id)
        return views.detail(session, row, requests.timeline(session, row["id"]), audience=_reader(agent))


@router.post("/requests/{request_id}/cancel", openapi_extra=AGENT, responses=_errors(400, 401, 404, 409, 429),
             response_model=RequestCancelled)
def cancel_request(request_id: str, agent: Agent, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Cancel a matching request (or one accepted less than two minutes ago); the escrow is refunded."""

    def action(session) -> dict[str, Any]:
        row = requests.cancel_request(session, ctx=agent, request_id=request_id[:40])
        refunded_cents = row["max_price_cents"] if row["hold_id"] else 0
        return {"request_id": row["id"], "status": row["status"], "refunded": views.price(refunded_cents),
                "refunded_cents": refunded_cents}

    return run_idempotent(principal=agent.idempotency_principal, key=idempotency_key,
                          request_hash=fingerprint(f"/v1/requests/{request_id}/cancel", None), status_code=200,
                          action=action)


@router.post("/requests/{request_id}/rate", openapi_extra=AGENT, responses=_errors(400, 401, 404, 409, 422, 429),
             response_model=RequestRated)
def rate_request(request_id: str, body: RateIn, agent: Agent) -> dict[str, Any]:
    """Rate a completed request once: `score` 1–5 and an optional `comment` (≤ 500 characters)."""
    with unit_of_work() as session:
        requests.rate_request(session, ctx=agent, request_id=request_id[:40], score=body.score,
                              comment=body.comment)
    return {"request_id": request_id, "rating": {"score": body.score, "comment": body.comment}}


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: StrictStr = Field(min_length=1, max_length=1000)


@router.post("/requests/{request_id}/approve", openapi_extra=AGENT, responses=_errors(400, 401, 404, 409, 429),
             response_model=RequestDecided)
def approve_request(request_id: str, agent: Agent) -> dict[str, Any]:
    """Accept a result in `needs_review`: the request completes and the operator is paid."""
    with unit_of_work() as session:
        row = review.approve(session, ctx=agent, request_id=request_id[:40])
    return {"request_id": row["id"], "status": row["status"]}


@router.post("/requests/{request_id}/reject", openapi_extra=AGENT, responses=_errors(400, 401, 404, 409, 422, 429),
             response_model=RequestDecided)
def reject_request(request_id: str, body: RejectIn, agent: Agent) -> dict[str, Any]:
    """Refuse a result in `needs_review` with a reason: the request goes to dispute, escrow stays held."""
    with unit_of_work() as session:
        row = review.reject(session, ctx=agent, request_id=request_id[:40], reason=body.reason)
    return {"request_id": row["id"], "status": row["status"]}


@router.post("/estimate", openapi_extra=AGENT, responses=_errors(401, 422, 429), response_model=EstimatePublic)
def estimate(body: EstimateIn, agent: Agent) -> dict[str, Any]:
    """Price a request before creating it, from the skill's rate, urgency, duration and live availability."""
    with unit_of_work(read_only=True) as session:
        result = pricing.estimate(session, skill=body.skill, urgency=body.urgency,
                                  duration_seconds=parse_duration(body.duration),
                                  trailing_spend_cents=requests.trailing_spend_cents(session, agent.company_id,
                                                                                     mode=agent.mode))
    return {"estimated_price": views.price(result.price_cents), "estimated_price_cents": result.price_cents,
            "currency": views.price(0)[-3:], "available_patxers": result.available_operators,
            "estimated_match_time": pricing.format_seconds(result.match_seconds),
            "fee": views.price(result.fee.fee_cents), "fee_cents": result.fee.fee_cents,
            "fee_rate_bps": result.fee.rate_bps, "operator_reward": views.price(result.fee.reward_cents),
            "operator_reward_cents": result.fee.reward_cents}
