"""RELIABILITY 21 at CI size: two real app processes, each starting the scheduler, for 20 seconds
while due work keeps arriving → every item done exactly once, no job run by both at once, the
ledger healthy (`python -m bench schedulers --seconds 600` is the full size)."""

from __future__ import annotations

import pytest

from bench import schedulers
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.slow
SECONDS = 20


def test_two_app_processes_with_the_scheduler_on_never_execute_anything_twice(database, tmp_path):
    # given an empty database (the bench makes the world, the loopback sink and payout service)
    # when two scheduler processes run side by side while work falls due, then drain
    outcome = schedulers.measure(database, kind="postgres" if ON_POSTGRES else "sqlite", seconds=SECONDS,
                                 workdir=tmp_path)

    # then one process led, nothing ran twice, everything was done, and the ledger balances
    schedulers.describe(outcome)
    assert len(outcome.holders) == 1
    assert outcome.overlapping == 0
    assert [tally for tally in outcome.tallies if not tally.ok] == []
    assert all(tally.items > 0 for tally in outcome.tallies)
    assert outcome.undelivered == 0
    assert outcome.duplicate_receipts == 0
    assert outcome.ledger_ok
