"""Password guessing, throttled in the identity service: per account and per client address,
growing waits, no oracle, reset on success, forgotten after a day, lifted by staff, exact under races."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Forbidden, NotFound, RateLimited, Unauthorized
from marketplace_app.identity import service as identity
from marketplace_app.identity import throttle
from marketplace_app.identity.models import LoginThrottle, Role, User
from tests import factories
from tests.support import override_settings, run_concurrently

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADDRESS = "198.51.100.7"
WRONG = "not-the-password"


@pytest.fixture
def ada() -> User:
    with unit_of_work() as session:
        return factories.make_user(session, email="ada@example.com")


def sign_in(email: str, password: str, *, address: str = ADDRESS) -> User:
    with unit_of_work() as session:
        return identity.authenticate(session, email=email, password=password, address=address)


def outcome(email: str, password: str, *, address: str = ADDRESS) -> str | int:
    """"ok", or the refusal's HTTP status."""
    try:
        sign_in(email, password, address=address)
    except (Unauthorized, RateLimited) as exc:
        return exc.status
    return "ok"


def failures_of(subject: str) -> int | None:
    with unit_of_work(read_only=True) as session:
        row = session.get(LoginThrottle, subject)
        return row.failures if row else None


def refusal(email: str, password: str, *, address: str = ADDRESS) -> RateLimited:
    with pytest.raises(RateLimited) as caught:
        sign_in(email, password, address=address)
    return caught.value


def test_five_failures_lock_the_account_for_thirty_seconds_then_waits_double(ada):
    # given
    clock.freeze(T0)
    assert [outcome(ada.email, WRONG) for _ in range(5)] == [401] * 5

    # when / then each further failure, once the wait is over, doubles the wait up to 15 minutes
    waits = []
    for _ in range(7):
        waits.append(int(refusal(ada.email, WRONG).headers["Retry-After"]))
        clock.advance(timedelta(seconds=waits[-1]))
        assert outcome(ada.email, WRONG) == 401
    assert waits == [30, 60, 120, 240, 480, 900, 900]


def test_a_locked_account_refuses_the_right_password_and_does_not_count_the_attempt(ada):
    # given
    clock.freeze(T0)
    for _ in range(5):
        outcome(ada.email, WRONG)

    # when
    refused = refusal(ada.email, factories.PASSWORD)

    # then
    assert refused.code == "rate_limited" and refused.status == 429
    assert refused.headers["Retry-After"] == "30"
    assert "temporarily locked" in refused.message and "09:00:30 UTC" in refused.message
    assert failures_of(throttle.account_subject(ada.email)) == 5
    with unit_of_work(read_only=True) as session:
        assert session.get_one(User, ada.id).last_login_at is None


def test_after_the_wait_the_right_password_signs_in_and_clears_the_account(ada):
    # given
    clock.freeze(T0)
    for _ in range(5):
        outcome(ada.email, WRONG)

    # when
    clock.advance(timedelta(seconds=30))
    user = sign_in(ada.email, factories.PASSWORD)

    # then a fresh start: five more failures before the next lock
    assert user.id == ada.id
    assert failures_of(throttle.account_subject(ada.email)) is None
    assert [outcome(ada.email, WRONG) for _ in range(6)] == [401] * 5 + [429]


def test_an_unknown_email_is_throttled_exactly_like_a_known_one(ada):
    # given
    clock.freeze(T0)

    # when
    known = [outcome(ada.email, WRONG) for _ in range(6)]
    unknown = [outcome("nobody@example.com", WRONG, address="198.51.100.8") for _ in range(6)]

    # then the same answers and the same words
    assert known == unknown == [401] * 5 + [429]
    assert refusal(ada.email, WRONG).message == refusal("nobody@example.com", WRONG, address="198.51.100.8").message


def test_the_email_is_counted_as_sign_in_looks_it_up(ada):
    # given
    clock.freeze(T0)

    # when
    for spelling in ("ADA@example.com", " ada@EXAMPLE.com ", "Ada@Example.Com", "ada@example.com", "ADA@EXAMPLE.COM"):
        assert outcome(spelling, WRONG) == 401

    # then
    assert outcome(ada.email, factories.PASSWORD) == 429


def test_failures_are_forgotten_a_day_after_the_last_one(ada):
    # given four failures
    clock.freeze(T0)
    for _ in range(4):
        outcome(ada.email, WRONG)

    # when a day passes
    clock.advance(timedelta(hours=24))

    # then the count starts again
    assert [outcome(ada.email, WRONG) for _ in range(5)] == [401] * 5
    assert failures_of(throttle.account_subject(ada.email)) == 5


def test_one_address_spraying_many_accounts_is_stopped_for_fifteen_minutes():
    # given
    clock.freeze(T0)
    with unit_of_work() as session:
        emails = [factories.make_user(session).email for _ in range(30)]

    # when one wrong password per account, all from one address
    answers = [outcome(email, WRONG) for email in emails]

    # then 20 are checked, the rest refused; another address is not
    assert answers == [401] * 20 + [429] * 10
    refused = refusal(emails[0], factories.PASSWORD)
    assert "your network" in refused.message and refused.headers["Retry-After"] == "900"
    assert outcome(emails[0], factories.PASSWORD, address="203.0.113.9") == "ok"
    clock.advance(timedelta(seconds=900))
    assert outcome(emails[1], factories.PASSWORD) == "ok"


def test_a_success_does_not_clear_the_address(ada):
    # given 19 failures from an address
    clock.freeze(T0)
    for index in range(19):
        outcome(f"guess{index}@example.com", WRONG)

    # when the attacker signs in to their own account, then fails once more
    assert outcome(ada.email, factories.PASSWORD) == "ok"
    assert outcome("guess-last@example.com", WRONG) == 401

    # then the address waits
    assert outcome(ada.email, factories.PASSWORD) == 429


def test_ipv6_addresses_are_counted_by_their_64_prefix():
    # given
    clock.freeze(T0)

    # when 20 failures come from 20 addresses of one /64
    for index in range(20):
        outcome(f"guess{index}@example.com", WRONG, address=f"2001:db8:1:2::{index + 1:x}")

    # then the whole /64 waits, another /64 does not
    assert outcome("next@example.com", WRONG, address="2001:db8:1:2:ffff::1") == 429
    assert outcome("next@example.com", WRONG, address="2001:db8:1:3::1") == 401


def test_staff_unlock_lifts_the_lock_at_once(ada):
    # given
    clock.freeze(T0)
    for _ in range(5):
        outcome(ada.email, WRONG)
    with unit_of_work() as session:
        staff = factories.make_user(session, role=Role.admin)

    # when
    with unit_of_work() as session:
        cleared = identity.unlock(session, user_id=ada.id, staff=staff)

    # then
    assert cleared is True
    assert outcome(ada.email, factories.PASSWORD) == "ok"


def test_only_staff_unlock_and_only_real_users(ada):
    # given
    with unit_of_work() as session:
        staff = factories.make_user(session, role=Role.admin)

    # when / then
    with pytest.raises(Forbidden), unit_of_work() as session:
        identity.unlock(session, user_id=ada.id, staff=ada)
    with pytest.raises(NotFound), unit_of_work() as session:
        identity.unlock(session, user_id="usr_000000000000000000000000", staff=staff)
    with unit_of_work() as session:
        assert identity.unlock(session, user_id=ada.id, staff=staff) is False


def test_the_purge_deletes_only_forgotten_failures(ada):
    # given one address whose failures are older than its window, one account still remembered
    clock.freeze(T0)
    outcome(ada.email, WRONG)
    clock.advance(timedelta(seconds=901))

    # when
    with unit_of_work() as session:
        identity.purge_expired(session)

    # then
    with unit_of_work(read_only=True) as session:
        subjects = set(session.execute(select(LoginThrottle.subject)).scalars())
    assert subjects == {throttle.account_subject(ada.email)}


def test_twenty_concurrent_failures_are_all_counted(ada, monkeypatch):
    # given thresholds no burst reaches, so every attempt is checked and fails
    override_settings(monkeypatch, login_failures_before_lockout=100, login_failures_per_address=100)

    # when
    answers = run_concurrently(20, lambda _index: outcome(ada.email, WRONG))

    # then
    assert answers == [401] * 20
    assert failures_of(throttle.account_subject(ada.email)) == 20
    assert failures_of(throttle.address_subject(ADDRESS)) == 20


def test_concurrent_failures_of_many_accounts_count_exactly_per_address():
    # when 20 threads each fail on their own account from one address
    answers = run_concurrently(20, lambda index: outcome(f"spray{index}@example.com", WRONG))

    # then
    assert answers == [401] * 20
    assert failures_of(throttle.address_subject(ADDRESS)) == 20
    assert outcome("one-more@example.com", WRONG) == 429
