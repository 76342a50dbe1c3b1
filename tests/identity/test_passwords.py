"""Password hashing: tests hash with a cheap Argon2id cost (`ENVIRONMENT=test`, set by `tests/conftest.py`,
because the suite hashes thousands of passwords); every other environment keeps the full cost."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters

from marketplace_app.identity.passwords import dummy_hash, hash_password, verify_password
from marketplace_app.settings import Environment, get_settings

FULL_COST = PasswordHasher()


@pytest.mark.parametrize("environment", [env for env in Environment if env is not Environment.test])
def test_outside_tests_passwords_are_hashed_at_argon2s_full_cost(environment: Environment,
                                                                 monkeypatch: pytest.MonkeyPatch):
    # given a deployment that is not the test suite
    monkeypatch.setenv("ENVIRONMENT", environment.value)
    get_settings.cache_clear()
    try:
        # when a password is hashed
        hashed = hash_password("a-long-enough-password-2026")

        # then at argon2-cffi's default cost, and it verifies
        parameters = extract_parameters(hashed)
        assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
            FULL_COST.time_cost, FULL_COST.memory_cost, FULL_COST.parallelism)
        assert verify_password(hashed, "a-long-enough-password-2026")
    finally:
        monkeypatch.setenv("ENVIRONMENT", "test")
        get_settings.cache_clear()


def test_the_suite_itself_hashes_cheaply():
    assert extract_parameters(hash_password("a-long-enough-password-2026")).time_cost < FULL_COST.time_cost


@pytest.mark.parametrize("environment", [env for env in Environment if env is not Environment.test])
def test_a_sign_in_for_no_account_spends_a_real_checks_cost(environment: Environment,
                                                           monkeypatch: pytest.MonkeyPatch):
    # given a deployment that is not the test suite
    monkeypatch.setenv("ENVIRONMENT", environment.value)
    get_settings.cache_clear()
    try:
        # when the hash an unknown e-mail is checked against is made
        parameters = extract_parameters(dummy_hash())

        # then it carries the full cost, so the check takes as long as a real one
        assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
            FULL_COST.time_cost, FULL_COST.memory_cost, FULL_COST.parallelism)
    finally:
        monkeypatch.setenv("ENVIRONMENT", "test")
        get_settings.cache_clear()
