"""The idempotency store: lookup, store, conflicts, expiry and the request hash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Conflict, ValidationFailed
from marketplace_app.idempotency import service as idempotency
from marketplace_app.idempotency.models import IdempotencyRecord

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HASH = idempotency.request_hash("POST", "/v1/credits/deposit-test", {"amount": "5.00EUR"})


def records() -> int:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(func.count()).select_from(IdempotencyRecord)).scalar_one()


def test_the_request_hash_ignores_field_order_but_not_values():
    assert idempotency.request_hash("POST", {"a": 1, "b": [1, 2]}) == idempotency.request_hash(
        "POST", {"b": [1, 2], "a": 1})
    assert idempotency.request_hash("POST", {"a": 1}) != idempotency.request_hash("POST", {"a": 2})
    assert idempotency.request_hash("POST", "/x", {}) != idempotency.request_hash("POST", "/y", {})
    assert len(HASH) == 64


def test_a_new_key_is_a_miss_and_a_stored_one_replays():
    # given
    with unit_of_work() as session:
        assert idempotency.lookup(session, "com_1", "k", HASH) is None
        idempotency.store(session, "com_1", "k", HASH, 201, {"id": "dep_1", "amount": "5.00EUR"})

    # when
    with unit_of_work() as session:
        stored = idempotency.lookup(session, "com_1", "k", HASH)

    # then
    assert stored == idempotency.StoredResponse(status_code=201, response_body={"id": "dep_1", "amount": "5.00EUR"})
    assert list(stored.response_body) == ["id", "amount"]


def test_the_same_key_with_another_request_is_a_conflict():
    # given
    with unit_of_work() as session:
        idempotency.store(session, "com_1", "k", HASH, 201, {})

    # when / then
    with unit_of_work() as session, pytest.raises(Conflict):
        idempotency.lookup(session, "com_1", "k", "0" * 64)


def test_keys_are_per_principal():
    # given
    with unit_of_work() as session:
        idempotency.store(session, "com_1", "k", HASH, 201, {})

    # when / then
    with unit_of_work() as session:
        assert idempotency.lookup(session, "com_2", "k", "0" * 64) is None


def test_a_second_store_of_one_key_fails_so_its_transaction_rolls_back():
    # given
    with unit_of_work() as session:
        idempotency.store(session, "com_1", "k", HASH, 201, {})

    # when / then
    with pytest.raises(IntegrityError), unit_of_work() as session:
        idempotency.store(session, "com_1", "k", HASH, 201, {})
    assert records() == 1


def test_records_live_for_their_ttl_then_the_key_is_free_again():
    # given
    clock.freeze(START)
    with unit_of_work() as session:
        idempotency.store(session, "com_1", "k", HASH, 201, {"n": 1}, ttl_hours=24)

    # when
    clock.advance(timedelta(hours=24) - timedelta(seconds=1))
    with unit_of_work() as session:
        still = idempotency.lookup(session, "com_1", "k", HASH)
    clock.advance(timedelta(seconds=1))
    with unit_of_work() as session:
        expired = idempotency.lookup(session, "com_1", "k", "0" * 64)
        idempotency.store(session, "com_1", "k", "0" * 64, 200, {"n": 2})

    # then
    assert still is not None and still.response_body == {"n": 1}
    assert expired is None
    with unit_of_work(read_only=True) as session:
        assert idempotency.lookup(session, "com_1", "k", "0" * 64).response_body == {"n": 2}


def test_purge_removes_only_expired_records():
    # given
    clock.freeze(START)
    with unit_of_work() as session:
        idempotency.store(session, "com_1", "old", HASH, 201, {}, ttl_hours=1)
        idempotency.store(session, "com_1", "new", HASH, 201, {}, ttl_hours=48)
    clock.advance(timedelta(hours=2))

    # when
    with unit_of_work() as session:
        removed = idempotency.purge_expired(session)

    # then
    assert removed == 1 and records() == 1


@pytest.mark.parametrize("key", ["", "k" * 256, "tab\tkey", "nul\x00", "ключ"])
def test_unusable_keys_are_refused(key):
    with unit_of_work() as session, pytest.raises(ValidationFailed):
        idempotency.lookup(session, "com_1", key, HASH)
