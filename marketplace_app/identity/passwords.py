"""Password hashing with Argon2id (argon2-cffi)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from marketplace_app.settings import Environment, get_settings


@lru_cache
def _hasher(environment: Environment) -> PasswordHasher:
    if environment is Environment.test:
        # Tests hash thousands of passwords; the cost is not what they check.
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def hash_password(password: str) -> str:
    """Return an Argon2id hash of `password`."""
    return _hasher(get_settings().environment).hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches `password_hash`."""
    try:
        return _hasher(get_settings().environment).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def dummy_hash() -> str:
    """A hash made with this environment's own cost, for checking a password against no account:
    Argon2 verifies with the cost written in the hash, so only this one spends the time a real
    check spends and the answer does not tell whether the e-mail has an account."""
    return _dummy_hash(get_settings().environment)


@lru_cache
def _dummy_hash(environment: Environment) -> str:
    return _hasher(environment).hash("not-a-real-password")
