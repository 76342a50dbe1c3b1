"""`python -m bench` fails on a broken correctness check or an unreachable database it was asked
for, and never on a figure below target. Tiny data, real databases, the bench's own check functions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from bench import create as create_bench
from bench import report
from bench import sweep as sweep_bench
from bench.__main__ import EXIT_UNREACHABLE, main
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.ledger.models import LedgerAccount
from marketplace_app.requests import expiry
from tests.requests import helpers as h

UNREACHABLE_POSTGRES = "postgresql://postgres@127.0.0.1:1/handoff_nowhere"


@pytest.fixture
def swept(database: str) -> h.Agent:
    """Three due requests, expired and refunded by the real sweep."""
    agent = h.make_agent(funded_cents=300)
    h.seed_matching_requests(agent, count=3, price_cents=100, deadline=clock.now() - timedelta(seconds=1))
    with unit_of_work() as session:
        assert expiry.expire_unmatched(session) == 3
    return agent


def _break_the_ledger() -> None:
    """A stored balance one cent away from the sum of its entries."""
    with unit_of_work() as session:
        session.execute(update(LedgerAccount).values(balance_cents=LedgerAccount.balance_cents + 1))


def test_the_sweep_check_holds_after_a_real_sweep(database, swept):
    # when
    verdict, ok = sweep_bench.verify(database, 3)

    # then
    assert ok, verdict
    assert report.failures([report.check("sweep", "db", "exactly once + ledger_health", ok)]) == []


def test_the_sweep_check_fails_on_a_broken_ledger_and_the_run_fails(database, swept):
    # given
    _break_the_ledger()

    # when
    verdict, ok = sweep_bench.verify(database, 3)
    figure = report.check("sweep", "db", "exactly once + ledger_health", ok)

    # then
    assert not ok and "BROKEN" in verdict
    assert report.failures([figure]) == [figure]
    assert "**FAILED**" in report.table([figure])


def test_the_sweep_check_fails_when_fewer_requests_expired_than_were_due(database, swept):
    # when the bench expected four
    verdict, ok = sweep_bench.verify(database, 4)

    # then
    assert not ok, verdict


def test_the_create_check_fails_on_an_escrow_without_its_idempotency_record(database):
    # given a request escrowed outside the idempotent API path
    agent = h.make_agent(funded_cents=1_000)
    h.seed_matching_requests(agent, count=1, price_cents=100, deadline=clock.now() + timedelta(minutes=5))

    # when
    line, ok = create_bench.verify(database)

    # then
    assert not ok and "BROKEN" in line


def test_a_figure_below_target_is_not_a_failure():
    # given a speed figure that misses its target
    slow = report.Figure("sweep", "sqlite", "total", 9.0, 3.0, "s", "< 3 s", False)

    # then
    assert report.failures([slow]) == []


def test_a_postgres_run_asked_for_by_name_fails_when_postgres_is_unreachable(monkeypatch, capsys):
    # given
    monkeypatch.setenv("BENCH_DATABASE_URL", UNREACHABLE_POSTGRES)

    # when
    status = main(["sweep", "--db", "postgres"])

    # then
    assert status == EXIT_UNREACHABLE != 0
    assert "cannot be reached" in capsys.readouterr().out


def test_both_databases_skip_an_unreachable_postgres_loudly_and_a_tiny_healthy_sweep_exits_0(monkeypatch, capsys):
    # given
    monkeypatch.setenv("BENCH_DATABASE_URL", UNREACHABLE_POSTGRES)

    # when
    status = main(["sweep", "--db", "both", "--sweep-rows", "30"])

    # then
    out = capsys.readouterr().out
    assert status == 0, out
    assert "SKIPPING every PostgreSQL run" in out and "PostgreSQL was SKIPPED" in out
    assert "| sweep | sqlite | exactly once + ledger_health |" in out
