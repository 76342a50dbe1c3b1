"""`run_idempotent` (api/idempotent.py): what a duplicate is told when its own run is refused."""

from __future__ import annotations

import json

import pytest

from marketplace_app.api.idempotent import run_idempotent
from marketplace_app.core.db import after_refusal, unit_of_work
from marketplace_app.core.errors import IdempotencyInProgress, InsufficientCredits
from marketplace_app.idempotency import service as idempotency
from tests.conftest import ON_POSTGRES

PRINCIPAL = "prj_test"
KEY = "order-7"
HASH = idempotency.request_hash("POST", "/v1/requests", {"max_price": "8.00EUR"})


def test_a_refused_duplicate_is_409_when_the_first_call_stored_its_answer_meanwhile():
    # given a call whose own run is refused (the first call with the key spent the credit), and
    # the first call's answer committed by then, as a first call in flight when this one arrived
    def refused(session):
        after_refusal(session, lambda again: idempotency.store(again, PRINCIPAL, KEY, HASH, 201, {"id": "req_1"}))
        raise InsufficientCredits("Not enough credits")

    # when it runs with the same key and body
    if ON_POSTGRES:
        # PostgreSQL: the advisory lock held by this call means no first call was in flight: the refusal stands
        with pytest.raises(InsufficientCredits):
            run_idempotent(principal=PRINCIPAL, key=KEY, request_hash=HASH, status_code=201, action=refused)
    else:
        # SQLite: the key looked free before the write transaction; a record there now was in flight
        with pytest.raises(IdempotencyInProgress):
            run_idempotent(principal=PRINCIPAL, key=KEY, request_hash=HASH, status_code=201, action=refused)

    # then a retry replays the first call's answer either way
    replay = run_idempotent(principal=PRINCIPAL, key=KEY, request_hash=HASH, status_code=201, action=refused)
    assert (replay.status_code, json.loads(replay.body)) == (201, {"id": "req_1"})
    assert replay.headers["idempotent-replayed"] == "true"


def test_a_refused_call_with_a_free_key_keeps_its_refusal_and_stores_nothing():
    # given a call refused on its own, no other call with its key anywhere
    def refused(_session):
        raise InsufficientCredits("Not enough credits")

    # when it runs with a key
    with pytest.raises(InsufficientCredits):
        run_idempotent(principal=PRINCIPAL, key=KEY, request_hash=HASH, status_code=201, action=refused)

    # then the key is still free
    with unit_of_work(read_only=True) as session:
        assert idempotency.lookup(session, PRINCIPAL, KEY, HASH) is None
