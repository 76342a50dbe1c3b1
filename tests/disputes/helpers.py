"""Shared tools for the dispute tests: disputes opened through the API with a known tier-0
ruling, the three balances every scenario checks, deadlines run by the sweep, and rows read back.

The clock is frozen at `T0` (a Monday) by `tests/disputes/conftest.py`; a request completed
by `completed_request` completes at that moment, so every deadline is exact.

Tier 0 is deterministic (`disputes/triage.py`); with the seed's brief and `GOOD_ANSWER`:
- `OVERRULED` (a complaint naming nothing the answer misses) on an unrated request → `for_operator`;
- `UPHELD` (names "compliance" and "review", which the answer never mentions) on a request rated
  1 or 2 → `for_company`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import RowMapping, func, select

from marketplace_app.companies.service import available_account
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.disputes import service as disputes
from marketplace_app.disputes.models import Dispute, DisputeJuror, DisputeStep
from marketplace_app.earnings import service as earnings
from marketplace_app.earnings.models import Earning
from marketplace_app.events.models import Event
from marketplace_app.ledger.models import LedgerTransfer
from tests.ledger.helpers import assert_ledger_balanced, balance
from tests.requests import helpers as rh
from tests.work import helpers as w

FUNDED = 100_000
PRICE = w.PRICE_CENTS  # 20.00 EUR
FEE = w.FEE_CENTS  # 3.60 EUR
REWARD = w.REWARD_CENTS  # 16.40 EUR
OVERRULED = "The answer ignores clause 4.2"
UPHELD = "No compliance review of the NDA was done"
HOUR = timedelta(hours=1)
APPEAL_WINDOW = timedelta(hours=48)
JURY_WINDOW = timedelta(hours=48)
SPECIALIST_WINDOW = timedelta(hours=72)
SHAPE = {"dispute_id", "request_id", "status", "resolution", "current_tier", "ai_ruling", "ai_ruling_reasoning",
         "jury_result", "ruling", "ruling_refund_amount", "refund_amount", "refund_amount_cents", "small_claims",
         "reason", "operator_statement", "opened_by", "settlement_offer", "deadline_at", "escalation_history",
         "history", "appeal_instructions", "created_at", "resolved_at"}


@dataclass(frozen=True, slots=True)
class Books:
    """The three balances a dispute moves: the company's available, the worker's pending, platform revenue."""

    company: int
    pending: int
    revenue: int


def books(agent: rh.Agent, worker: w.Operator) -> Books:
    return Books(company=balance(available_account(agent.company_id)), pending=w.pending_cents(worker.user_id),
                 revenue=w.revenue_cents())


def assert_books(agent: rh.Agent, worker: w.Operator, *, company: int, pending: int, revenue: int) -> None:
    """Exact balances, then the ledger's invariants (Σ = 0, nothing negative, escrow = pending holds)."""
    assert books(agent, worker) == Books(company, pending, revenue)
    assert_ledger_balanced()


def rate(api: TestClient, agent: rh.Agent, request_id: str, score: int) -> None:
    response = api.post(f"/v1/requests/{request_id}/rate", json={"score": score}, headers=agent.headers())
    assert response.status_code == 200, response.text


def open_dispute(api: TestClient, agent: rh.Agent, request_id: str, reason: str = OVERRULED) -> dict[str, Any]:
    """`POST /v1/requests/{id}/dispute` (must answer 201); the dispute as shown."""
    response = api.post(f"/v1/requests/{request_id}/dispute", json={"reason": reason}, headers=agent.headers())
    assert response.status_code == 201, response.text
    return response.json()


def disputed(api: TestClient, agent: rh.Agent, worker: w.Operator, *, upheld: bool = False,
             after: timedelta = HOUR, **request: Any) -> tuple[str, dict[str, Any]]:
    """A completed 20.00 EUR request disputed `after` its completion, tier 0 ruling `for_company`
    when `upheld` (rated 1, `UPHELD`), else `for_operator` (unrated, `OVERRULED`)."""
    request_id = w.completed_request(agent, worker, **request)
    if upheld:
        rate(api, agent, request_id, 1)
    clock.advance(after)
    shown = open_dispute(api, agent, request_id, UPHELD if upheld else OVERRULED)
    assert shown["status"] == "awaiting_appeal" and shown["current_tier"] == 0, shown
    assert shown["ai_ruling"] == ("for_company" if upheld else "for_operator"), shown
    return request_id, shown


def shown(api: TestClient, agent: rh.Agent, request_id: str) -> dict[str, Any]:
    response = api.get(f"/v1/requests/{request_id}/dispute", headers=agent.headers())
    assert response.status_code == 200, response.text
    return response.json()


def appeal_as_company(api: TestClient, agent: rh.Agent, request_id: str, reason: str = "Please look again"):
    return api.post(f"/v1/requests/{request_id}/dispute/appeal", json={"reason": reason}, headers=agent.headers())


def appeal_as_operator(api: TestClient, worker: w.Operator, dispute_id: str, reason: str = "My work was fine"):
    return api.post(f"/v1/operator/disputes/{dispute_id}/appeal", json={"reason": reason}, headers=worker.headers())


def vote(api: TestClient, juror: w.Operator, dispute_id: str, choice: str, comment: str | None = None):
    body: dict[str, Any] = {"vote": choice}
    if comment is not None:
        body["comment"] = comment
    return api.post(f"/v1/operator/jury/{dispute_id}/vote", json=body, headers=juror.headers())


def staff_rule(api: TestClient, staff: Mapping[str, str], dispute_id: str, ruling: str, refund: str | None = None,
               reasoning: str = "Read the brief, the answer and both statements"):
    body: dict[str, Any] = {"ruling": ruling, "reasoning": reasoning}
    if refund is not None:
        body["refund"] = refund
    return api.post(f"/v1/admin/disputes/{dispute_id}/ruling", json=body, headers=dict(staff))


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


def sweep() -> int:
    """One run of the dispute deadline job at the frozen time."""
    return w.in_unit(disputes.sweep_due)


def release_earnings() -> int:
    return w.in_unit(earnings.release_due)


def row(dispute_id: str) -> RowMapping:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(Dispute.__table__).where(Dispute.id == dispute_id)).mappings().one()


def step_kinds(dispute_id: str) -> list[str]:
    with unit_of_work(read_only=True) as session:
        return list(session.execute(select(DisputeStep.kind).where(DisputeStep.dispute_id == dispute_id)
                                    .order_by(DisputeStep.id)).scalars())


def seated(dispute_id: str) -> dict[str, str]:
    """Juror user id → seat status (`active` or `replaced`)."""
    with unit_of_work(read_only=True) as session:
        return dict(session.execute(select(DisputeJuror.juror_id, DisputeJuror.status)
                                    .where(DisputeJuror.dispute_id == dispute_id)).all())


def active_jurors(dispute_id: str, operators: list[w.Operator]) -> list[w.Operator]:
    """The operators of `operators` holding an active seat, in the given order."""
    seats = seated(dispute_id)
    return [operator for operator in operators if seats.get(operator.user_id) == "active"]


def dispute_transfers(request_id: str) -> dict[str, int]:
    """Ledger transfers about the request, counted by kind."""
    with unit_of_work(read_only=True) as session:
        return dict(session.execute(select(LedgerTransfer.kind, func.count()).where(
            LedgerTransfer.reference_id == request_id).group_by(LedgerTransfer.kind)).all())


def earning(request_id: str) -> Earning | None:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(Earning).where(Earning.request_id == request_id)).scalar_one_or_none()


def events(request_id: str) -> list[str]:
    """Every event about the request, oldest first."""
    with unit_of_work(read_only=True) as session:
        return list(session.execute(select(Event.type).where(Event.request_id == request_id)
                                    .order_by(Event.seq)).scalars())


def dispute_events(request_id: str) -> list[str]:
    return [kind for kind in events(request_id) if kind.startswith("dispute.")]
