"""Concurrency: however many callers try to resolve, appeal, open or vote on one dispute at the same
moment, it changes once and its money moves once.

Service-level races give every contender its own engine (its own connection), so on SQLite the
database serialises the writers and on PostgreSQL they really overlap; the API race also runs
across OS processes on SQLite (one connection per process; `-m slow`). After each race: exactly one
`resolved` step, exactly one refund transfer (or hold settlement) about the request, the exact
balances of the winning outcome, and a healthy ledger."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import InvalidState
from marketplace_app.disputes import service as disputes
from marketplace_app.disputes.models import DisputeStep
from marketplace_app.disputes.parties import OperatorActor
from marketplace_app.events.models import Event
from tests.conftest import ON_POSTGRES
from tests.disputes import helpers as d
from tests.ledger.helpers import race
from tests.requests import helpers as rh
from tests.work import helpers as w

CONTENDERS = 50
SPLIT = {"company": d.FUNDED - d.PRICE + 800, "pending": d.REWARD - 656, "revenue": d.FEE - 144}
PAID = {"company": d.FUNDED - d.PRICE, "pending": d.REWARD, "revenue": d.FEE}
REFUNDED = {"company": d.FUNDED, "pending": 0, "revenue": 0}


def steps(dispute_id: str, kind: str) -> int:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(func.count()).select_from(DisputeStep).where(
            DisputeStep.dispute_id == dispute_id, DisputeStep.kind == kind)).scalar_one()


def events_of(request_id: str) -> Counter[str]:
    with unit_of_work(read_only=True) as session:
        return Counter(session.execute(select(Event.type).where(Event.request_id == request_id)).scalars())


def assert_resolved_once(request_id: str, dispute_id: str) -> None:
    assert steps(dispute_id, "resolved") == 1
    assert events_of(request_id)["dispute.resolved"] == 1
    assert d.row(dispute_id)["status"] == "resolved"


def kinds(result) -> Counter[str]:
    return Counter("ok" if not isinstance(o, BaseException) else type(o).__name__ for o in result.outcomes)


# ------------------------------------------------------------------------------------------ settlement accepts

def _offered(api, agent, worker) -> tuple[str, str]:
    request_id, body = d.disputed(api, agent, worker)
    d.ok(api.post(f"/v1/requests/{request_id}/dispute/settlement", json={"refund": "8.00EUR"},
                  headers=agent.headers()))
    return request_id, body["dispute_id"]


def _accept_calls(worker: w.Operator, dispute_id: str) -> list[tuple[str, str, dict, dict]]:
    return [("POST", f"/v1/operator/disputes/{dispute_id}/settlement/accept", worker.headers(),
             {"refund": "8.00EUR"})] * CONTENDERS


def _assert_settled_once(agent, worker, request_id: str, dispute_id: str, result: rh.Burst) -> None:
    assert result.codes() == {(200, None): 1, (409, "invalid_state"): CONTENDERS - 1}, result.codes()
    assert_resolved_once(request_id, dispute_id)
    assert steps(dispute_id, "settled") == 1
    assert d.dispute_transfers(request_id) == {"escrow_hold": 1, "escrow_post": 1, "dispute_refund": 1}
    d.assert_books(agent, worker, **SPLIT)
    assert d.earning(request_id).amount_cents == d.REWARD - 656


def test_50_concurrent_accepts_of_one_offer_settle_once(api, agent, worker):
    # given a standing offer of 8.00 EUR from the company
    request_id, dispute_id = _offered(api, agent, worker)

    # when the operator's accept arrives 50 times at once (threads, one client each)
    result = rh.burst(_accept_calls(worker, dispute_id))

    # then one settles it; money moves once
    _assert_settled_once(agent, worker, request_id, dispute_id, result)
    print(f"50 accepts (threads): {result.seconds:.2f}s")


@pytest.mark.slow
@pytest.mark.skipif(ON_POSTGRES, reason="threads already race on separate PostgreSQL connections")
def test_50_accepts_from_four_processes_settle_once(api, database):
    # the spawned processes run on the real clock: build everything at the real time
    clock.freeze(datetime.now(UTC))
    agent, worker = w.make_agent(), w.make_operator()
    request_id, dispute_id = _offered(api, agent, worker)

    result = rh.burst_from_processes(database, _accept_calls(worker, dispute_id), processes=4)

    _assert_settled_once(agent, worker, request_id, dispute_id, result)
    print(f"50 accepts (4 processes): {result.seconds:.2f}s")


# ------------------------------------------------------------------------------------------ board rulings

def test_50_board_rulings_at_once_resolve_once(api, agent, worker, database):
    # given a dispute before the board (specialist split 8.00, appealed by the operator)
    request_id, body = d.disputed(api, agent, worker)
    dispute_id = body["dispute_id"]
    d.ok(d.appeal_as_company(api, agent, request_id))
    staff = w.staff_headers()
    d.ok(d.staff_rule(api, staff, dispute_id, "split", "8.00EUR"))
    d.ok(d.appeal_as_operator(api, worker, dispute_id))
    assert d.row(dispute_id)["status"] == "board_review"
    choices = [("for_company", None), ("for_operator", None), ("split", 800)]

    # when 50 board members rule at once, in three different ways
    def rule(session, index):
        ruling, refund = choices[index % 3]
        return disputes.staff_rule(session, dispute_id=dispute_id, staff_id=f"usr_board{index}", ruling=ruling,
                                   refund_cents=refund, reasoning=f"board member {index}")["resolution"]

    result = race(database, contenders=CONTENDERS, action=rule)

    # then all three rulings were in flight together, exactly one ruled, and the money follows it alone
    assert {index % 3 for index in result.together} == {0, 1, 2}, result.together
    assert kinds(result) == {"ok": 1, "StateConflict": CONTENDERS - 1}, result.outcomes
    (resolution,) = [o for o in result.outcomes if isinstance(o, str)]
    assert_resolved_once(request_id, dispute_id)
    assert steps(dispute_id, "ruling") == 3  # tier 0, the specialist, the board
    expected = {"full_refund": REFUNDED, "dismissed": PAID, "split": SPLIT}[resolution]
    d.assert_books(agent, worker, **expected)
    assert d.dispute_transfers(request_id).get("dispute_refund", 0) == (0 if resolution == "dismissed" else 1)


# ------------------------------------------------------------------------------------------ sweep vs accept

def test_the_deadline_sweep_racing_settlement_accepts_resolves_once(api, agent, worker, database):
    # given a tier 0 ruling for the operator whose appeal window closes now, and an operator's
    # standing offer of 8.00 EUR that the company accepts at the same moment
    request_id, body = d.disputed(api, agent, worker)
    dispute_id = body["dispute_id"]
    d.ok(api.post(f"/v1/operator/disputes/{dispute_id}/settlement", json={"refund": "8.00EUR"},
                  headers=worker.headers()))
    clock.advance(d.APPEAL_WINDOW)
    context = agent.context()

    # when 25 sweeps and 25 accepts run at once (both are entitled to win)
    def act(session, index):
        if index % 2:
            return ("sweep", disputes.sweep_due(session))
        return ("accept", disputes.accept_settlement(session, dispute_id=dispute_id, actor=context,
                                                     refund_cents=800)["resolution"])

    result = race(database, contenders=CONTENDERS, action=act)

    # then one of them resolved it: either the ruling became final or the settlement holds
    assert set(kinds(result)) <= {"ok", "StateConflict"}, result.outcomes
    accepted = [o for o in result.outcomes if isinstance(o, tuple) and o[0] == "accept"]
    assert len(accepted) <= 1
    assert_resolved_once(request_id, dispute_id)
    resolution = d.row(dispute_id)["resolution"]
    if accepted:
        assert resolution == "split"
        d.assert_books(agent, worker, **SPLIT)
    else:
        assert resolution == "dismissed"
        d.assert_books(agent, worker, **PAID)
    assert d.dispute_transfers(request_id).get("dispute_refund", 0) == (1 if accepted else 0)


def test_the_sweep_racing_itself_finalizes_a_held_dispute_once(api, agent, worker, database):
    # given a failed verification (escrow held) whose tier 0 full refund becomes final now
    request_id = w.create(agent)["id"]
    w.accept(worker, request_id)
    w.submit(worker, request_id, answer=w.BAD)
    dispute_id = d.shown(api, agent, request_id)["dispute_id"]
    clock.advance(d.APPEAL_WINDOW)

    # when 20 scheduler instances sweep at once
    result = race(database, contenders=20, action=lambda session, _index: disputes.sweep_due(session))

    # then the hold is voided once
    assert kinds(result) == {"ok": 20}, result.outcomes
    assert_resolved_once(request_id, dispute_id)
    assert d.dispute_transfers(request_id) == {"escrow_hold": 1, "escrow_void": 1}
    d.assert_books(agent, worker, **REFUNDED)


# ------------------------------------------------------------------------------------------ appeals, opens, votes

def test_50_appeals_at_once_escalate_once(api, agent, worker, database):
    # given a tier 0 ruling and three possible jurors
    w.make_operators(count=3)
    request_id, body = d.disputed(api, agent, worker)
    dispute_id = body["dispute_id"]
    context = agent.context()

    # when both parties appeal, 25 times each, at once
    def act(session, index):
        actor = context if index % 2 else OperatorActor(worker.user_id)
        return disputes.appeal(session, dispute_id=dispute_id, actor=actor, reason=f"appeal {index}")["status"]

    result = race(database, contenders=CONTENDERS, action=act)

    # then both parties' appeals were in flight together, and one escalation to a jury of three happened
    assert {index % 2 for index in result.together} == {0, 1}, result.together
    assert kinds(result) == {"ok": 1, "StateConflict": CONTENDERS - 1}, result.outcomes
    assert steps(dispute_id, "escalation") == 1
    assert events_of(request_id)["dispute.appealed"] == 1
    assert len(d.seated(dispute_id)) == 3
    assert d.row(dispute_id)["status"] == "jury_review"
    d.assert_books(agent, worker, **PAID)


def test_50_concurrent_opens_of_one_request_open_one_dispute(agent, worker, database):
    # given a completed request
    request_id = w.completed_request(agent, worker)
    context = agent.context()

    # when the company's dispute arrives 50 times at once
    def act(session, index):
        return disputes.open_by_company(session, ctx=context, request_id=request_id, reason=f"try {index}")["id"]

    result = race(database, contenders=CONTENDERS, action=act)

    # then one dispute, one opening, the reward frozen once
    outcomes = kinds(result)
    assert outcomes["ok"] == 1 and outcomes["StateConflict"] == CONTENDERS - 1, result.outcomes
    assert events_of(request_id)["dispute.opened"] == 1
    assert events_of(request_id)["request.disputed"] == 1
    assert d.earning(request_id).frozen is True
    d.assert_books(agent, worker, **PAID)


@pytest.mark.parametrize("disputes_count", [6, pytest.param(25, marks=pytest.mark.slow)])
def test_the_last_votes_of_several_juries_arriving_together_rule_each_jury_once(api, agent, worker, database,
                                                                                disputes_count):
    # given several disputes before the same three jurors
    jurors = w.make_operators(count=3)
    ids = []
    for _ in range(disputes_count):
        request_id, body = d.disputed(api, agent, worker)
        d.ok(d.appeal_as_company(api, agent, request_id))
        ids.append((request_id, body["dispute_id"]))

    # when every juror votes on every dispute at the same moment
    def act(session, index):
        _request_id, dispute_id = ids[index // 3]
        choice = "for_company" if index % 3 else "for_operator"
        return disputes.vote(session, dispute_id=dispute_id, juror_id=jurors[index % 3].user_id,
                             vote_for=choice)["status"]

    result = race(database, contenders=3 * disputes_count, action=act)

    # then every vote counted and every jury ruled exactly once (2:1 for the company)
    assert kinds(result) == {"ok": 3 * disputes_count}, result.outcomes
    for request_id, dispute_id in ids:
        row = d.row(dispute_id)
        assert (row["status"], row["jury_result"], row["current_tier"]) == ("awaiting_appeal", "for_company", 1)
        assert steps(dispute_id, "ruling") == 2
        assert events_of(request_id)["dispute.ruling"] == 2


def test_a_vote_racing_the_jury_deadline_sweep_ends_one_way(api, agent, worker, database):
    # given a jury with two votes in, the third juror voting just as the 48 h window is swept
    pool = w.make_operators(count=6)
    request_id, body = d.disputed(api, agent, worker)
    dispute_id = body["dispute_id"]
    d.ok(d.appeal_as_company(api, agent, request_id))
    jurors = d.active_jurors(dispute_id, pool)
    for juror in jurors[:2]:
        d.ok(d.vote(api, juror, dispute_id, "for_company"))
    clock.advance(d.JURY_WINDOW)

    # when the late vote and ten sweeps run at once
    def act(session, index):
        if index:
            return disputes.sweep_due(session)
        return disputes.vote(session, dispute_id=dispute_id, juror_id=jurors[2].user_id,
                             vote_for="for_company")["status"]

    result = race(database, contenders=11, action=act)

    # then the vote and sweeps were in flight together, and either the vote completed the jury (a ruling)
    # or the juror was replaced first (404)
    assert 0 in result.together and len(result.together) >= 2, result.together
    row = d.row(dispute_id)
    seats = d.seated(dispute_id)
    if result.outcomes[0] == "awaiting_appeal":
        assert (row["status"], row["jury_result"]) == ("awaiting_appeal", "for_company")
        assert seats[jurors[2].user_id] == "active" and set(seats.values()) == {"active"}
        assert steps(dispute_id, "jurors_replaced") == 0
    else:
        assert type(result.outcomes[0]).__name__ in ("NotFound", "InvalidState"), result.outcomes[0]
        assert (row["status"], row["jury_result"], row["jury_replaced"]) == ("jury_review", None, True)
        assert seats[jurors[2].user_id] == "replaced"
        assert steps(dispute_id, "jurors_replaced") == 1
    assert not [o for o in result.outcomes[1:] if isinstance(o, BaseException) and not isinstance(o, InvalidState)]
    d.assert_books(agent, worker, **PAID)
