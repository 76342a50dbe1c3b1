"""Deployment settings read from environment variables (and `.env`).

Every default here is the embedded one: SQLite file, manual payment provider,
in-process scheduler. Production refuses to start with a missing or placeholder
secret.
"""

from __future__ import annotations

import os
import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    # Unset: Reflex's defaults (3000 and 8000) or the command line's --frontend-port/--backend-port.
    # Setting FRONTEND_PORT pins it, which `reflex run --backend-only` refuses.
    frontend_port: int | None = None
    backend_port: int | None = None

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

    # Credit (sec-credit). SANDBOX: whether this deployment holds no real money, so companies may
    # add test credit. Unset, it follows ENVIRONMENT (development and test are sandboxes, production
    # is not); a staging deployment that runs with ENVIRONMENT=production sets SANDBOX=true explicitly.
    sandbox: bool | None = None
    # Staff credit bank transfers by hand; one credit above this is refused as a likely typo.
    manual_credit_max_cents: int = Field(default=10_000_000, gt=0)
    # Where companies send a bank transfer (IBAN, bank, beneficiary), shown on the credits page.
    bank_transfer_details: str = ""

    # Pages people read (door-pages). With the manual payout provider, staff send each payout by
    # bank transfer within this many business days; the earnings page says so.
    manual_payout_business_days: int = Field(default=5, ge=1)

    @model_validator(mode="after")
    def _sandbox_follows_environment(self) -> Settings:
        if self.sandbox is None:
            self.sandbox = self.environment is not Environment.production
        return self

    # Browser origins and open streams (the sec-origins block). A browser page may call us with its
    # cookies (CORS, Reflex's `/_event` socket, the cookie-authenticated `/v1/ws`) only from these
    # origins. Comma-separated `scheme://host[:port]`; left empty, the origins of APP_URL and API_URL.
    # Production refuses `*`.
    allowed_origins: Annotated[list[str], NoDecode] = []
    # How often an open `/v1/ws` stream re-checks the key or session it was opened with: a revoked
    # key, a rotation past its grace or a logout closes the stream (4401) within this many seconds.
    stream_credential_check_seconds: float = Field(default=5.0, gt=0, le=60)

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        return [part for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("allowed_origins")
    @classmethod
    def _origins_are_origins(cls, origins: list[str]) -> list[str]:
        return [origin_of(origin, exact=True) for origin in origins]

    @model_validator(mode="after")
    def _origins_are_explicit(self) -> Settings:
        if not self.allowed_origins:
            self.allowed_origins = list(dict.fromkeys(origin_of(url) for url in (self.app_url, self.api_url)))
        if self.environment is Environment.production and "*" in self.allowed_origins:
            raise ValueError("ALLOWED_ORIGINS must name the public origins in production; '*' is refused")
        return self

    def allows_origin(self, origin: str) -> bool:
        """Whether a browser page of `origin` (an `Origin` header) may call us with its cookies."""
        return "*" in self.allowed_origins or origin.strip().rstrip("/").lower() in self.allowed_origins
    # sec-schema: agents' JSON Schemas (core/agent_schema.py) — the caps a schema must fit when it
    # is accepted, and the time one check of a document against it may take; then the bounds on
    # the dates the API accepts (a request's deadline, an operator's date of birth).
    agent_schema_max_bytes: int = 10_000
    agent_schema_max_depth: int = 32
    agent_schema_max_objects: int = 500
    agent_schema_check_ms: int = 1_000
    request_deadline_max_days: int = 365
    kyc_max_age_years: int = 120
    # door-proofs: signed links to proof files (uploads/links.py). A link is the credential, so it
    # lives only this long; the API and the request page hand out fresh ones on every read.
    file_link_ttl_seconds: int = Field(default=300, gt=0, le=86_400)

    # Throttling (docs/DECISIONS.md "Throttling and rate limits"). Failed sign-ins are counted per
    # account (e-mail) and per client address: from the 5th failure in a row an account waits 30 s
    # before the next attempt, doubling with each further failure up to 15 min; an account's
    # failures are forgotten 24 h after its last one, and a success clears them. 20 failures from
    # one address with no 15-minute pause stop that address for 15 min.
    login_failures_before_lockout: int = 5
    login_lockout_first_seconds: int = 30
    login_lockout_max_seconds: int = 900
    login_failure_memory_hours: int = 24
    login_failures_per_address: int = 20
    login_address_window_seconds: int = 900
    # Hourly limits of the routes that are not an agent's: per client address for sign-ups, the
    # waitlist and other public routes, per signed-in user for dashboard-session routes.
    sign_ups_per_address_per_hour: int = 10
    waitlist_joins_per_address_per_hour: int = 20
    public_requests_per_address_per_hour: int = 300
    session_requests_per_user_per_hour: int = 600
    # How many reverse proxies in front of the app append to X-Forwarded-For (0: the header is
    # ignored and the peer address is the client, because a client can write the header itself).
    trusted_proxy_hops: int = Field(default=0, ge=0)

    # Idempotency-Key in flight (RELIABILITY 3): a call claims its key before it acts. A duplicate
    # arriving meanwhile is answered 409 `idempotency_in_progress`; the claim of a process that
    # died frees itself after this many seconds (longer than any idempotent call may take).
    idempotency_claim_seconds: int = 60

    # prod-pipeline: the request pipeline. With REDIS_URL set the hourly rate-limit counters live in
    # Redis and every worker shares them; a Redis call waiting longer than this is given up and the
    # API call answered 503 `service_unavailable` (nothing counted, nothing done).
    rate_limit_redis_timeout_seconds: float = Field(default=2.0, gt=0)

    # prod-workers: backend worker processes behind the one port in production (`reflex run --env
    # prod`, granian). Several workers need Reflex's state in Redis, so without REDIS_URL there is
    # one; with it WEB_CONCURRENCY, or one per CPU core when unset (each worker keeps its own
    # database pool, so more workers than cores buy queueing, not speed).
    web_concurrency: int | None = Field(default=None, ge=1, le=64)

    @property
    def backend_workers(self) -> int:
        """How many backend worker processes production runs (1 without REDIS_URL)."""
        if not self.redis_url:
            return 1
        return self.web_concurrency or os.cpu_count() or 1
    # Scheduler sweeps (issue 13 §1): rows per write transaction of the set-based money sweeps
    # (expiry, work window, settlement releases). Each batch is one short transaction, so on SQLite
    # no sweep holds the one write lock for long (target: under 250 ms a batch on a busy 2-core
    # machine); the runner takes the next batch while they come back full.
    sweep_batch_rows: int = Field(default=500, ge=1, le=10_000)
    # The create path (issue 13 §1). The fee tier counts completed spend of today and the
    # `fee_tier_window_days` UTC days before (a day-by-day rollup, never a history scan). The skill
    # catalogue is read once per process and re-read after `skill_cache_seconds`, so a retired
    # skill is refused by every process within that time.
    fee_tier_window_days: int = Field(default=30, ge=1, le=366)
    skill_cache_seconds: float = Field(default=60.0, ge=0)
    # prod-faults: payouts through a payout service (earnings/providers.py, RELIABILITY 8).
    # PAYOUT_PROVIDER unset follows PAYMENT_PROVIDER; "http" POSTs each payout to PAYOUT_PROVIDER_URL
    # with the idempotency key `payout:<id>`. A call with no answer within the timeout leaves the
    # payout due and is tried again with the same key on the next tick.
    payout_provider: str | None = None
    payout_provider_url: str | None = None
    payout_provider_token: str = ""
    payout_provider_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    # tokens (issue 14): agents' JWTs (agents/tokens.py) and key recovery. JWT_KEYS is
    # "kid:secret,kid:secret"; new tokens are signed with JWT_CURRENT_KID and any listed kid still
    # verifies, so keys rotate by settings: add a kid, make it current, drop the old one once its
    # last token has expired (AGENT_TOKEN_TTL_SECONDS later). Development and test derive one key
    # from SECRET_KEY when JWT_KEYS is unset; production refuses to start without real ones.
    jwt_keys: Annotated[dict[str, str], NoDecode] = {}
    jwt_current_kid: str = ""
    jwt_issuer: str = "handoff"
    agent_token_ttl_seconds: int = Field(default=3600, ge=60, le=86_400)
    # A key recovery link lives this long, and one e-mail address may ask for one this often.
    key_recovery_token_minutes: int = Field(default=15, ge=1, le=1440)
    key_recovery_window_hours: int = Field(default=24, ge=1, le=24 * 30)

    @field_validator("jwt_keys", mode="before")
    @classmethod
    def _split_jwt_keys(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        pairs = [part.strip().partition(":") for part in value.split(",") if part.strip()]
        if any(not kid or not secret for kid, _, secret in pairs):
            raise ValueError("JWT_KEYS must read 'kid:secret,kid:secret'")
        return {kid.strip(): secret.strip() for kid, _, secret in pairs}

    @model_validator(mode="after")
    def _jwt_keys_are_real(self) -> Settings:
        if self.jwt_keys and self.jwt_current_kid not in self.jwt_keys:
            raise ValueError("JWT_CURRENT_KID must name one of the kids in JWT_KEYS")
        if self.environment is Environment.production:
            if not self.jwt_keys:
                raise ValueError("JWT_KEYS and JWT_CURRENT_KID must be set in production")
            for kid, secret in self.jwt_keys.items():
                if secret.strip().lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH:
                    raise ValueError(f"JWT key {kid!r} must be a random value of at least "
                                     f"{MIN_SECRET_LENGTH} characters in production")
        return self
    # register (issue 14): agent registration and activation (agents/registration.py). Registrations
    # are counted per client address and hour (each one mails an address the caller chose); the
    # activation link stays usable this many days; an organisation's first agent activates free,
    # each further one costs the fee, debited from its credits. TERMS_URL unset: APP_URL + /terms.
    agent_registrations_per_address_per_hour: int = Field(default=10, ge=1)
    agent_activation_link_days: int = Field(default=7, ge=1, le=60)
    agent_activation_fee_cents: int = Field(default=500, ge=0)
    terms_url: str | None = None
    # owners (issue 14): owner sign-in by magic link and 6-digit code (identity/magic.py). One mail
    # carries both, valid this many minutes; each new mail ends the earlier ones. Mails are counted per
    # e-mail and per client address per hour (429 past it); after this many wrong codes for an e-mail
    # its open link and code are dead (a code is guessable) and the person asks for a new mail.
    magic_link_ttl_minutes: int = Field(default=15, ge=1, le=120)
    magic_links_per_email_per_hour: int = Field(default=5, ge=1)
    magic_links_per_address_per_hour: int = Field(default=20, ge=1)
    magic_code_max_failures: int = Field(default=5, ge=1)
    # Quick start (Humai): a sandbox agent and its pk_test_ key in one public call, at most this many
    # per client address per hour; only where test mode may be offered (agents/quick_start.py).
    quick_starts_per_address_per_hour: int = Field(default=5, ge=1)
    # trust: an agent's trust score (agents/trust.py, the formula and its table in docs/AGENTS.md).
    # Every part is whole points; the total is clamped to 0-100. A new agent has the base alone.
    agent_trust_base: int = Field(default=20, ge=0, le=100)
    agent_trust_points_per_completed: int = Field(default=2, ge=0)
    agent_trust_completed_max_points: int = Field(default=40, ge=0)
    agent_trust_rating_max_points: int = Field(default=20, ge=0)
    """A 5-star average earns all of them, a 1-star average loses all; 3 stars are neutral."""
    agent_trust_rating_full_weight_count: int = Field(default=10, ge=1)
    """Ratings needed before the average counts in full (fewer count in proportion)."""
    agent_trust_points_per_dispute_won: int = Field(default=2, ge=0)
    agent_trust_disputes_won_max_points: int = Field(default=10, ge=0)
    agent_trust_points_per_dispute_lost: int = Field(default=10, ge=0)
    agent_trust_points_per_cancellation: int = Field(default=1, ge=0)
    agent_trust_cancellations_max_points: int = Field(default=20, ge=0)
    agent_trust_days_per_age_point: int = Field(default=30, ge=1)
    agent_trust_age_max_points: int = Field(default=10, ge=0)
    # The lowest score of each tier above bronze (bronze is everything below silver's).
    agent_trust_tier_floors: dict[str, int] = {"silver": 40, "gold": 60, "platinum": 80}
    # mail: the e-mail outbox's sender (mail/sender.py, the `send_mail` job). In production every
    # queued mail leaves by SMTP to SMTP_HOST:SMTP_PORT (STARTTLS unless SMTP_STARTTLS=false; a login
    # when SMTP_USERNAME is set) from MAIL_FROM, and production refuses to start without SMTP_HOST or
    # with a MAIL_FROM at localhost, or with a login sent unencrypted to a server that is not on this
    # machine. In development and test no mail leaves the machine: it is marked `kept` and read at
    # /inbox (the addressee) and /admin/emails (staff). A send the server refuses for now (4xx, no
    # connection, a timeout) is tried again after each delay of MAIL_RETRY_SECONDS, then `failed`;
    # a 5xx refusal of the recipient or the message fails at once.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65_535)
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = True
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=120)
    mail_from: str = "Handoff <no-reply@localhost>"
    mail_retry_seconds: list[int] = [60, 300, 1800, 7200]

    @model_validator(mode="after")
    def _mail_can_leave(self) -> Settings:
        if self.environment is not Environment.production:
            return self
        if not self.smtp_host.strip():
            raise ValueError("SMTP_HOST must name the mail server in production (with SMTP_PORT, SMTP_USERNAME, "
                             "SMTP_PASSWORD, SMTP_STARTTLS, MAIL_FROM): without it no sign-in link, activation "
                             "or key would ever reach anyone")
        if self.mail_from.rstrip("> ").lower().endswith("@localhost"):
            raise ValueError("MAIL_FROM must be an address of your own domain in production")
        if self.smtp_username and not self.smtp_starttls and self.smtp_host not in ("localhost", "127.0.0.1", "::1"):
            raise ValueError("SMTP_STARTTLS=false with SMTP_USERNAME would send the SMTP password unencrypted; "
                             "production allows it only to a relay on this machine")
        return self

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


def origin_of(url: str, *, exact: bool = False) -> str:
    """`scheme://host[:port]` of `url`, lower-cased as browsers send it in `Origin` (`*` stays `*`).

    Raises:
        ValueError: `url` is not http(s) with a host, or (when `exact`) carries a path, query or user.
    """
    text = url.strip().rstrip("/")
    if text == "*":
        return text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) origin such as https://handoff.example")
    if exact and (parts.path or parts.query or parts.fragment or "@" in parts.netloc):
        raise ValueError(f"{url!r} is not an origin: give only the scheme, host and port")
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}".lower()


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings (tests call `get_settings.cache_clear()`)."""
    return Settings()
