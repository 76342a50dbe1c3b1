"""The request lifecycle as users drive it (RELIABILITY 9 and 10, lifecycle so far).

RELIABILITY 10: every (state × action) cell is exercised through the real front doors — the
agent API (create, cancel, approve, reject, rate), the operator API (accept, submit) and the
scheduled sweeps (expiry, work window, auto-approval, settlement). A forbidden cell answers
`invalid_state` (or the documented 404 `not_found` / 410 `expired`) and writes no ledger row,
no event, no timeline line; terminal states (expired, cancelled, disputed) absorb everything.
`submitted` only exists inside the submit transaction, so it is set through the state writer.

RELIABILITY 9: a Hypothesis `RuleBasedStateMachine` creates, cancels, accepts, submits good,
mediocre and bad work, approves, rejects, rates, moves the clock and runs the sweeps, against a
model that predicts every outcome; the ledger invariants are `@invariant`s. CI runs 50 examples
× 30 steps (derandomized); only `make test-nightly` runs 500 × 50, the size RELIABILITY 9 asks of
CI (about 17 times the steps: several minutes per lane, beyond CI's budget). Examples share one
database, company and pair of operators, so every money invariant is checked as a change since
the example began.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from marketplace_app.companies import service as companies
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Expired, HandoffError, InsufficientCredits, InvalidState, NotFound
from marketplace_app.earnings import accounts
from marketplace_app.earnings import service as earnings
from marketplace_app.earnings.models import Earning
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.health import ledger_health
from marketplace_app.ledger.models import LedgerTransfer
from marketplace_app.requests import expiry
from marketplace_app.requests import service as requests
from marketplace_app.requests import status as machine
from marketplace_app.requests.models import URGENCY_SECONDS, RequestStatus
from marketplace_app.requests.schemas import RequestCreate
from marketplace_app.work import review, timers
from marketplace_app.work import service as work
from tests import factories
from tests.ledger.helpers import assert_ledger_balanced
from tests.requests import helpers as rh
from tests.work import helpers as w

S = RequestStatus
ACTIONS = ("create", "cancel", "accept", "submit", "approve", "reject", "rate", "expire_sweep",
           "work_window_sweep", "auto_approve_sweep", "settlement_sweep")
SWEEPS = {"expire_sweep": expiry.expire_unmatched, "work_window_sweep": timers.enforce_work_window,
          "auto_approve_sweep": review.auto_approve_due, "settlement_sweep": earnings.release_due}
INVALID_400 = (400, "invalid_state")
INVALID_409 = (409, "invalid_state")
NOT_FOUND = (404, "not_found")
EXPIRED = (410, "expired")
UNTOUCHED = 0  # a sweep that leaves the request alone moves nothing
# Every forbidden cell and what it answers. A cell missing here is allowed (see ALLOWED).
FORBIDDEN: dict[S, dict[str, Any]] = {
    S.matching: {"submit": NOT_FOUND, "approve": INVALID_400, "reject": INVALID_400, "rate": INVALID_400,
                 "work_window_sweep": UNTOUCHED, "auto_approve_sweep": UNTOUCHED, "settlement_sweep": UNTOUCHED},
    # In progress past the two-minute cancel grace:
    S.in_progress: {"cancel": INVALID_400, "accept": INVALID_409, "approve": INVALID_400, "reject": INVALID_400,
                    "rate": INVALID_400, "expire_sweep": UNTOUCHED, "auto_approve_sweep": UNTOUCHED,
                    "settlement_sweep": UNTOUCHED},
    S.submitted: {"cancel": INVALID_400, "accept": INVALID_409, "submit": INVALID_400, "approve": INVALID_400,
                  "reject": INVALID_400, "rate": INVALID_400, **dict.fromkeys(SWEEPS, UNTOUCHED)},
    S.needs_review: {"cancel": INVALID_400, "accept": INVALID_409, "submit": INVALID_400, "rate": INVALID_400,
                     "expire_sweep": UNTOUCHED, "work_window_sweep": UNTOUCHED, "settlement_sweep": UNTOUCHED},
    S.completed: {"cancel": INVALID_400, "accept": INVALID_409, "submit": INVALID_400, "approve": INVALID_400,
                  "reject": INVALID_400, "expire_sweep": UNTOUCHED, "work_window_sweep": UNTOUCHED,
                  "auto_approve_sweep": UNTOUCHED},
    S.disputed: {"cancel": INVALID_400, "accept": INVALID_409, "submit": INVALID_400, "approve": INVALID_400,
                 "reject": INVALID_400, "rate": INVALID_400, **dict.fromkeys(SWEEPS, UNTOUCHED)},
    S.expired: {"cancel": INVALID_400, "accept": EXPIRED, "submit": NOT_FOUND, "approve": INVALID_400,
                "reject": INVALID_400, "rate": INVALID_400, **dict.fromkeys(SWEEPS, UNTOUCHED)},
    S.cancelled: {"cancel": INVALID_400, "accept": INVALID_409, "submit": NOT_FOUND, "approve": INVALID_400,
                  "reject": INVALID_400, "rate": INVALID_400, **dict.fromkeys(SWEEPS, UNTOUCHED)},
}
# Allowed cells: (state, action) → the status it ends in and the resolution transfer it writes.
ALLOWED: dict[tuple[S, str], tuple[S, str | None]] = {
    (S.matching, "cancel"): (S.cancelled, "escrow_void"),
    (S.matching, "accept"): (S.in_progress, None),
    (S.matching, "expire_sweep"): (S.expired, "escrow_void"),
    (S.in_progress, "cancel"): (S.cancelled, "escrow_void"),  # within two minutes of acceptance
    (S.in_progress, "submit"): (S.completed, "escrow_post"),
    (S.in_progress, "work_window_sweep"): (S.matching, None),
    (S.needs_review, "approve"): (S.completed, "escrow_post"),
    (S.needs_review, "reject"): (S.disputed, None),
    (S.needs_review, "auto_approve_sweep"): (S.completed, "escrow_post"),
    (S.completed, "rate"): (S.completed, None),
    (S.completed, "settlement_sweep"): (S.completed, "settlement_release"),
}
LATER = timedelta(days=30)  # sweeps run this far ahead, where every timer of the request is due


@dataclass
class Cast:
    """The agent, the assigned operator and a second operator of one test."""

    agent: rh.Agent
    owner: w.Operator
    other: w.Operator
    staff: dict[str, str]


def _cast() -> Cast:
    owner, other = w.make_operators(count=2)
    return Cast(agent=w.make_agent(), owner=owner, other=other, staff=w.staff_headers())


def _request_in(cast: Cast, state: S, *, in_cancel_grace: bool = False) -> str:
    """A request brought into `state` through the real flow, at `clock.now()`."""
    if state == S.expired:
        request_id = w.create(cast.agent, urgency="1min")["id"]
        clock.advance(timedelta(seconds=90))
        assert w.in_unit(expiry.expire_unmatched) == 1
        return request_id
    request_id = w.create(cast.agent)["id"]
    if state == S.cancelled:
        rh.client().post(f"/v1/requests/{request_id}/cancel", headers=cast.agent.headers())
    elif state != S.matching:
        w.accept(cast.owner, request_id)
        if state == S.submitted:
            w.in_unit(lambda session: machine.transition(
                session, request_id=request_id, to=S.submitted, sources=[S.in_progress],
                actor=machine.Actor("operator", cast.owner.user_id)))
        elif state != S.in_progress:
            answer = {S.completed: w.GOOD, S.needs_review: w.MEDIOCRE, S.disputed: w.BAD}[state]
            w.submit(cast.owner, request_id, answer=answer)
        elif not in_cancel_grace:
            clock.advance(timedelta(minutes=5))
    assert rh.request_row(request_id)["status"] == state
    return request_id


def _act(cast: Cast, action: str, request_id: str) -> Any:
    """Do `action` to `request_id` as its user would; return the response or the sweep's count."""
    if action in SWEEPS:
        clock.advance(LATER)
        return w.in_unit(SWEEPS[action])
    api = rh.client()
    agent_calls = {"cancel": None, "approve": None, "reject": {"reason": "Not what we asked"},
                   "rate": {"score": 5}}
    if action in agent_calls:
        return api.post(f"/v1/requests/{request_id}/{action}", headers=cast.agent.headers(),
                        json=agent_calls[action])
    if action == "accept":
        return api.post(f"/v1/operator/requests/{request_id}/accept", headers=cast.other.headers())
    if action == "submit":
        return api.post(f"/v1/operator/requests/{request_id}/submit", headers=cast.owner.headers(),
                        json={"answer": w.GOOD_ANSWER, "confidence": "high"})
    return api.post("/v1/requests", headers=cast.agent.headers(), json=rh.request_body(max_price=w.PRICE))


def _resolutions(request_id: str) -> Counter[str]:
    with unit_of_work(read_only=True) as session:
        return Counter(session.execute(select(LedgerTransfer.kind).where(
            LedgerTransfer.reference_id == request_id)).scalars())


def test_the_matrix_covers_every_state_and_action_and_agrees_with_the_transition_table():
    assert set(FORBIDDEN) == set(S)
    for state in S:
        allowed = {action for (source, action) in ALLOWED if source == state}
        assert allowed | set(FORBIDDEN[state]) == set(ACTIONS) - {"create"}, state
        # In progress, cancel is allowed within two minutes of acceptance and refused after.
        assert allowed & set(FORBIDDEN[state]) == ({"cancel"} if state == S.in_progress else set()), state
    for (state, _action), (target, _kind) in ALLOWED.items():
        assert target == state or machine.can_move(state, target), (state, target)
    assert all(not (set(ACTIONS) - {"create"}) - set(FORBIDDEN[state]) for state in machine.TERMINAL)


@pytest.mark.parametrize("state", list(S), ids=str)
def test_every_forbidden_cell_is_refused_and_writes_nothing(state):
    # given a request brought into `state` the way users do it
    clock.freeze(w.T0)
    cast = _cast()
    request_id = _request_in(cast, state)
    timeline = _timeline_statuses(request_id)
    wrong: list[str] = []

    # when every forbidden action is tried on it (API calls first, then the sweeps, later)
    for action in sorted(FORBIDDEN[state], key=lambda name: (name in SWEEPS, ACTIONS.index(name))):
        expected = FORBIDDEN[state][action]
        before = w.snapshot()
        outcome = _act(cast, action, request_id)

        # then each answers as documented, and nothing at all was written
        if action in SWEEPS:
            answered = outcome
        else:
            body = outcome.json()
            answered = (outcome.status_code, body.get("error", {}).get("code")) if "error" in body else \
                (outcome.status_code, None)
        if answered != expected:
            wrong.append(f"{state} × {action}: expected {expected}, got {answered}")
        try:
            w.assert_nothing_changed(before)
        except AssertionError as exc:
            wrong.append(f"{state} × {action}: wrote rows ({exc})")
        if rh.request_row(request_id)["status"] != state:
            wrong.append(f"{state} × {action}: moved to {rh.request_row(request_id)['status']}")
    assert not wrong, "\n".join(wrong)

    # and creating another request leaves this one as it was
    assert _act(cast, "create", request_id).status_code == 201
    assert rh.request_row(request_id)["status"] == state
    assert _timeline_statuses(request_id) == timeline
    assert_ledger_balanced()


def _timeline_statuses(request_id: str) -> list[str]:
    with unit_of_work(read_only=True) as session:
        return [line["to_status"] for line in requests.timeline(session, request_id)]


@pytest.mark.parametrize(("state", "action"), list(ALLOWED), ids=lambda value: str(value))
def test_every_allowed_cell_moves_once_with_its_money(state, action):
    # given
    clock.freeze(w.T0)
    cast = _cast()
    request_id = _request_in(cast, state, in_cancel_grace=True)
    target, resolution = ALLOWED[(state, action)]
    resolutions_before = _resolutions(request_id)

    # when
    outcome = _act(cast, action, request_id)

    # then it succeeded, ended in the expected status, and moved money exactly as documented
    if action in SWEEPS:
        assert outcome == 1, (state, action)
    else:
        assert outcome.status_code == 200, (state, action, outcome.text)
    assert rh.request_row(request_id)["status"] == target
    written = _resolutions(request_id) - resolutions_before
    assert written == (Counter({resolution: 1}) if resolution else Counter()), written
    if target != state:
        assert _timeline_statuses(request_id)[-1] == target
        assert rh.event_types(request_id)[-1] == f"request.{target}"
    assert_ledger_balanced()


def test_terminal_states_absorb_a_second_round_of_everything():
    # given one request in each terminal state, after a first round of every action
    clock.freeze(w.T0)
    cast = _cast()
    ids = {state: _request_in(cast, state) for state in machine.TERMINAL}
    for action in ACTIONS[1:]:
        for request_id in ids.values():
            _act(cast, action, request_id)
    before = w.snapshot()

    # when everything is tried again
    for action in ACTIONS[1:]:
        for request_id in ids.values():
            _act(cast, action, request_id)

    # then they are where they were and nothing was written
    assert rh.statuses(list(ids.values())) == {request_id: state for state, request_id in ids.items()}
    assert w.snapshot().journal == before.journal and w.snapshot().timeline == before.timeline


OPEN = frozenset({S.matching, S.in_progress, S.needs_review, S.disputed})  # escrow still held
REFUNDED = frozenset({S.cancelled, S.expired})
ANSWERS = {"good": w.GOOD, "mediocre": w.MEDIOCRE, "bad": w.BAD}  # good first: shrinking prefers it
BANDS = {"good": S.completed, "mediocre": S.needs_review, "bad": S.disputed}
STEPS = [timedelta(seconds=30), timedelta(seconds=90), timedelta(minutes=6), timedelta(minutes=25),
         timedelta(hours=3), timedelta(hours=49), timedelta(days=8)]
START_AVAILABLE_CENTS = 40_000
# How often each action comes up in `Lifecycle.act`.
WEIGHTED_ACTIONS = (["create_request"] * 3 + ["accept"] * 4 + ["submit"] * 3 + ["review_result"] * 2
                    + ["rate", "cancel"] + ["time_passes"] * 4)
NEW_REQUEST = st.tuples(st.sampled_from([1_000, 2_000, 4_500, 9_000]), st.sampled_from(["1min", "5min", "30min"]),
                        st.sampled_from(["5min", "15min"]))


@dataclass
class Tracked:
    """What the model expects of one request."""

    id: str
    price_cents: int
    fee_cents: int
    urgency_seconds: int
    duration_seconds: int
    match_deadline: datetime
    status: S = S.matching
    operator: str | None = None
    accepted_at: datetime | None = None
    work_deadline: datetime | None = None
    review_deadline: datetime | None = None
    requeues: int = 0
    available_on: datetime | None = None
    released: bool = False
    rated: bool = False

    @property
    def reward_cents(self) -> int:
        return self.price_cents - self.fee_cents


@dataclass
class World:
    """What examples share: one company with a key and two verified operators."""

    agent: rh.Agent
    operators: list[w.Operator]
    floor: datetime


def _balances(world: World) -> dict[str, int]:
    """The committed balances the model predicts, read in one session."""
    refs = {"available": companies.available_account(world.agent.company_id),
            "escrow": companies.escrow_account(world.agent.company_id), "revenue": accounts.PLATFORM_REVENUE}
    for operator in world.operators:
        refs[f"pending:{operator.user_id}"] = accounts.operator_pending(operator.user_id)
        refs[f"released:{operator.user_id}"] = accounts.operator_available(operator.user_id)
    with unit_of_work(read_only=True) as session:
        return {name: ledger.balance_cents(session, ref) for name, ref in refs.items()}


def _set_available(agent: rh.Agent, *, cents: int) -> None:
    """Top the company's available credit up or down to `cents` against the test faucet, so every
    example starts from the same balance (and Hypothesis can replay it)."""
    difference = cents - rh.available_cents(agent)
    if not difference:
        return

    def move(session) -> None:
        faucet = ledger.account_id(session, factories.FAUCET)
        available = ledger.account_id(session, companies.available_account(agent.company_id))
        source, target = (faucet, available) if difference > 0 else (available, faucet)
        ledger.transfer(session, idempotency_key=f"test-reset:{agent.company_id}:{clock.now().isoformat()}",
                        kind="deposit", reason="Test balance reset", legs=[ledger.Leg(source, target,
                                                                                       abs(difference))])
    w.in_unit(move)


class Lifecycle(RuleBasedStateMachine):
    """Users and timers drive requests; the model says what must happen; invariants check money."""

    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        self.model: dict[str, Tracked] = {}
        self.rotations = 0

    @initialize(opening=st.lists(NEW_REQUEST, min_size=1, max_size=3))
    def start(self, opening: list[tuple[int, str, str]]) -> None:
        """A fresh example: a later clock, the same balance, and a few requests to work on."""
        clock.freeze(self.world.floor + timedelta(days=1))
        _set_available(self.world.agent, cents=START_AVAILABLE_CENTS)
        self.context = self.world.agent.context()
        self.start_balances = _balances(self.world)
        self.available_cents = self.start_balances["available"]
        for price_cents, urgency, duration in opening:
            self.create(price_cents, urgency, duration)

    def teardown(self) -> None:
        # Close everything this example left open, far in the future, so the next one starts clean.
        # Rounds a month apart: work sent back to matching needs its new match window to pass.
        for _round in range(3):
            clock.advance(timedelta(days=30))
            for sweep in SWEEPS.values():
                self._drain(sweep)
        self.world.floor = clock.now()

    def _expect(self, expected: type[Exception] | None, action: Callable[[Any], Any]) -> Any:
        """Run `action` in a unit of work; it must raise `expected` (a HandoffError) or succeed."""
        try:
            result = w.in_unit(action)
        except HandoffError as exc:
            assert expected is not None and isinstance(exc, expected), f"unexpected {exc!r}"
            return None
        assert expected is None, f"expected {expected.__name__}, but it succeeded"
        return result

    def _pick(self, data: st.DataObject, *statuses: S) -> Tracked:
        """Mostly a request in one of `statuses` (so lifecycles progress), sometimes any request
        (so refusals are exercised too). Creation order keeps the draw replayable."""
        fitting = [t.id for t in self.model.values() if t.status in statuses]
        if fitting and data.draw(st.integers(0, 4), label="fitting") > 0:
            return self.model[data.draw(st.sampled_from(fitting), label="request")]
        return self.model[data.draw(st.sampled_from(list(self.model)), label="request")]

    @rule(action=st.sampled_from(WEIGHTED_ACTIONS), data=st.data())
    def act(self, action: str, data: st.DataObject) -> None:
        """One user or scheduler action. A single weighted rule rather than one rule per action:
        Hypothesis' swarm testing would otherwise switch whole actions off for many examples,
        and at CI size most lifecycles would never reach review, settlement or the work window."""
        if action != "create_request" and not self.model:
            action = "create_request"
        getattr(self, action)(data)

    def create_request(self, data: st.DataObject) -> None:
        self.create(*data.draw(NEW_REQUEST, label="new request"))

    def create(self, price_cents: int, urgency: str, duration: str) -> None:
        """An agent creates a request; it is refused when the company's credit does not cover it."""
        fits = price_cents <= self.available_cents
        body = RequestCreate(**rh.request_body(max_price=f"{price_cents // 100}.{price_cents % 100:02d}EUR",
                                               urgency=urgency, duration=duration))
        row = self._expect(None if fits else InsufficientCredits,
                           lambda session: requests.create_request(session, ctx=self.context, body=body))
        if row is None:
            return
        self.available_cents -= price_cents
        tracked = Tracked(id=row["id"], price_cents=price_cents, fee_cents=row["fee_cents"],
                          urgency_seconds=URGENCY_SECONDS[urgency], duration_seconds=row["duration_seconds"],
                          match_deadline=row["match_deadline_at"])
        self.model[tracked.id] = tracked

    def cancel(self, data: st.DataObject) -> None:
        # Any request, not mostly cancellable ones: cancelling would otherwise end most lifecycles early.
        tracked, moment = self._pick(data), clock.now()
        request_id = tracked.id
        allowed = (tracked.status == S.matching and tracked.match_deadline > moment) or (
            tracked.status == S.in_progress and tracked.accepted_at > moment - requests.CANCEL_GRACE)
        self._expect(None if allowed else InvalidState,
                     lambda session: requests.cancel_request(session, ctx=self.context, request_id=request_id))
        if allowed:
            self._refund(tracked, S.cancelled)

    def accept(self, data: st.DataObject) -> None:
        """An operator takes a request and, half of the time, hands in work at once."""
        which = data.draw(st.integers(0, 1), label="operator")
        tracked, moment, operator = self._pick(data, S.matching), clock.now(), self.world.operators[which]
        request_id = tracked.id
        if tracked.status == S.matching and tracked.match_deadline > moment:
            expected = None
        elif tracked.status in (S.matching, S.expired):
            expected = Expired
        else:
            expected = InvalidState
        self._expect(expected, lambda session: work.accept(session, operator_id=operator.user_id,
                                                            request_id=request_id))
        if expected is None:
            tracked.status, tracked.operator, tracked.accepted_at = S.in_progress, operator.user_id, moment
            tracked.work_deadline = moment + timedelta(seconds=tracked.duration_seconds * 150 // 100)
            if data.draw(st.booleans(), label="then submit"):
                self._submit(tracked, self._rotate(list(ANSWERS), data.draw(st.integers(0, 2), label="answer")))

    def _rotate(self, options: list[Any], drawn: int) -> Any:
        """`options[drawn]`, rotated by how many rotations this example made so far.

        Hypothesis likes to repeat a choice within an example; rotating keeps every answer band
        and every clock step in play while the drawn value still shrinks.
        """
        self.rotations += 1
        return options[(drawn + self.rotations) % len(options)]

    def submit(self, data: st.DataObject) -> None:
        """The assigned operator (or, with nobody assigned, the first one) hands in work."""
        drawn = data.draw(st.integers(0, len(ANSWERS) - 1), label="answer")
        self._submit(self._pick(data, S.in_progress), self._rotate(list(ANSWERS), drawn))

    def _submit(self, tracked: Tracked, quality: str) -> None:
        request_id = tracked.id
        operator = next((o for o in self.world.operators if o.user_id == tracked.operator), self.world.operators[0])
        expected = InvalidState if tracked.status != S.in_progress else None
        if tracked.operator is None:
            expected = NotFound
        try:
            row = w.submit(operator, request_id, answer=ANSWERS[quality])
        except HandoffError as exc:
            assert expected is not None and isinstance(exc, expected), f"unexpected {exc!r}"
            return
        assert expected is None, f"expected {expected.__name__}, but {row['status']}"
        event(f"submitted: {BANDS[quality]}")
        self._route(tracked, BANDS[quality])

    def _route(self, tracked: Tracked, band: S) -> None:
        moment = clock.now()
        if band == S.completed:
            self._complete(tracked)
        elif band == S.needs_review:
            tracked.status, tracked.review_deadline = S.needs_review, moment + timedelta(hours=48)
        else:
            tracked.status = S.disputed

    def _complete(self, tracked: Tracked) -> None:
        event("completed")
        tracked.status, tracked.available_on = S.completed, clock.now() + timedelta(days=7)

    def _refund(self, tracked: Tracked, status: S) -> None:
        event(f"refunded: {status}")
        tracked.status = status
        self.available_cents += tracked.price_cents

    def review_result(self, data: st.DataObject) -> None:
        """The company approves or rejects a result (refused unless it is in review)."""
        approve = data.draw(st.booleans(), label="approve")
        tracked = self._pick(data, S.needs_review)
        request_id = tracked.id
        expected = None if tracked.status == S.needs_review else InvalidState
        if approve:
            self._expect(expected, lambda session: review.approve(session, ctx=self.context, request_id=request_id))
        else:
            self._expect(expected, lambda session: review.reject(session, ctx=self.context, request_id=request_id,
                                                                 reason="Missing clause 4.3"))
        if expected is None and approve:
            self._complete(tracked)
        elif expected is None:
            tracked.status = S.disputed

    def rate(self, data: st.DataObject) -> None:
        """The agent rates a request once (refused unless completed and not yet rated)."""
        score = data.draw(st.integers(1, 5), label="score")
        tracked = self._pick(data, S.completed)
        request_id = tracked.id
        expected = None if tracked.status == S.completed and not tracked.rated else InvalidState
        self._expect(expected, lambda session: requests.rate_request(session, ctx=self.context,
                                                                     request_id=request_id, score=score, comment=None))
        tracked.rated = tracked.rated or expected is None

    def time_passes(self, data: st.DataObject) -> None:
        """The clock moves (or not), then the scheduler runs every job, none (it is down) or one."""
        drawn = data.draw(st.integers(0, len(STEPS)), label="clock step")
        which = data.draw(st.sampled_from(["all", "none", *SWEEPS]), label="jobs")
        if drawn < len(STEPS):
            clock.advance(self._rotate(STEPS, drawn))
        self._sweeps(which)

    def _sweeps(self, which: str) -> None:
        """Run one job until it has nothing left, all of them in registry order, or none."""
        for name in {"all": list(SWEEPS), "none": []}.get(which, [which]):
            getattr(self, f"_{name}")()

    def _expire_sweep(self) -> None:
        moment = clock.now()
        self._drain(expiry.expire_unmatched)
        for tracked in self.model.values():
            if tracked.status == S.matching and tracked.match_deadline <= moment:
                self._refund(tracked, S.expired)

    def _work_window_sweep(self) -> None:
        moment = clock.now()
        self._drain(timers.enforce_work_window)
        for tracked in self.model.values():
            if tracked.status != S.in_progress or tracked.work_deadline > moment:
                continue
            if tracked.requeues:
                self._refund(tracked, S.expired)
                continue
            tracked.status, tracked.operator, tracked.accepted_at, tracked.requeues = S.matching, None, None, 1
            event("sent back to matching")
            tracked.match_deadline = moment + timedelta(seconds=tracked.urgency_seconds + 30)

    def _auto_approve_sweep(self) -> None:
        moment = clock.now()
        self._drain(review.auto_approve_due)
        for tracked in self.model.values():
            if tracked.status == S.needs_review and tracked.review_deadline <= moment:
                self._complete(tracked)

    def _settlement_sweep(self) -> None:
        moment = clock.now()
        self._drain(earnings.release_due)
        for tracked in self.model.values():
            if tracked.status == S.completed and not tracked.released and tracked.available_on <= moment:
                tracked.released = True
                event("reward released")

    def _drain(self, sweep: Callable[[Any], int]) -> None:
        while w.in_unit(sweep):
            pass

    @invariant()
    def ledger_is_healthy(self) -> None:
        with unit_of_work(read_only=True) as session:
            health = ledger_health(session)
        assert health.ok, health

    @invariant()
    def statuses_match_the_model_and_terminal_states_absorb(self) -> None:
        if not self.model:
            return
        assert rh.statuses(list(self.model)) == {t.id: str(t.status) for t in self.model.values()}

    @invariant()
    def each_request_resolved_its_escrow_at_most_once(self) -> None:
        if not self.model:
            return
        with unit_of_work(read_only=True) as session:
            rows = session.execute(select(LedgerTransfer.reference_id, LedgerTransfer.kind, func.count()).where(
                LedgerTransfer.reference_id.in_(list(self.model)),
                LedgerTransfer.kind.in_(["escrow_post", "escrow_void", "settlement_release"]),
            ).group_by(LedgerTransfer.reference_id, LedgerTransfer.kind)).all()
        seen = {(reference, kind): count for reference, kind, count in rows}
        for tracked in self.model.values():
            expected = {"escrow_post": int(tracked.status == S.completed),
                        "escrow_void": int(tracked.status in REFUNDED),
                        "settlement_release": int(tracked.released)}
            assert {kind: seen.get((tracked.id, kind), 0) for kind in expected} == expected, tracked

    @invariant()
    def money_matches_the_model(self) -> None:
        if not hasattr(self, "start_balances"):
            return
        change = {name: value - self.start_balances[name] for name, value in _balances(self.world).items()}
        tracked = list(self.model.values())
        completed = [t for t in tracked if t.status == S.completed]
        expected = {"available": self.available_cents - self.start_balances["available"],
                    "escrow": sum(t.price_cents for t in tracked if t.status in OPEN),
                    "revenue": sum(t.fee_cents for t in completed)}
        for operator in self.world.operators:
            mine = [t for t in completed if t.operator == operator.user_id]
            expected[f"pending:{operator.user_id}"] = sum(t.reward_cents for t in mine if not t.released)
            expected[f"released:{operator.user_id}"] = sum(t.reward_cents for t in mine if t.released)
        assert change == expected, {name: (change[name], expected[name]) for name in change
                                    if change[name] != expected[name]}

    @invariant()
    def earnings_follow_completions(self) -> None:
        if not self.model:
            return
        with unit_of_work(read_only=True) as session:
            rows = dict(session.execute(select(Earning.request_id, Earning.status).where(
                Earning.request_id.in_(list(self.model)))).all())
        assert rows == {t.id: "available" if t.released else "pending"
                        for t in self.model.values() if t.status == S.completed}


def _run_lifecycle(*, examples: int, steps: int) -> None:
    world = World(agent=w.make_agent(funded_cents=START_AVAILABLE_CENTS), operators=w.make_operators(count=2),
                  floor=w.T0)
    run_state_machine_as_test(lambda: Lifecycle(world), settings=settings(
        max_examples=examples, stateful_step_count=steps, derandomize=True, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    assert_ledger_balanced()


def test_the_lifecycle_state_machine():
    _run_lifecycle(examples=50, steps=30)


@pytest.mark.slow
@pytest.mark.nightly
def test_the_lifecycle_state_machine_at_nightly_size():
    _run_lifecycle(examples=500, steps=50)
