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


DUMMY_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("not-a-real-password")
