"""Races through the agent API served by several processes (RELIABILITY 3 and 4).

Threads of one process share SQLite's one connection, so the thread races of
`test_agent_races.py` queue in the connection pool before they reach the database. Here three
uvicorn processes serve the test's database, each with its own engine and connection, and the
calls of a burst (released together by a barrier) are dealt round-robin over them: the duplicates
of one Idempotency-Key, or the cancels of one request, meet in the database itself.

On PostgreSQL one round of each race is also held open: the test locks the row the winning call
must write (the wallet for a create, the request for a cancel), so the first create is provably
still in flight while its 19 duplicates are answered 409 `idempotency_in_progress`, and all 50
cancels have read the request before one of them changes it (the 49 others lose the conditional
update: 409 `invalid_state`). SQLite serialises writers (BEGIN IMMEDIATE), so no such hold exists
there: rounds of 20 repeat until one of them has refused a duplicate in flight (at most 20 rounds).
"""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from marketplace_app.companies import service as companies
from marketplace_app.core.db import unit_of_work
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.models import LedgerAccount
from marketplace_app.requests.models import Request, RequestStatus
from tests.api.live import (
    Answer,
    api_servers,
    burst,
    burst_started,
    in_flight_together,
    row_locked,
    wait_for_answers,
    wait_for_lock_waiters,
)
from tests.conftest import ON_POSTGRES
from tests.ledger.helpers import assert_ledger_balanced
from tests.requests import helpers as h
from tests.support import assert_ran_once

pytestmark = pytest.mark.slow
REQUESTS = "/v1/requests"
SERVERS = 3
DUPLICATES = 20
# Rounds run until one of them refused a duplicate in flight (on SQLite roughly every other round
# does), at least MIN_ROUNDS and at most MAX_ROUNDS.
MIN_ROUNDS = 3
MAX_ROUNDS = 20
SEQUENTIAL_REPLAYS = 10
CANCELS = 50
WALLET_CENTS = 20_000  # pays for MAX_ROUNDS + 1 creates of 8.00
PRICE_CENTS = 800


def _tally(answers: list[Answer]) -> Counter[tuple[int, str | None, bool]]:
    return Counter((answer.status, answer.code, answer.replayed) for answer in answers)


def _create_calls(agent: h.Agent, key: str) -> list[tuple[str, dict[str, str], dict]]:
    return [(REQUESTS, agent.headers(Idempotency_Key=key), h.SEED_BODY)] * DUPLICATES


def _assert_created_once(answers: list[Answer]) -> bytes:
    return assert_ran_once([(answer.status, answer.headers, answer.content) for answer in answers], status=201)


def _assert_replayed_in_turn(urls: list[str], agent: h.Agent, key: str, first: bytes) -> None:
    headers = agent.headers(Idempotency_Key=key)
    for index in range(SEQUENTIAL_REPLAYS):
        response = httpx.post(urls[index % len(urls)] + REQUESTS, json=h.SEED_BODY, headers=headers, timeout=60)
        assert (response.status_code, response.headers.get("idempotent-replayed")) == (201, "true")
        assert response.content == first


def _wallet_id(agent: h.Agent) -> int:
    with unit_of_work(read_only=True) as session:
        return ledger.account_id(session, companies.available_account(agent.company_id))


def _round_held_in_flight(urls: list[str], agent: h.Agent, key: str) -> list[Answer]:
    """PostgreSQL: the creating call waits on the wallet's row lock while its duplicates are answered."""
    with row_locked(LedgerAccount.__table__, _wallet_id(agent)) as release, \
            burst_started(urls, _create_calls(agent, key)) as pending:
        try:
            wait_for_answers(pending, count=DUPLICATES - 1)
            early = [future.result() for future in pending if future.done()]
        finally:
            release()
    # Then: the 19 answered while the first call was still inside its transaction were all refused
    assert len(early) == DUPLICATES - 1
    assert _tally(early) == {(409, "idempotency_in_progress", False): DUPLICATES - 1}, _tally(early)
    return [future.result() for future in pending]


def test_20_same_key_creates_across_three_processes_create_once(database):
    # Given a funded agent and three API processes on the test's database
    agent = h.make_agent(funded_cents=WALLET_CENTS)
    rounds = refused_in_flight = 0
    with api_servers(database, count=SERVERS) as urls:
        # When, round after round, 20 calls with one Idempotency-Key arrive at once
        while rounds < MIN_ROUNDS or (not refused_in_flight and rounds < MAX_ROUNDS):
            key = f"retry-storm-{rounds}"
            answers = burst(urls, _create_calls(agent, key))
            rounds += 1

            # Then one request was created; the others were refused in flight or replayed it byte for byte
            first = _assert_created_once(answers)
            refused_in_flight += sum(answer.status == 409 for answer in answers)
            # … and once it finished, sequential retries replay it byte for byte
            _assert_replayed_in_turn(urls, agent, key, first)
            print(f"round {rounds}: {dict(_tally(answers))}, {in_flight_together(answers)} of {DUPLICATES} "
                  "sent before the first answer")
        if ON_POSTGRES:
            _assert_created_once(_round_held_in_flight(urls, agent, "held-in-flight"))
            rounds += 1

    # Then exactly one request and one escrow per key, and an in-flight duplicate was really refused
    assert refused_in_flight, f"in {rounds} rounds no duplicate arrived while its first call was in flight"
    assert h.count_requests() == rounds
    assert h.transfers(kind="escrow_hold") == rounds
    assert (h.available_cents(agent), h.escrow_cents(agent)) == (WALLET_CENTS - rounds * PRICE_CENTS,
                                                                 rounds * PRICE_CENTS)
    assert_ledger_balanced()


def _cancels_held_on_the_request(urls: list[str], request_id: str, calls: list) -> list[Answer]:
    """PostgreSQL: every cancel waits on the request's row lock before one of them may win."""
    with row_locked(Request.__table__, request_id) as release, burst_started(urls, calls) as pending:
        try:
            wait_for_lock_waiters(CANCELS)
        finally:
            release()
    return [future.result() for future in pending]


def _cancels_at_once(urls: list[str], _request_id: str, calls: list) -> list[Answer]:
    return burst(urls, calls)


def test_50_cancels_across_three_processes_refund_once(database):
    # Given one matching request with its escrow
    agent = h.make_agent(funded_cents=WALLET_CENTS)
    request_id = h.created(h.client().post(REQUESTS, json=h.SEED_BODY, headers=agent.headers()))
    calls = [(f"{REQUESTS}/{request_id}/cancel", agent.headers(), None)] * CANCELS

    # When 50 cancels of it arrive at once at three API processes
    with api_servers(database, count=SERVERS) as urls:
        race = _cancels_held_on_the_request if ON_POSTGRES else _cancels_at_once
        answers = race(urls, request_id, calls)

    # Then one cancel won and the others were refused with invalid_state …
    tally = _tally(answers)
    assert tally[(200, None, False)] == 1, tally
    if ON_POSTGRES:
        # … every loser had read the request before the winner changed it, and lost the conditional update
        assert tally == {(200, None, False): 1, (409, "invalid_state", False): CANCELS - 1}, tally
    else:
        assert {code for (status, code, _replayed) in tally if status != 200} == {"invalid_state"}, tally
    # … the calls were in flight together, and the escrow was refunded exactly once
    assert in_flight_together(answers) >= 2
    assert h.transfers(kind="escrow_void") == 1
    assert h.request_row(request_id)["status"] == RequestStatus.cancelled
    assert (h.available_cents(agent), h.escrow_cents(agent)) == (WALLET_CENTS, 0)
    assert h.event_types(request_id).count("request.cancelled") == 1
    print(f"50 cancels: {dict(tally)}, {in_flight_together(answers)} in flight together")
    assert_ledger_balanced()
