"""RELIABILITY 2: thousands of seeded random ledger operations against an in-memory model.

Each operation runs in its own committed unit of work. The model predicts whether
it succeeds (and how money moves); the database must agree, and after every step
(`check_every`) the ledger must be healthy and equal to the model: every balance,
escrow = Σ pending holds, revenue = Σ fees of posted holds, no internal account
below zero, every hold in the predicted state.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import InsufficientFunds, InvalidState
from marketplace_app.fees import human_task_fee
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.health import ledger_health
from marketplace_app.ledger.models import HoldState, LedgerAccount, LedgerHold
from tests import factories
from tests.ledger.helpers import PAYOUTS, REVENUE, worker_available, worker_pending

COMPANIES = 3
WORKERS = ("op_0", "op_1", "op_2", "op_3")
# Trailing spends at and around every fee-tier boundary, plus anything in between.
SPENDS_CENTS = (0, 499_999, 500_000, 2_499_999, 2_500_000, 2_500_001)


@dataclass(slots=True)
class SimHold:
    company_id: str
    amount_cents: int
    state: str = HoldState.pending
    fee_cents: int = 0


@dataclass
class LedgerWorld:
    """The ledger as the test expects it, plus the operations that change both."""

    rng: random.Random
    company_ids: list[str]
    balances: defaultdict[ledger.AccountRef, int] = field(default_factory=lambda: defaultdict(int))
    holds: dict[str, SimHold] = field(default_factory=dict)
    step: int = 0
    tally: Counter[str] = field(default_factory=Counter)

    def amount(self) -> int:
        low, high = self.rng.choice([(1, 999), (1_000, 50_000), (50_000, 600_000)])
        return self.rng.randint(low, high)

    def available(self, company_id: str) -> ledger.AccountRef:
        return factories.companies.available_account(company_id)

    def escrow(self, company_id: str) -> ledger.AccountRef:
        return factories.companies.escrow_account(company_id)

    def move(self, source: ledger.AccountRef, target: ledger.AccountRef, cents: int) -> None:
        self.balances[source] -= cents
        self.balances[target] += cents

    def expect(self, name: str, refused: type[Exception] | None, action) -> bool:
        """Run `action` in a unit of work; it must raise `refused` (or nothing if None)."""
        self.tally[f"{name}:{'refused' if refused else 'ok'}"] += 1
        if refused is None:
            with unit_of_work() as session:
                action(session)
            return True
        with pytest.raises(refused), unit_of_work() as session:
            action(session)
        return False

    def key(self) -> str:
        return f"rnd:{self.step}"

    def fund(self) -> None:
        company, cents = self.rng.choice(self.company_ids), self.rng.randint(10_000, 1_000_000)
        self.expect("fund", None, lambda s: ledger.transfer(
            s, idempotency_key=self.key(), kind="deposit", reason="random fund",
            legs=[ledger.Leg(ledger.account_id(s, factories.FAUCET), ledger.account_id(s, self.available(company)),
                             cents)]))
        self.move(factories.FAUCET, self.available(company), cents)

    def place(self) -> None:
        company, cents, hold_id = self.rng.choice(self.company_ids), self.amount(), f"hld_{self.step}"
        fits = cents <= self.balances[self.available(company)]
        self.expect("place", None if fits else InsufficientFunds, lambda s: ledger.place_hold(
            s, hold_id=hold_id, source=self.available(company), escrow=self.escrow(company), amount_cents=cents,
            reason="random hold"))
        if fits:
            self.holds[hold_id] = SimHold(company, cents)
            self.move(self.available(company), self.escrow(company), cents)

    def pick(self, state: str) -> str | None:
        candidates = [hold_id for hold_id, hold in self.holds.items() if hold.state == state]
        return self.rng.choice(candidates) if candidates else None

    def post(self, *, partial: bool) -> None:
        hold_id = self.pick(HoldState.pending)
        if hold_id is None:
            return self.place()
        hold, worker = self.holds[hold_id], self.rng.choice(WORKERS)
        price = self.rng.randint(1, hold.amount_cents) if partial else hold.amount_cents
        spend = self.rng.choice((*SPENDS_CENTS, self.rng.randint(0, 10_000_000)))
        quote = human_task_fee(price, trailing_30d_spend_cents=spend)
        payees = [(worker_pending(worker), quote.reward_cents), (REVENUE, quote.fee_cents)]
        self.expect("post_partial" if partial else "post", None,
                    lambda s: ledger.post_hold(s, hold_id=hold_id, payees=payees, reason="random post"))
        hold.state, hold.fee_cents = HoldState.posted, quote.fee_cents
        self.move(self.escrow(hold.company_id), worker_pending(worker), quote.reward_cents)
        self.move(self.escrow(hold.company_id), REVENUE, quote.fee_cents)
        self.move(self.escrow(hold.company_id), self.available(hold.company_id), hold.amount_cents - price)
        return None

    def void(self) -> None:
        hold_id = self.pick(HoldState.pending)
        if hold_id is None:
            return self.place()
        hold = self.holds[hold_id]
        self.expect("void", None, lambda s: ledger.void_hold(s, hold_id=hold_id, reason="random void"))
        hold.state = HoldState.voided
        self.move(self.escrow(hold.company_id), self.available(hold.company_id), hold.amount_cents)
        return None

    def resolve_again(self) -> None:
        resolved = [hold_id for hold_id, hold in self.holds.items() if hold.state != HoldState.pending]
        if not resolved:
            return self.place()
        hold_id = self.rng.choice(resolved)
        if self.rng.random() < 0.5:
            action = lambda s: ledger.void_hold(s, hold_id=hold_id, reason="again")  # noqa: E731
        else:
            action = lambda s: ledger.post_hold(  # noqa: E731
                s, hold_id=hold_id, payees=[(worker_pending(WORKERS[0]), 1)], reason="again")
        self.expect("resolve_again", InvalidState, action)
        return None

    def withdraw(self, name: str, source: ledger.AccountRef, target: ledger.AccountRef, kind: str) -> None:
        held = self.balances[source]
        cents = self.rng.randint(1, held) if held and self.rng.random() < 0.85 else held + self.rng.randint(1, 500)
        fits = cents <= held
        self.expect(name, None if fits else InsufficientFunds, lambda s: ledger.transfer(
            s, idempotency_key=self.key(), kind=kind, reason=f"random {kind}",
            legs=[ledger.Leg(ledger.account_id(s, source), ledger.account_id(s, target), cents)]))
        if fits:
            self.move(source, target, cents)

    def settle(self) -> None:
        worker = self.rng.choice(WORKERS)
        self.withdraw("settle", worker_pending(worker), worker_available(worker), "settlement")

    def payout(self) -> None:
        worker = self.rng.choice(WORKERS)
        self.withdraw("payout", worker_available(worker), PAYOUTS, "payout")

    def run_one(self) -> None:
        self.step += 1
        operations = [(self.fund, 8), (self.place, 25), (lambda: self.post(partial=False), 14),
                      (lambda: self.post(partial=True), 10), (self.void, 10), (self.resolve_again, 5),
                      (self.settle, 15), (self.payout, 10)]
        action = self.rng.choices([op for op, _ in operations], weights=[w for _, w in operations])[0]
        action()


def assert_world_matches_database(world: LedgerWorld) -> None:
    """The invariants of RELIABILITY 2, checked against the model and the database."""
    with unit_of_work(read_only=True) as session:
        health = ledger_health(session)
        accounts = session.execute(select(LedgerAccount.owner_type, LedgerAccount.owner_id, LedgerAccount.purpose,
                                          LedgerAccount.is_external, LedgerAccount.balance_cents)).all()
        holds = dict(session.execute(select(LedgerHold.id, LedgerHold.state)).all())
    context = f"after step {world.step}"
    assert health.ok, f"{context}: {health}"
    stored = {ledger.AccountRef(owner, owner_id, purpose): cents for owner, owner_id, purpose, _, cents in accounts}
    expected = {ref: cents for ref, cents in world.balances.items() if cents or ref in stored}
    assert {ref: cents for ref, cents in stored.items() if cents or ref in expected} == expected, context
    assert not [row for row in accounts if not row.is_external and row.balance_cents < 0], context
    assert holds == {hold_id: hold.state for hold_id, hold in world.holds.items()}, context
    for company in world.company_ids:
        pending = sum(h.amount_cents for h in world.holds.values()
                      if h.company_id == company and h.state == HoldState.pending)
        assert stored.get(world.escrow(company), 0) == pending, context
    posted_fees = sum(h.fee_cents for h in world.holds.values() if h.state == HoldState.posted)
    assert stored.get(REVENUE, 0) == posted_fees, context


def run_random_operations(*, seed: int, operations: int, check_every: int) -> LedgerWorld:
    """Build companies, run `operations` random steps, check every `check_every` and at the end."""
    with unit_of_work() as session:
        company_ids = [factories.make_company(session, name=f"Random {i}").id for i in range(COMPANIES)]
    world = LedgerWorld(rng=random.Random(seed), company_ids=company_ids)
    started = time.perf_counter()
    for _ in range(operations):
        world.run_one()
        if world.step % check_every == 0:
            assert_world_matches_database(world)
    assert_world_matches_database(world)
    seconds = time.perf_counter() - started
    print(f"seed {seed}: {operations} operations in {seconds:.1f}s, checked every {check_every}: {dict(world.tally)}")
    return world


def test_2000_random_operations_keep_every_invariant_after_every_step():
    # Given three companies and four workers
    # When 2,000 seeded random operations run, each in its own unit of work
    world = run_random_operations(seed=20261122, operations=2_000, check_every=1)

    # Then every invariant held after every step, and every kind of operation ran, both ways where possible
    for name in ("fund:ok", "place:ok", "place:refused", "post:ok", "post_partial:ok", "void:ok",
                 "resolve_again:refused", "settle:ok", "settle:refused", "payout:ok", "payout:refused"):
        assert world.tally[name] > 10, (name, world.tally)


@pytest.mark.slow
@pytest.mark.nightly
def test_10000_random_operations_keep_every_invariant_after_every_step():
    run_random_operations(seed=1, operations=10_000, check_every=1)
