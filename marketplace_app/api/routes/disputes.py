"""Disputes over the API: the company's agent opens, reads, appeals and settles; the operator
reads, states, appeals, settles and sits on juries; staff rule as specialist or board."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import JSONResponse
from sqlmodel import Session

from marketplace_app.api.access import ADMIN, access
from marketplace_app.api.agent import Agent
from marketplace_app.api.deps import AdminUser, require_role
from marketplace_app.api.idempotent import fingerprint, run_idempotent
from marketplace_app.core import wording
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.money import parse_money
from marketplace_app.disputes import queries, views
from marketplace_app.disputes import service as disputes
from marketplace_app.disputes.parties import OperatorActor
from marketplace_app.disputes.schemas import (
    DisputeList,
    DisputePublic,
    JuryDuty,
    OfferIn,
    ReasonIn,
    RulingIn,
    VoteCast,
    VoteIn,
)
from marketplace_app.identity.models import Role, User
from marketplace_app.settings import get_settings

router = APIRouter(tags=["disputes"])
AGENT = access("api_key", scope="requests")
OPERATOR = access("operator")
Operator = Annotated[User, Depends(require_role(Role.operator))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
RequestId = Annotated[str, Path(max_length=40)]
DisputeId = Annotated[str, Path(max_length=40)]
ERRORS = {400: {"description": "Not allowed in this state, or the window closed (`invalid_state`)"},
          401: {"description": "Missing or invalid key or session (`unauthorized`)"},
          403: {"description": "Not your turn or not your role (`forbidden`)"},
          404: {"description": "No such request or dispute of yours (`not_found`)"},
          409: {"description": "The dispute moved on concurrently (`invalid_state`), or the first call with this "
                               "Idempotency-Key is still running (`idempotency_in_progress`)"},
          422: {"description": "Invalid input (`validation_error`)"}}


SETTINGS = get_settings()
APPEAL_WINDOW = wording.hours(SETTINGS.appeal_window_hours)
# OpenAPI descriptions name the deployment's windows and limits, so they are built from settings.
OPEN_DESCRIPTION = (
    f"Dispute a completed request within {wording.hours(SETTINGS.dispute_window_hours)} of completion. "
    f"Under {wording.money(SETTINGS.small_claims_limit_cents)} and rated ≤ 2 it is refunded 50 % at once; "
    f"otherwise tier 0 rules instantly and the ruling awaits appeal ({APPEAL_WINDOW}).")
APPEAL_DESCRIPTION = f"Appeal the current ruling within {APPEAL_WINDOW}: the next tier takes the dispute."
RULING_DESCRIPTION = f"Rule as the specialist (appealable for {APPEAL_WINDOW}) or the board (final)."


def _cents(text: str | None) -> int | None:
    return None if text is None else parse_money(text, currency=get_settings().currency, field="refund")


def _shown(session: Session, dispute: Mapping[str, Any]) -> dict[str, Any]:
    return views.render(dispute, queries.history(session, dispute["id"]))


def _agent_action(agent: Any, request_id: str, act: Callable[[Session, Mapping[str, Any]], Any]) -> dict[str, Any]:
    with unit_of_work() as session:
        dispute = queries.for_request(session, ctx=agent, request_id=request_id)
        act(session, dispute)
        return _shown(session, queries.for_request(session, ctx=agent, request_id=request_id))


# ------------------------------------------------------------------------------------------ the company's agent

@router.post("/requests/{request_id}/dispute", status_code=201, openapi_extra=AGENT, responses=ERRORS,
             description=OPEN_DESCRIPTION, response_model=DisputePublic)
def open_dispute(request_id: RequestId, body: ReasonIn, agent: Agent,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Dispute a completed request (the description names the window and the small-claims limit)."""

    def action(session: Session) -> dict[str, Any]:
        dispute = disputes.open_by_company(session, ctx=agent, request_id=request_id, reason=body.reason)
        return _shown(session, queries.for_request(session, ctx=agent, request_id=dispute["request_id"]))

    return run_idempotent(principal=agent.idempotency_principal, key=idempotency_key,
                          request_hash=fingerprint(f"/v1/requests/{request_id}/dispute", body),
                          status_code=201, action=action)


@router.get("/requests/{request_id}/dispute", openapi_extra=AGENT, responses=ERRORS, response_model=DisputePublic)
def get_dispute(request_id: RequestId, agent: Agent) -> dict[str, Any]:
    """Status, tier, rulings, jury result, refund amount and escalation history."""
    with unit_of_work(read_only=True) as session:
        return _shown(session, queries.for_request(session, ctx=agent, request_id=request_id))


@router.post("/requests/{request_id}/dispute/appeal", openapi_extra=AGENT, responses=ERRORS,
             description=APPEAL_DESCRIPTION, response_model=DisputePublic)
def appeal_as_company(request_id: RequestId, body: ReasonIn, agent: Agent) -> dict[str, Any]:
    """Appeal the current ruling; the next tier takes the dispute."""
    return _agent_action(agent, request_id, lambda session, dispute: disputes.appeal(
        session, dispute_id=dispute["id"], actor=agent, reason=body.reason))


@router.post("/requests/{request_id}/dispute/settlement", openapi_extra=AGENT, responses=ERRORS,
             response_model=DisputePublic)
def offer_as_company(request_id: RequestId, body: OfferIn, agent: Agent) -> dict[str, Any]:
    """Offer to settle for a refund; the operator may accept it."""
    return _agent_action(agent, request_id, lambda session, dispute: disputes.propose_settlement(
        session, dispute_id=dispute["id"], actor=agent, refund_cents=_cents(body.refund)))


@router.post("/requests/{request_id}/dispute/settlement/accept", openapi_extra=AGENT, responses=ERRORS,
             response_model=DisputePublic)
def accept_as_company(request_id: RequestId, body: OfferIn, agent: Agent) -> dict[str, Any]:
    """Accept the operator's standing offer (repeat its amount): resolved at once."""
    return _agent_action(agent, request_id, lambda session, dispute: disputes.accept_settlement(
        session, dispute_id=dispute["id"], actor=agent, refund_cents=_cents(body.refund)))


# ------------------------------------------------------------------------------------------ the operator

@router.get("/operator/disputes", openapi_extra=OPERATOR, responses=ERRORS, response_model=DisputeList)
def my_disputes(user: Operator) -> dict[str, Any]:
    """Disputes about my work, newest first."""
    with unit_of_work(read_only=True) as session:
        return {"data": [_shown(session, row) for row in queries.operator_disputes(session, operator_id=user.id)]}


def _operator_action(user: User, act: Callable[[Session, OperatorActor], Mapping[str, Any]]) -> dict[str, Any]:
    # The service checks that the dispute is about this operator's work (not found otherwise).
    with unit_of_work() as session:
        dispute = act(session, OperatorActor(user.id))
        return _shown(session, queries.for_operator(session, operator_id=user.id, dispute_id=dispute["id"]))


@router.get("/operator/disputes/{dispute_id}", openapi_extra=OPERATOR, responses=ERRORS, response_model=DisputePublic)
def my_dispute(dispute_id: DisputeId, user: Operator) -> dict[str, Any]:
    """One dispute about my work."""
    with unit_of_work(read_only=True) as session:
        return _shown(session, queries.for_operator(session, operator_id=user.id, dispute_id=dispute_id))


@router.post("/operator/disputes/{dispute_id}/statement", openapi_extra=OPERATOR, responses=ERRORS,
             response_model=DisputePublic)
def state_my_side(dispute_id: DisputeId, body: ReasonIn, user: Operator) -> dict[str, Any]:
    """My side of the story (≤ 1,000 characters), shown to jurors and staff."""
    return _operator_action(user, lambda session, actor: disputes.add_statement(
        session, dispute_id=dispute_id, actor=actor, statement=body.reason))


@router.post("/operator/disputes/{dispute_id}/appeal", openapi_extra=OPERATOR, responses=ERRORS,
             description=APPEAL_DESCRIPTION, response_model=DisputePublic)
def appeal_as_operator(dispute_id: DisputeId, body: ReasonIn, user: Operator) -> dict[str, Any]:
    """Appeal the current ruling; the next tier takes the dispute."""
    return _operator_action(user, lambda session, actor: disputes.appeal(
        session, dispute_id=dispute_id, actor=actor, reason=body.reason))


@router.post("/operator/disputes/{dispute_id}/settlement", openapi_extra=OPERATOR, responses=ERRORS,
             response_model=DisputePublic)
def offer_as_operator(dispute_id: DisputeId, body: OfferIn, user: Operator) -> dict[str, Any]:
    """Offer to settle for a refund to the company."""
    return _operator_action(user, lambda session, actor: disputes.propose_settlement(
        session, dispute_id=dispute_id, actor=actor, refund_cents=_cents(body.refund)))


@router.post("/operator/disputes/{dispute_id}/settlement/accept", openapi_extra=OPERATOR, responses=ERRORS,
             response_model=DisputePublic)
def accept_as_operator(dispute_id: DisputeId, body: OfferIn, user: Operator) -> dict[str, Any]:
    """Accept the company's standing offer (repeat its amount)."""
    return _operator_action(user, lambda session, actor: disputes.accept_settlement(
        session, dispute_id=dispute_id, actor=actor, refund_cents=_cents(body.refund)))


@router.get("/operator/jury", openapi_extra=OPERATOR, responses=ERRORS, response_model=JuryDuty)
def jury_duty(user: Operator) -> dict[str, Any]:
    """Disputes I sit on as a juror, with my vote (null until I vote)."""
    with unit_of_work(read_only=True) as session:
        rows = queries.jury_duty(session, juror_id=user.id)
        return {"data": [views.juror_case(session, row, juror_id=user.id) for row in rows]}


@router.post("/operator/jury/{dispute_id}/vote", openapi_extra=OPERATOR, responses=ERRORS, response_model=VoteCast)
def cast_vote(dispute_id: DisputeId, body: VoteIn, user: Operator) -> dict[str, Any]:
    """Vote once, independently; the third vote decides by majority."""
    with unit_of_work() as session:
        dispute = disputes.vote(session, dispute_id=dispute_id, juror_id=user.id, vote_for=body.vote,
                                comment=body.comment)
        return {"dispute_id": dispute["id"], "status": dispute["status"], "my_vote": body.vote}


# ------------------------------------------------------------------------------------------ staff

@router.get("/admin/disputes", openapi_extra=ADMIN, responses=ERRORS, response_model=DisputeList)
def staff_queue(staff: AdminUser, tier: Annotated[int | None, Query(ge=2, le=3)] = None) -> dict[str, Any]:
    """Disputes waiting for you: specialist (tier 2: your skills, and skills nobody on staff has) and
    board (tier 3), soonest deadline first."""
    tiers = [tier] if tier else [2, 3]
    with unit_of_work(read_only=True) as session:
        return {"data": [_shown(session, row) for level in tiers
                         for row in queries.staff_queue(session, tier=level, staff_id=staff.id)]}


@router.post("/admin/disputes/{dispute_id}/ruling", openapi_extra=ADMIN, responses=ERRORS,
             description=RULING_DESCRIPTION, response_model=DisputePublic)
def staff_ruling(dispute_id: DisputeId, body: RulingIn, staff: AdminUser) -> dict[str, Any]:
    """Rule as the specialist (appealable) or the board (final)."""
    with unit_of_work() as session:
        dispute = disputes.staff_rule(session, dispute_id=dispute_id, staff_id=staff.id, ruling=body.ruling,
                                      refund_cents=_cents(body.refund), reasoning=body.reasoning)
        return _shown(session, dispute)
