"""Races through the agent API (RELIABILITY 1, 3, 4 and expiry against cancel).

Threads each use their own client. On PostgreSQL that is real concurrency; on SQLite
one process has one connection, so the double spend also runs across OS processes
(each with its own engine) to prove the guard is in the database, not in Python, and the
idempotency and cancel races run through three API server processes in
`test_agent_races_processes.py` (`-m slow`). The default run has the double spend twice in
threads and once across processes; `-m slow` (CI) adds five rounds of each and
`make test-nightly` runs 20 of each.
"""

from __future__ import annotations

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import update

from marketplace_app.core.clock import now
from marketplace_app.core.db import unit_of_work
from marketplace_app.requests import expiry
from marketplace_app.requests.models import Request, RequestStatus
from tests.ledger.helpers import assert_ledger_balanced
from tests.requests import helpers as h
from tests.support import assert_ran_once, repeated

REQUESTS = "/v1/requests"
WALLET_CENTS = 5_000
CONTENDERS = 200


def _double_spend_calls(agent):
    body = h.request_body(max_price="1.00EUR")
    return [("POST", REQUESTS, agent.headers(), body)] * CONTENDERS


def _assert_exactly_fifty_fit(agent, result):
    assert result.codes() == {(201, None): 50, (402, "insufficient_credits"): 150}, result.codes()
    assert (h.available_cents(agent), h.escrow_cents(agent)) == (0, WALLET_CENTS)
    assert h.count_requests() == 50
    assert h.holds_by_state() == {"pending": 50}
    assert h.transfers(kind="escrow_hold") == 50
    created_ids = {body["request_id"] for body, status in zip(result.bodies, result.statuses, strict=True)
                   if status == 201}
    assert len(created_ids) == 50
    assert_ledger_balanced()


def _double_spend_in_threads():
    # Given a wallet of 5,000 cents
    agent = h.make_agent(funded_cents=WALLET_CENTS)

    # When 200 agents' calls create a 1.00EUR request at the same moment
    result = h.burst(_double_spend_calls(agent))

    # Then exactly 50 fit and 150 are refused, and the money adds up
    _assert_exactly_fifty_fit(agent, result)
    print(f"double spend (threads): {CONTENDERS} creates in {result.seconds:.2f}s "
          f"= {CONTENDERS / result.seconds:.0f} creates/s")


def _double_spend_in_processes(url):
    # Given a wallet of 5,000 cents
    agent = h.make_agent(funded_cents=WALLET_CENTS)

    # When 4 OS processes (own engine and connection each) send 50 creates each at once
    result = h.burst_from_processes(url, _double_spend_calls(agent), processes=4)

    # Then the database let exactly 50 through
    _assert_exactly_fifty_fit(agent, result)
    print(f"double spend (4 processes): {CONTENDERS} creates in {result.seconds:.2f}s "
          f"= {CONTENDERS / result.seconds:.0f} creates/s")


@pytest.mark.parametrize("round_", range(2))
def test_200_concurrent_creates_on_a_wallet_of_50_let_exactly_50_through(database, round_):
    _double_spend_in_threads()


def test_200_creates_from_four_processes_let_exactly_50_through(database):
    _double_spend_in_processes(database)


@pytest.mark.slow
@pytest.mark.parametrize("round_", repeated(20, in_ci=5))
def test_double_spend_in_threads_repeated(database, round_):
    _double_spend_in_threads()


@pytest.mark.slow
@pytest.mark.parametrize("round_", repeated(20, in_ci=5))
def test_double_spend_in_processes_repeated(database, round_):
    _double_spend_in_processes(database)


def test_20_concurrent_creates_with_one_idempotency_key_create_one_request():
    # Given
    agent = h.make_agent(funded_cents=WALLET_CENTS)
    headers = agent.headers(Idempotency_Key="retry-storm-1")

    # When 20 retries of the same call arrive together
    result = h.burst([("POST", REQUESTS, headers, h.SEED_BODY)] * 20)

    # Then one call ran; each other one was refused as in flight (409) or replayed its answer byte for byte
    first = assert_ran_once(result.answers(), status=201)
    assert h.count_requests() == 1
    assert h.transfers(kind="escrow_hold") == 1
    assert h.escrow_cents(agent) == 800
    # … and, now that it has finished, a retry replays it byte for byte
    retry = h.client().post(REQUESTS, json=h.SEED_BODY, headers=headers)
    assert (retry.status_code, retry.headers["idempotent-replayed"], retry.content) == (201, "true", first)
    assert_ledger_balanced()


def test_50_concurrent_cancels_refund_exactly_once():
    # Given one matching request
    agent = h.make_agent(funded_cents=WALLET_CENTS)
    request_id = h.created(h.client().post(REQUESTS, json=h.SEED_BODY, headers=agent.headers()))

    # When 50 cancels of it arrive together
    result = h.burst([("POST", f"{REQUESTS}/{request_id}/cancel", agent.headers(), None)] * 50)

    # Then one wins, the rest are refused with invalid_state, and one refund was made
    assert result.count(200) == 1, result.codes()
    assert all(code == "invalid_state" for (status, code) in result.codes() if status != 200), result.codes()
    assert set(result.statuses) <= {200, 400, 409}
    assert h.transfers(kind="escrow_void") == 1
    assert h.request_row(request_id)["status"] == RequestStatus.cancelled
    assert (h.available_cents(agent), h.escrow_cents(agent)) == (WALLET_CENTS, 0)
    assert h.event_types(request_id).count("request.cancelled") == 1
    assert_ledger_balanced()


def test_50_concurrent_cancels_with_one_idempotency_key_refund_exactly_once():
    # Given
    agent = h.make_agent(funded_cents=WALLET_CENTS)
    request_id = h.created(h.client().post(REQUESTS, json=h.SEED_BODY, headers=agent.headers()))
    headers = agent.headers(Idempotency_Key="cancel-once")

    # When
    result = h.burst([("POST", f"{REQUESTS}/{request_id}/cancel", headers, None)] * 50)

    # Then one cancel ran; the others were refused in flight or replayed its answer
    first = assert_ran_once(result.answers(), status=200)
    assert json.loads(first)["status"] == "cancelled"
    assert h.transfers(kind="escrow_void") == 1
    assert_ledger_balanced()


EXPIRY_RACE_REQUESTS = 40
DEADLINE_AFTER_SECONDS = 1.0
CANCEL_SPREAD_SECONDS = 2.0


def test_expiry_racing_cancel_ends_each_request_exactly_once():
    # Given 40 matching requests whose match windows all close 1 s after the race starts
    agent = h.make_agent(funded_cents=WALLET_CENTS)
    api = h.client()
    ids = [h.created(api.post(REQUESTS, json=h.request_body(max_price="1.00EUR", urgency="1min"),
                              headers=agent.headers())) for _ in range(EXPIRY_RACE_REQUESTS)]
    app = h.warmed_app()
    clients = [h.client(app) for _ in ids]
    stop = threading.Event()
    rng = random.Random(7)
    delays = [rng.uniform(0, CANCEL_SPREAD_SECONDS) for _ in ids]
    with unit_of_work() as session:
        session.execute(update(Request).where(Request.id.in_(ids)).values(
            match_deadline_at=now() + timedelta(seconds=DEADLINE_AFTER_SECONDS)))
    started = time.monotonic()

    def sweep() -> int:
        expired = 0
        while not stop.is_set():
            with unit_of_work() as session:
                expired += expiry.expire_unmatched(session)
            time.sleep(0.005)
        return expired

    def cancel(index: int) -> int:
        time.sleep(max(0.0, started + delays[index] - time.monotonic()))
        return clients[index].post(f"{REQUESTS}/{ids[index]}/cancel", headers=agent.headers()).status_code

    # When agents cancel them over 2 s (on a fixed schedule) while two sweepers expire what is due
    with ThreadPoolExecutor(max_workers=EXPIRY_RACE_REQUESTS + 2) as pool:
        sweepers = [pool.submit(sweep) for _ in range(2)]
        cancels = list(pool.map(cancel, range(EXPIRY_RACE_REQUESTS)))
        time.sleep(max(0.0, started + DEADLINE_AFTER_SECONDS - time.monotonic()) + 0.1)
        with unit_of_work() as session:
            expiry.expire_unmatched(session)
        stop.set()
        swept = sum(sweeper.result() for sweeper in sweepers)

    # Then each request is cancelled xor expired, refunded exactly once, and the answers agree
    final = h.statuses(ids)
    # … and both outcomes happened: cancels on the schedule's early side won, the sweepers took the rest
    assert set(final.values()) == {RequestStatus.cancelled, RequestStatus.expired}, final
    assert h.refunds_per_request() == dict.fromkeys(ids, 1)
    for request_id, status_code in zip(ids, cancels, strict=True):
        expected = RequestStatus.cancelled if status_code == 200 else RequestStatus.expired
        assert status_code in (200, 400, 409)
        assert final[request_id] == expected, (request_id, status_code, final[request_id])
    assert (h.available_cents(agent), h.escrow_cents(agent)) == (WALLET_CENTS, 0)
    outcome = sorted(final.values())
    print(f"expiry vs cancel: {outcome.count('cancelled')} cancelled, {outcome.count('expired')} expired "
          f"({swept} by the racing sweepers)")
    assert_ledger_balanced()
