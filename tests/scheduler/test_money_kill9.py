"""RELIABILITY 22 at CI size: the money jobs (settlement release, expiry refund, payout sending,
webhook delivery) killed with `kill -9` at random points in 8 rounds → the ledger healthy after
every kill, nothing paid twice, every item done exactly once after restart
(`python -m bench kill9-money --rounds 200` is the full size)."""

from __future__ import annotations

import pytest

from bench import money_kill9
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.slow
ROUNDS = 8


def test_money_jobs_killed_at_random_points_leave_every_item_done_exactly_once(database, tmp_path):
    # given an empty database (the bench makes the world, the loopback sink and payout service)
    # when each round adds due work and a worker running the money jobs is killed with SIGKILL
    outcome = money_kill9.measure(database, kind="postgres" if ON_POSTGRES else "sqlite", rounds=ROUNDS,
                                  workdir=tmp_path)

    # then no invariant broke, nothing was paid twice, and after restart everything was done once
    money_kill9.describe(outcome)
    assert outcome.health_violations == 0
    assert outcome.paid_twice == 0
    assert [tally for tally in outcome.tallies if not tally.ok] == []
    assert all(tally.items == ROUNDS * money_kill9.ITEMS_PER_ROUND for tally in outcome.tallies)
    assert outcome.undelivered == 0
