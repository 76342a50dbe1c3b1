"""Deployment settings read from environment variables (and `.env`).

Every default here is the embedded one: SQLite file, manual payment provider,
in-process scheduler. Production refuses to start with a missing or placeholder
secret.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / ".var"
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dev", "placeholder", "xxx"})
MIN_SECRET_LENGTH = 32


class Environment(StrEnum):
    """Where Handoff runs; production tightens every default."""

    development = "development"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    """All configuration, one place. Names are the environment variables."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    environment: Environment = Environment.development
    database_url: str = f"sqlite:///{VAR_DIR / 'handoff.db'}"
    redis_url: str | None = None
    secret_key: str = ""
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")

    app_url: str = "http://localhost:3000"
    api_url: str = "http://localhost:8000"
    frontend_port: int = 3000
    backend_port: int = 8000

    payment_provider: str = "manual"
    scheduler_enabled: bool = True
    scheduler_tick_seconds: int = 5
    session_ttl_hours: int = 24 * 14

    # Fees, in basis points and minor units (PRODUCT.md section 3): (exclusive upper bound of the
    # trailing 30-day spend, rate). 18 % below 5,000.00; 15 % up to and including 25,000.00; 12 % above.
    human_fee_tiers: list[tuple[int | None, int]] = [(500_000, 1800), (2_500_001, 1500), (None, 1200)]
    human_fee_min_cents: int = 200
    human_fee_cap_bps: int = 5000
    agent_fee_tier_bps: dict[str, int] = {"bronze": 1200, "silver": 1000, "gold": 800, "platinum": 600}

    # Timers (PRODUCT.md section 5), in seconds unless the name says otherwise.
    match_grace_seconds: int = 30
    work_window_percent: int = 150
    review_window_hours: int = 48
    settlement_hold_days: int = 7
    dispute_window_hours: int = 24
    appeal_window_hours: int = 48
    jury_vote_hours: int = 48
    specialist_hours: int = 72
    board_business_days: int = 5
    webhook_retry_seconds: list[int] = [300, 1800, 7200]
    # Development only: lets webhooks and callbacks reach http(s)://localhost (refused in production).
    webhooks_allow_localhost: bool = False
    key_rotation_grace_hours: int = 24
    payout_minimum_cents: int = 1000
    kyc_auto_approve: bool = False
    adjudicator_url: str | None = None
    dispute_adjudicator_url: str | None = None
    small_claims_limit_cents: int = 500
    jury_size: int = 3

    # Idempotency-Key in flight (RELIABILITY 3): a call claims its key before it acts. A duplicate
    # arriving meanwhile is answered 409 `idempotency_in_progress`; the claim of a process that
    # died frees itself after this many seconds (longer than any idempotent call may take).
    idempotency_claim_seconds: int = 60

    @model_validator(mode="after")
    def _secret_is_real(self) -> Settings:
        if self.environment is Environment.production:
            if self.secret_key.strip().lower() in PLACEHOLDER_SECRETS or len(self.secret_key) < MIN_SECRET_LENGTH:
                raise ValueError(
                    f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_LENGTH} characters in production"
                )
            if self.webhooks_allow_localhost:
                raise ValueError("WEBHOOKS_ALLOW_LOCALHOST is a development setting; production refuses it")
        elif not self.secret_key:
            self.secret_key = _development_secret()
        return self

    @property
    def is_sqlite(self) -> bool:
        """Whether the configured database is SQLite."""
        return self.database_url.startswith("sqlite")


def _development_secret() -> str:
    """Return the persisted development secret, creating it on first use."""
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings (tests call `get_settings.cache_clear()`)."""
    return Settings()
