"""Agents' keys and tokens: a JWT for a key, its refresh, an owner's session narrowed to one agent,
key rotation and key recovery by e-mail (PRODUCT §11; VoxPact's flow, AUTX's scoped keys).

A JWT authenticates every agent route as the key it came from does (`Authorization: Bearer <jwt>`).
A new key is only ever mailed to the agent's owner: no answer here contains one.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from marketplace_app.agents import keys as agent_keys
from marketplace_app.agents import rotation
from marketplace_app.api.access import OWN_ACCOUNT, PUBLIC, SESSION, access
from marketplace_app.api.agent import Agent, api_key
from marketplace_app.api.deps import CurrentUser
from marketplace_app.core.clock import isoformat
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.wording import hours
from marketplace_app.settings import get_settings

router = APIRouter(prefix="/agents", tags=["agents"])
AGENT_KEY = access("api_key", scope=OWN_ACCOUNT)  # the agent's own token and key: any of its keys
# A token is a credential: no browser or proxy cache may keep it.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_key: str = Field(max_length=200)
    owner_email: str | None = Field(default=None, max_length=254)


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["live", "test"] = "live"


class RecoverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254, pattern=r"^ *[^\s@\x00-\x1f]+@[^\s@\x00-\x1f]+ *$")


class ExchangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(max_length=200)


class TokenOut(BaseModel):
    token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    expires_at: str
    agent_id: str

    @classmethod
    def of(cls, given: agent_keys.AgentToken) -> TokenOut:
        return cls(token=given.issued.token, expires_in=given.issued.expires_in,
                   expires_at=isoformat(given.issued.expires_at), agent_id=given.agent_id)


class KeyReplacedOut(BaseModel):
    agent_id: str
    key_id: str
    key_prefix: str
    key_last4: str
    mailed_to: str
    """The owner's address, masked: the new key went there and nowhere else."""
    revoked_key_ids: list[str]
    sessions_ended: bool = True

    @classmethod
    def of(cls, replaced: rotation.Replaced) -> KeyReplacedOut:
        return cls(agent_id=replaced.agent_id, key_id=replaced.key_id, key_prefix=replaced.prefix,
                   key_last4=replaced.last4, mailed_to=replaced.mailed_to, revoked_key_ids=replaced.revoked_key_ids)


class RecoveryAcceptedOut(BaseModel):
    status: Literal["accepted"] = "accepted"
    message: str


ERRORS = {401: {"description": "Invalid key or token"}, 403: {"description": "Agent frozen"}}


@router.post("/auth/token", response_model=TokenOut, responses=ERRORS, openapi_extra=PUBLIC)
def token(body: TokenIn, response: Response) -> TokenOut:
    """Exchange an agent's API key for a JWT valid for `AGENT_TOKEN_TTL_SECONDS` (`owner_email`, when given,
    must be the agent's owner's)."""
    with unit_of_work(read_only=True) as session:
        given = agent_keys.token_for_key(session, api_key=body.api_key, owner_email=body.owner_email)
    response.headers.update(NO_STORE)
    return TokenOut.of(given)


@router.post("/auth/refresh", response_model=TokenOut, responses=ERRORS, openapi_extra=AGENT_KEY)
def refresh(agent: Agent, request: Request, response: Response) -> TokenOut:
    """A fresh JWT for a valid one (`Authorization: Bearer <jwt>`), for the same agent and key."""
    with unit_of_work(read_only=True) as session:
        given = agent_keys.refresh(session, token=api_key(request))
    response.headers.update(NO_STORE)
    return TokenOut.of(given)


@router.post("/rotate-key", response_model=KeyReplacedOut, responses=ERRORS, openapi_extra=AGENT_KEY)
def rotate_key(agent: Agent) -> KeyReplacedOut:
    """Replace the calling key (or the JWT's key): the new one is mailed to the owner; the old key and every
    JWT of the agent stop working at once."""
    with unit_of_work() as session:
        return KeyReplacedOut.of(rotation.rotate(session, ctx=agent))


@router.post("/recover-key", status_code=202, response_model=RecoveryAcceptedOut, openapi_extra=PUBLIC,
             responses={429: {"description": "This address asked within the window"}})
def recover_key(body: RecoverIn) -> RecoveryAcceptedOut:
    """Mail the owner of `email` a single-use recovery token for each of their agents. The answer is the same
    whether or not the address owns agents; one address may ask once per `KEY_RECOVERY_WINDOW_HOURS`."""
    with unit_of_work() as session:
        rotation.request_recovery(session, email=body.email)
    window = hours(get_settings().key_recovery_window_hours)
    return RecoveryAcceptedOut(message="If this address owns active agents, a recovery mail is on its way. "
                                       f"One address can ask once every {window}.")


@router.post("/recover-key/exchange", response_model=KeyReplacedOut, openapi_extra=PUBLIC,
             responses={400: {"description": "Invalid, used or expired token"}, **ERRORS})
def exchange_recovery(body: ExchangeIn) -> KeyReplacedOut:
    """Use a recovery token: the agent's keys are revoked, a new key is mailed, every session ends."""
    with unit_of_work() as session:
        return KeyReplacedOut.of(rotation.exchange_recovery(session, token=body.token))


@router.post("/{agent_id}/session", response_model=TokenOut, openapi_extra=SESSION,
             responses={404: {"description": "Not an agent of yours"}, **ERRORS})
def owner_session(agent_id: str, user: CurrentUser, response: Response, body: SessionIn | None = None) -> TokenOut:
    """Narrow the owner's signed-in session to one agent: a JWT acting as the agent (its newest key of `mode`),
    refused as soon as the owner is no longer an owner or admin of the agent's organisation."""
    with unit_of_work(read_only=True) as session:
        given = agent_keys.owner_session(session, user=user, agent_id=agent_id, mode=(body or SessionIn()).mode)
    response.headers.update(NO_STORE)
    return TokenOut.of(given)
