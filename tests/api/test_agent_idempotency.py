"""`Idempotency-Key` on the agent API (RELIABILITY 3): one effect per key, stored replies
replayed byte for byte, a duplicate of a call still in flight refused (409), another body refused,
keys per tenant, records kept 24 hours."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from marketplace_app.api.idempotent import fingerprint
from marketplace_app.core import clock
from marketplace_app.core.db import get_engine, unit_of_work
from marketplace_app.idempotency import service as idempotency
from marketplace_app.requests.schemas import RequestCreate
from marketplace_app.settings import get_settings
from tests.conftest import ON_POSTGRES
from tests.ledger.helpers import assert_ledger_balanced, journal_counts
from tests.requests import helpers as h
from tests.support import assert_error

REQUESTS = "/v1/requests"
T0 = datetime(2026, 2, 18, 12, 0, tzinfo=UTC)


@pytest.fixture
def api():
    return h.client()


@pytest.fixture
def agent():
    return h.make_agent(funded_cents=5_000)


def test_ten_sequential_retries_create_one_request_and_replay_it_byte_for_byte(api, agent):
    # given
    headers = agent.headers(Idempotency_Key="order-42")

    # when the same call is sent ten times
    responses = [api.post(REQUESTS, json=h.SEED_BODY, headers=headers) for _ in range(10)]

    # then one request and one escrow exist, and every retry is the first answer, marked as a replay
    assert [response.status_code for response in responses] == [201] * 10
    assert {response.content for response in responses} == {responses[0].content}
    assert "idempotent-replayed" not in responses[0].headers
    assert all(response.headers["idempotent-replayed"] == "true" for response in responses[1:])
    assert h.count_requests() == 1
    assert h.transfers(kind="escrow_hold") == 1
    assert (h.available_cents(agent), h.escrow_cents(agent)) == (4_200, 800)
    assert_ledger_balanced()


def _in_flight_elsewhere(agent, key: str, body: dict) -> None:
    """Claim `key` as the first call does before it acts, committed, as if that call were still running
    in another process (the real concurrent version is in test_agent_races_processes.py)."""
    with unit_of_work() as session:
        claimed = idempotency.claim(session, agent.project_id, key, fingerprint(REQUESTS, RequestCreate(**body)),
                                    lease_seconds=get_settings().idempotency_claim_seconds)
    assert isinstance(claimed, idempotency.Claim)


def test_a_duplicate_while_the_first_call_is_in_flight_is_409_and_runs_nothing(api, agent):
    # given the first call with this key claimed it and has not finished
    headers = agent.headers(Idempotency_Key="in-flight")
    _in_flight_elsewhere(agent, "in-flight", h.SEED_BODY)
    ledger_before, before = journal_counts(), h.business_counts()

    # when the same call arrives again
    response = api.post(REQUESTS, json=h.SEED_BODY, headers=headers)

    # then it is told to retry later, and nothing ran
    assert "still being processed" in assert_error(response, status=409, code="idempotency_in_progress")
    assert response.headers["retry-after"] == "1"
    assert "idempotent-replayed" not in response.headers
    assert (journal_counts(), h.business_counts()) == (ledger_before, before)


def test_the_key_of_a_call_that_died_in_flight_frees_itself_after_its_lease(api, agent):
    # given a claim nobody completes (its process was killed)
    clock.freeze(T0)
    headers = agent.headers(Idempotency_Key="orphan")
    _in_flight_elsewhere(agent, "orphan", h.SEED_BODY)
    lease = timedelta(seconds=get_settings().idempotency_claim_seconds)

    # when retried just before and then at the end of the lease
    clock.advance(lease - timedelta(seconds=1))
    early = api.post(REQUESTS, json=h.SEED_BODY, headers=headers)
    clock.advance(timedelta(seconds=1))
    late = api.post(REQUESTS, json=h.SEED_BODY, headers=headers)

    # then the retry runs once the lease is over, and only then
    assert_error(early, status=409, code="idempotency_in_progress")
    assert late.status_code == 201 and "idempotent-replayed" not in late.headers
    assert h.count_requests() == 1
    assert_ledger_balanced()


def test_the_same_body_with_fields_in_another_order_is_the_same_call(api, agent):
    # given
    headers = agent.headers(Idempotency_Key="order-43")
    first = api.post(REQUESTS, json=h.SEED_BODY, headers=headers)

    # when
    reordered = api.post(REQUESTS, json=dict(reversed(list(h.SEED_BODY.items()))), headers=headers)

    # then
    assert reordered.status_code == 201
    assert reordered.content == first.content
    assert h.count_requests() == 1


def test_the_same_key_with_another_body_is_409_and_writes_no_ledger_rows(api, agent):
    # given
    headers = agent.headers(Idempotency_Key="order-44")
    assert api.post(REQUESTS, json=h.SEED_BODY, headers=headers).status_code == 201
    ledger_before, before = journal_counts(), h.business_counts()

    # when
    response = api.post(REQUESTS, json=h.request_body(max_price="9.00EUR"), headers=headers)

    # then
    assert "Idempotency-Key" in assert_error(response, status=409, code="conflict")
    assert journal_counts() == ledger_before
    assert h.business_counts() == before
    assert h.count_requests() == 1
    assert_ledger_balanced()


def test_a_key_used_on_one_endpoint_conflicts_on_another(api, agent):
    # given a key used to create a request
    headers = agent.headers(Idempotency_Key="shared-key")
    request_id = h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=headers))

    # when the same key is sent with a cancel
    response = api.post(f"{REQUESTS}/{request_id}/cancel", headers=headers)

    # then it is another call, so 409, and nothing is refunded
    assert_error(response, status=409, code="conflict")
    assert h.transfers(kind="escrow_void") == 0


def test_keys_are_per_tenant(api, agent):
    # given another company, and another project of the same company
    stranger = h.make_agent(funded_cents=5_000, company_name="Other")
    sibling = h.add_project_agent(agent)

    # when all three use the same key with the same body
    mine = api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers(Idempotency_Key="k-1"))
    theirs = api.post(REQUESTS, json=h.SEED_BODY, headers=stranger.headers(Idempotency_Key="k-1"))
    siblings = api.post(REQUESTS, json=h.SEED_BODY, headers=sibling.headers(Idempotency_Key="k-1"))

    # then each created its own request; nobody got another tenant's reply
    ids = {h.created(mine), h.created(theirs), h.created(siblings)}
    assert len(ids) == 3
    assert "idempotent-replayed" not in theirs.headers
    assert h.escrow_cents(stranger) == 800
    assert h.escrow_cents(agent) == 1_600
    assert_ledger_balanced()


def test_two_keys_of_one_project_share_its_idempotency_records(api, agent):
    # given a second key on the same project
    second = h.add_key(agent)
    first = api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers(Idempotency_Key="k-2"))

    # when
    retry = api.post(REQUESTS, json=h.SEED_BODY, headers=second.headers(Idempotency_Key="k-2"))

    # then the project (the tenant) is the principal
    assert retry.content == first.content
    assert retry.headers["idempotent-replayed"] == "true"
    assert h.count_requests() == 1


def test_a_refused_call_is_not_stored_so_its_retry_can_succeed(api):
    # given a wallet that cannot pay
    agent = h.make_agent(funded_cents=100)
    headers = agent.headers(Idempotency_Key="after-top-up")
    assert_error(api.post(REQUESTS, json=h.SEED_BODY, headers=headers), status=402, code="insufficient_credits")

    # when the company tops up and the agent retries with the same key
    h.fund(agent, cents=1_000)
    response = api.post(REQUESTS, json=h.SEED_BODY, headers=headers)

    # then
    assert response.status_code == 201
    assert "idempotent-replayed" not in response.headers
    assert h.escrow_cents(agent) == 800
    assert_ledger_balanced()


def test_the_record_is_honoured_after_23_hours_and_not_after_25(api, agent):
    # given
    clock.freeze(T0)
    headers = agent.headers(Idempotency_Key="day-old")
    first = api.post(REQUESTS, json=h.SEED_BODY, headers=headers)

    # when retried 23 hours later
    clock.advance(timedelta(hours=23))
    at_23_hours = api.post(REQUESTS, json=h.SEED_BODY, headers=headers)

    # then the stored reply comes back and nothing new happens
    assert at_23_hours.content == first.content
    assert at_23_hours.headers["idempotent-replayed"] == "true"
    assert h.count_requests() == 1

    # when retried 25 hours after the first call
    clock.advance(timedelta(hours=2))
    at_25_hours = api.post(REQUESTS, json=h.SEED_BODY, headers=headers)

    # then the key is free again: a new request is created and escrowed
    assert at_25_hours.status_code == 201
    assert "idempotent-replayed" not in at_25_hours.headers
    assert h.created(at_25_hours) != first.json()["request_id"]
    assert h.count_requests() == 2
    assert h.transfers(kind="escrow_hold") == 2
    assert_ledger_balanced()


def test_a_cancel_retried_with_its_key_replays_instead_of_failing(api, agent):
    # given a cancelled request
    request_id = h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers()))
    headers = agent.headers(Idempotency_Key="cancel-1")
    first = api.post(f"{REQUESTS}/{request_id}/cancel", headers=headers)

    # when the cancel is retried with the same key
    retry = api.post(f"{REQUESTS}/{request_id}/cancel", headers=headers)

    # then the first answer is replayed and there is still one refund
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.content == first.content
    assert h.transfers(kind="escrow_void") == 1
    assert_ledger_balanced()


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve-key".encode("latin-1"), "tab\tkey", "\x7fdel"])
def test_malformed_idempotency_keys_are_422_and_write_nothing(api, agent, key):
    # given
    before = h.business_counts()

    # when
    response = api.post(REQUESTS, json=h.SEED_BODY, headers={**agent.headers(), "Idempotency-Key": key})

    # then
    assert_error(response, status=422, code="validation_error")
    assert h.business_counts() == before


def test_a_255_character_key_is_accepted(api, agent):
    # when
    response = api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers(Idempotency_Key="k" * 255))

    # then
    assert response.status_code == 201, response.text


def test_a_create_with_a_key_commits_its_key_request_and_escrow_together(api, agent):
    # given a log of statements and commits
    log: list[str] = []

    def statement(_conn, _cursor, sql, _parameters, _context, _many) -> None:
        log.append(sql)

    def commit(_connection) -> None:
        log.append("COMMIT")

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)

    # when a create with a key succeeds
    try:
        response = api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers(Idempotency_Key="one-commit"))
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)

    # then one committed transaction wrote the key, and it also wrote the request and its escrow
    assert response.status_code == 201, response.text
    committed = "\n".join(log).split("COMMIT")[:-1]
    keyed = [transaction for transaction in committed
             if re.search(r"^\s*(INSERT INTO|UPDATE|DELETE FROM) idempotency_record", transaction, re.MULTILINE)]
    assert len(keyed) == 1
    assert re.search(r"^INSERT INTO request ", keyed[0], re.MULTILINE)
    # (on PostgreSQL the hold is the main statement after the transfer and entry CTEs: indented)
    assert re.search(r"^\s*INSERT INTO ledger_hold ", keyed[0], re.MULTILINE)
    retry = api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers(Idempotency_Key="one-commit"))
    assert (retry.headers["idempotent-replayed"], retry.content) == ("true", response.content)


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite runs one writer at a time: test_agent_races_processes.py")
def test_a_duplicate_while_the_first_call_holds_the_key_is_409_at_once(api, agent):
    # given another connection inside a transaction that took the key, as a first call in flight does
    headers = agent.headers(Idempotency_Key="held")
    ledger_before, before = journal_counts(), h.business_counts()
    with get_engine().connect() as first_call, first_call.begin():
        first_call.execute(select(idempotency._LOCK), {"lock": idempotency._lock_key(agent.project_id, "held")})

        # when the same call arrives meanwhile
        response = api.post(REQUESTS, json=h.SEED_BODY, headers=headers)

    # then it is refused without waiting, and nothing ran
    assert_error(response, status=409, code="idempotency_in_progress")
    assert (journal_counts(), h.business_counts()) == (ledger_before, before)
    # … and once the first call's transaction has ended, the key is free
    assert api.post(REQUESTS, json=h.SEED_BODY, headers=headers).status_code == 201
