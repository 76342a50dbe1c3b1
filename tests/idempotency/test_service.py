"""The idempotency store: claims, stored responses, conflicts, leases, expiry and the request hash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Conflict, IdempotencyInProgress, ValidationFailed
from marketplace_app.idempotency import service as idempotency
from marketplace_app.idempotency.models import IdempotencyRecord
from tests.conftest import ON_POSTGRES

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HASH = idempotency.request_hash("POST", "/v1/credits/deposit-test", {"amount": "5.00EUR"})
OTHER_HASH = "0" * 64
LEASE_SECONDS = 60


def records() -> int:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(func.count()).select_from(IdempotencyRecord)).scalar_one()


def claim(principal: str = "com_1", key: str = "k", request_hash: str = HASH):
    """Claim in a committed unit of work of its own, as the API does before acting."""
    with unit_of_work() as session:
        return idempotency.claim(session, principal, key, request_hash, lease_seconds=LEASE_SECONDS)


def complete(claimed: idempotency.Claim, body: dict, *, status_code: int = 201, ttl_hours: int = 24) -> None:
    with unit_of_work() as session:
        idempotency.complete(session, claimed, status_code, body, ttl_hours=ttl_hours)


def lookup(principal: str = "com_1", key: str = "k", request_hash: str = HASH):
    with unit_of_work(read_only=True) as session:
        return idempotency.lookup(session, principal, key, request_hash)


def test_the_request_hash_ignores_field_order_but_not_values():
    assert idempotency.request_hash("POST", {"a": 1, "b": [1, 2]}) == idempotency.request_hash(
        "POST", {"b": [1, 2], "a": 1})
    assert idempotency.request_hash("POST", {"a": 1}) != idempotency.request_hash("POST", {"a": 2})
    assert idempotency.request_hash("POST", "/x", {}) != idempotency.request_hash("POST", "/y", {})
    assert len(HASH) == 64


def test_a_new_key_is_a_miss_and_a_completed_one_replays():
    # given
    assert lookup() is None
    claimed = claim()
    assert isinstance(claimed, idempotency.Claim)

    # when
    complete(claimed, {"id": "dep_1", "amount": "5.00EUR"})

    # then both a lookup and a later claim answer with the stored response, in its order
    stored = lookup()
    assert stored == idempotency.StoredResponse(status_code=201, response_body={"id": "dep_1", "amount": "5.00EUR"})
    assert list(stored.response_body) == ["id", "amount"]
    assert claim() == stored
    assert records() == 1


def test_while_the_first_call_is_in_flight_its_duplicates_are_refused():
    # given a claimed key whose call has not finished
    claim()

    # when / then a lookup and a second claim are both told to retry later
    with pytest.raises(IdempotencyInProgress) as looked_up:
        lookup()
    with pytest.raises(IdempotencyInProgress) as claimed_again:
        claim()
    assert (looked_up.value.status, looked_up.value.code) == (409, "idempotency_in_progress")
    assert claimed_again.value.headers == {"Retry-After": "1"}
    assert records() == 1


def test_the_same_key_with_another_request_is_a_conflict_in_flight_and_after():
    # given
    claimed = claim()

    # when / then
    with pytest.raises(Conflict) as in_flight:
        claim(request_hash=OTHER_HASH)
    complete(claimed, {})
    with pytest.raises(Conflict) as after:
        lookup(request_hash=OTHER_HASH)
    assert not isinstance(in_flight.value, IdempotencyInProgress)
    assert (after.value.code, after.value.status) == ("conflict", 409)


def test_keys_are_per_principal():
    # given
    complete(claim("com_1"), {})

    # when / then
    assert lookup("com_2", request_hash=OTHER_HASH) is None
    assert isinstance(claim("com_2", request_hash=OTHER_HASH), idempotency.Claim)


def test_a_released_claim_frees_the_key_for_a_retry():
    # given a call that was refused after claiming its key
    claimed = claim()

    # when
    with unit_of_work() as session:
        idempotency.release(session, claimed)

    # then
    assert records() == 0
    assert isinstance(claim(), idempotency.Claim)


def test_a_claim_that_outlives_its_lease_is_taken_over_and_its_caller_cannot_complete():
    # given a claim whose process died (it never completed nor released)
    clock.freeze(START)
    abandoned = claim()

    # when the lease runs out and a retry claims the key
    clock.advance(timedelta(seconds=LEASE_SECONDS))
    retry = claim()

    # then the retry holds the key; the old caller's late completion or release changes nothing
    assert isinstance(retry, idempotency.Claim) and retry.claimed_at > abandoned.claimed_at
    with pytest.raises(IdempotencyInProgress), unit_of_work() as session:
        idempotency.complete(session, abandoned, 201, {"from": "abandoned"})
    with unit_of_work() as session:
        idempotency.release(session, abandoned)
    complete(retry, {"from": "retry"})
    assert lookup().response_body == {"from": "retry"}


def test_a_claim_within_its_lease_is_not_taken_over():
    # given
    clock.freeze(START)
    claim()

    # when / then
    clock.advance(timedelta(seconds=LEASE_SECONDS) - timedelta(microseconds=1))
    with pytest.raises(IdempotencyInProgress):
        claim()


def test_records_live_for_their_ttl_then_the_key_is_free_again():
    # given
    clock.freeze(START)
    complete(claim(), {"n": 1}, ttl_hours=24)

    # when
    clock.advance(timedelta(hours=24) - timedelta(seconds=1))
    still = lookup()
    clock.advance(timedelta(seconds=1))
    expired = lookup(request_hash=OTHER_HASH)
    complete(claim(request_hash=OTHER_HASH), {"n": 2}, status_code=200)

    # then
    assert still is not None and still.response_body == {"n": 1}
    assert expired is None
    assert lookup(request_hash=OTHER_HASH) == idempotency.StoredResponse(status_code=200, response_body={"n": 2})
    assert records() == 1


def test_purge_removes_expired_records_and_abandoned_claims_only():
    # given an expired response, a live one, an abandoned claim and a claim still in flight
    clock.freeze(START)
    complete(claim(key="old"), {}, ttl_hours=1)
    complete(claim(key="new"), {}, ttl_hours=48)
    claim(key="abandoned")
    clock.advance(timedelta(hours=2))
    claim(key="in-flight")

    # when
    with unit_of_work() as session:
        removed = idempotency.purge_expired(session)

    # then
    assert removed == 2 and records() == 2
    with pytest.raises(IdempotencyInProgress):
        lookup(key="in-flight")


@pytest.mark.parametrize("key", ["", "k" * 256, "tab\tkey", "nul\x00", "ключ"])
def test_unusable_keys_are_refused(key):
    with pytest.raises(ValidationFailed):
        lookup(key=key)
    with pytest.raises(ValidationFailed):
        claim(key=key)
    assert records() == 0


def take_and_store(body: dict, *, principal: str = "com_1", key: str = "k", request_hash: str = HASH,
                   looked_free: bool = True):
    """Take the key, and store `body` in the same transaction when it was free (as the API does)."""
    with unit_of_work() as session:
        stored = idempotency.take(session, principal, key, request_hash, looked_free=looked_free)
        if stored is None:
            idempotency.store(session, principal, key, request_hash, 201, body)
        return stored


def test_take_and_store_in_one_transaction_then_a_later_call_replays_it():
    # given a first call that took the key and stored its response in one transaction
    assert take_and_store({"id": "dep_1"}) is None

    # when a later call looks, and takes the key without having looked first
    looked = lookup()
    taken = take_and_store({"id": "dep_2"}, looked_free=False)

    # then both get the first response, and one record exists
    assert looked == taken == idempotency.StoredResponse(201, {"id": "dep_1"})
    assert records() == 1


def test_a_record_that_appeared_after_the_lookup_means_the_first_call_was_in_flight():
    # given a call that found the key free, while the first call then committed (SQLite order)
    assert lookup() is None
    assert take_and_store({"id": "dep_1"}) is None

    # when the waiting call takes the key: on SQLite it was in flight when this call arrived
    if ON_POSTGRES:
        # (on PostgreSQL the advisory lock answers that; a committed record is simply replayed)
        assert take_and_store({"id": "dep_2"}) == idempotency.StoredResponse(201, {"id": "dep_1"})
    else:
        with pytest.raises(IdempotencyInProgress):
            take_and_store({"id": "dep_2"})

    # and another body is a conflict either way
    with pytest.raises(Conflict):
        take_and_store({"id": "dep_3"}, request_hash=OTHER_HASH)
    assert records() == 1


def test_a_refused_call_rolls_its_taken_key_back_with_everything_else():
    # given a call that takes the key and is then refused
    with pytest.raises(ValidationFailed), unit_of_work() as session:
        assert idempotency.take(session, "com_1", "k", HASH, looked_free=True) is None
        raise ValidationFailed("refused")

    # then nothing of it remains and the key is free
    assert records() == 0
    assert take_and_store({"id": "dep_1"}) is None


def test_an_expired_record_frees_its_key_for_take():
    # given a response stored 25 hours ago
    clock.freeze(START)
    assert take_and_store({"id": "dep_1"}) is None
    clock.advance(timedelta(hours=25))

    # when the key is taken again
    assert lookup() is None
    assert take_and_store({"id": "dep_2"}) is None

    # then the new response replaced it
    assert lookup() == idempotency.StoredResponse(201, {"id": "dep_2"})


def store_after_looking(body: dict, *, request_hash: str = HASH) -> None:
    """Store `body` with the key found free by a lookup before the write transaction, without `take`
    (as the API does on SQLite, where the lookup runs before waiting for the writer lock)."""
    with unit_of_work() as session:
        idempotency.store(session, "com_1", "k", request_hash, 201, body)


def test_a_call_that_looked_stores_over_an_expired_record_without_taking_the_key():
    # given a response stored 25 hours ago, so a lookup finds the key free
    clock.freeze(START)
    assert take_and_store({"id": "dep_1"}) is None
    clock.advance(timedelta(hours=25))
    assert lookup() is None

    # when the call that looked stores its response directly
    store_after_looking({"id": "dep_2"})

    # then its response replaced the expired one
    assert lookup() == idempotency.StoredResponse(201, {"id": "dep_2"})
    assert records() == 1


def test_a_live_record_that_appeared_after_the_lookup_refuses_the_store():
    # given a key found free by a call, then stored by the first call with it
    assert lookup() is None
    assert take_and_store({"id": "dep_1"}) is None

    # when the call that looked stores: the first call was in flight when it arrived (409) ...
    with pytest.raises(IdempotencyInProgress):
        store_after_looking({"id": "dep_2"})
    # ... unless it asked for something else: then the key is simply used for another request
    with pytest.raises(Conflict):
        store_after_looking({"id": "dep_3"}, request_hash=OTHER_HASH)

    # and the first response stands
    assert lookup() == idempotency.StoredResponse(201, {"id": "dep_1"})
