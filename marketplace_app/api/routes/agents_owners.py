"""Owners and the agent's own view: sign-in by e-mail (magic link or 6-digit code), the owner's
agents (`/v1/owner/agents…`, session), the agent's profile, dashboard and heartbeat
(`/v1/agents/me…`, agent key), and the test-mode quick start."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from marketplace_app.api.access import access
from marketplace_app.api.deps import client_address
from marketplace_app.api.routes.auth import NO_STORE, SessionOut, UserOut
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity import magic
from marketplace_app.identity import service as identity

router = APIRouter(tags=["agents"])
# Counted by the service itself, per e-mail and per address (and wrong codes by the sign-in throttle).
THROTTLED_BY_SERVICE = access("public", rate_limit="service")
MAGIC_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Link or code wrong, used, expired or replaced by a newer mail (`invalid_token`)"},
    403: {"description": "The account is frozen (`forbidden`)"},
    422: {"description": "Invalid input (`validation_error`)"},
    429: {"description": "Too many mails or wrong codes (`rate_limited`): wait `Retry-After` seconds"},
}


class MagicLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: StrictStr = Field(max_length=254, examples=["owner@example.com"])


class MagicLinkSent(BaseModel):
    status: str = "sent"
    message: str


class MagicVerifyIn(BaseModel):
    """Either the link's `token`, or the `email` and the 6-digit `code` of the same mail."""

    model_config = ConfigDict(extra="forbid")

    token: StrictStr | None = Field(default=None, max_length=200)
    email: StrictStr | None = Field(default=None, max_length=254)
    code: StrictStr | None = Field(default=None, max_length=12, examples=["042917"])

    @model_validator(mode="after")
    def _one_way(self) -> MagicVerifyIn:
        if (self.token is None) == (self.email is None or self.code is None):
            raise ValueError("send either token, or email and code")
        return self


@router.post("/auth/magic-link", status_code=202, response_model=MagicLinkSent, responses=MAGIC_ERRORS,
             openapi_extra=THROTTLED_BY_SERVICE)
def send_magic_link(body: MagicLinkIn, request: Request) -> MagicLinkSent:
    """E-mail a sign-in link and a 6-digit code. The answer is the same whether the address has an
    account or not (the first sign-in opens one, as an agent owner)."""
    with unit_of_work() as session:
        magic.send_link(session, email=body.email, address=client_address(request))
    return MagicLinkSent(message="If the address can receive mail, a sign-in link and code are on their way.")


@router.post("/auth/magic-link/verify", response_model=SessionOut, responses=MAGIC_ERRORS,
             openapi_extra=THROTTLED_BY_SERVICE)
def verify_magic_link(body: MagicVerifyIn, request: Request, response: Response) -> SessionOut:
    """Trade the mailed link's token, or the e-mail and its code, for a `ses_…` bearer token. Each
    works once, and using one ends the other."""
    with unit_of_work() as session:
        if body.token is not None:
            signed_in = magic.verify_link(session, token=body.token)
        else:
            signed_in = magic.verify_code(session, email=body.email or "", code=body.code or "",
                                          address=client_address(request))
        token = identity.create_session(session, user=signed_in.user)
    response.headers.update(NO_STORE)
    return SessionOut(token=token, user=UserOut.of(signed_in.user))
