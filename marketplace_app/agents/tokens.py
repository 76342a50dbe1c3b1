"""Agents' bearer tokens: short-lived JWTs (HS256, `kid` in the header) signed with keys from
settings, so keys rotate by configuration (see `Settings.jwt_keys`).

This module only signs and checks; whether the agent, its key and the token's version are still
good is one read in `agents/keys.py`. Every way a token can be wrong — garbage, another algorithm
(`none` included), an unknown `kid`, a bad signature, a missing claim, expiry — is the same
401 `unauthorized`, never a 500.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from marketplace_app.core.clock import now
from marketplace_app.core.errors import Unauthorized
from marketplace_app.settings import Settings, get_settings

ALGORITHM = "HS256"
DEVELOPMENT_KID = "dev"
# Longer than any token we issue (about 450 characters), short enough to refuse junk before parsing.
MAX_TOKEN_LENGTH = 2048
INVALID = "Missing, invalid or expired token"


@dataclass(frozen=True, slots=True)
class AgentClaims:
    """What a verified token says: whose it is and what it was issued from."""

    agent_id: str
    project_id: str
    key_id: str
    version: int
    scopes: tuple[str, ...] | None
    mode: str
    expires_at: datetime
    owner_user_id: str | None = None
    """Set when an owner's dashboard session was narrowed to this agent (`own`)."""


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A signed token and when it stops working."""

    token: str
    expires_at: datetime
    expires_in: int


def looks_like_jwt(secret: str | None) -> bool:
    """Whether a bearer credential is meant as a token (keys start with `pk_`, sessions `ses_`)."""
    return bool(secret) and secret.count(".") == 2 and not secret.startswith(("pk_", "ses_"))


def issue(*, agent_id: str, project_id: str, key_id: str, version: int, scopes: list[str] | None, mode: str,
          owner_user_id: str | None = None) -> IssuedToken:
    """Sign a token for the agent, valid `AGENT_TOKEN_TTL_SECONDS` from now."""
    settings = get_settings()
    issued_at = now().replace(microsecond=0)
    expires_at = issued_at + timedelta(seconds=settings.agent_token_ttl_seconds)
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer, "sub": agent_id, "prj": project_id, "key": key_id, "ver": version,
        "scp": scopes, "mode": mode, "iat": int(issued_at.timestamp()), "exp": int(expires_at.timestamp()),
    }
    if owner_user_id is not None:
        claims["own"] = owner_user_id
    kid, secret = current_key(settings)
    token = jwt.encode({"alg": ALGORITHM, "kid": kid}, claims, OctKey.import_key(secret), algorithms=[ALGORITHM])
    return IssuedToken(token=token, expires_at=expires_at, expires_in=settings.agent_token_ttl_seconds)


def verify(token: str | None) -> AgentClaims:
    """Check the token's signature (by its `kid`), issuer and expiry; return its claims.

    Raises:
        Unauthorized: Anything wrong with it.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorized(INVALID)
    keys = signing_keys(get_settings())
    try:
        decoded = jwt.decode(token, lambda guest: _key_for(guest.headers(), keys), algorithms=[ALGORITHM])
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise Unauthorized(INVALID) from exc
    return _claims(decoded.claims)


def signing_keys(settings: Settings) -> dict[str, str]:
    """Every key that verifies, by `kid`: `JWT_KEYS`, or one derived from `SECRET_KEY` outside production."""
    if settings.jwt_keys:
        return settings.jwt_keys
    derived = hmac.new(settings.secret_key.encode(), b"handoff agent jwt", hashlib.sha256).hexdigest()
    return {DEVELOPMENT_KID: derived}


def current_key(settings: Settings) -> tuple[str, str]:
    """The `kid` and secret new tokens are signed with."""
    keys = signing_keys(settings)
    kid = settings.jwt_current_kid if settings.jwt_keys else DEVELOPMENT_KID
    return kid, keys[kid]


def _key_for(header: dict[str, Any], keys: dict[str, str]) -> OctKey:
    kid = header.get("kid")
    if header.get("alg") != ALGORITHM or not isinstance(kid, str) or kid not in keys:
        raise ValueError("unknown key id or algorithm")
    return OctKey.import_key(keys[kid])


def _claims(claims: dict[str, Any]) -> AgentClaims:
    """The typed claims, once the issuer and the expiry (on our clock) are checked."""
    exp = claims.get("exp")
    if claims.get("iss") != get_settings().jwt_issuer or not isinstance(exp, int) or exp <= now().timestamp():
        raise Unauthorized(INVALID)
    texts = [claims.get(name) for name in ("sub", "prj", "key", "mode")]
    version = claims.get("ver")
    scopes = claims.get("scp")
    owner = claims.get("own")
    if not all(isinstance(text, str) and text for text in texts) or type(version) is not int:
        raise Unauthorized(INVALID)
    if scopes is not None and not (isinstance(scopes, list) and all(isinstance(scope, str) for scope in scopes)):
        raise Unauthorized(INVALID)
    if owner is not None and not isinstance(owner, str):
        raise Unauthorized(INVALID)
    agent_id, project_id, key_id, mode = texts
    return AgentClaims(agent_id=agent_id, project_id=project_id, key_id=key_id, version=version,
                       scopes=tuple(scopes) if scopes is not None else None, mode=mode,
                       expires_at=datetime.fromtimestamp(exp, UTC), owner_user_id=owner)
