"""Owners and the agent's own view: sign-in by e-mail (magic link or 6-digit code), the owner's
agents (`/v1/owner/agents…`, session), the agent's profile, dashboard and heartbeat
(`/v1/agents/me…`, agent key), and the test-mode quick start."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from marketplace_app.agents import dashboard, owners
from marketplace_app.agents import quick_start as quick_starts
from marketplace_app.agents.owners import AgentOwner
from marketplace_app.agents.profile import AgentUpdate
from marketplace_app.agents.profile_public import (
    AgentDeleted,
    AgentProfilePublic,
    DashboardPublic,
    HeartbeatPublic,
    OwnedAgentList,
    QuickStartPublic,
)
from marketplace_app.api.access import OWN_ACCOUNT, SESSION, access
from marketplace_app.api.agent import Agent
from marketplace_app.api.deps import CurrentUser, client_address
from marketplace_app.api.routes.auth import NO_STORE, SessionOut, UserOut
from marketplace_app.core.clock import isoformat
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity import magic
from marketplace_app.identity import service as identity

router = APIRouter(tags=["agents"])
AGENT = access("api_key", scope=OWN_ACCOUNT)  # the agent's own account: any of its keys
# Counted per address as every public route is, and by the service itself besides: mails per e-mail
# and per address, wrong codes by the sign-in throttle, quick starts per address.
PUBLIC_AND_SERVICE = access("public")
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
             openapi_extra=PUBLIC_AND_SERVICE)
def send_magic_link(body: MagicLinkIn, request: Request) -> MagicLinkSent:
    """E-mail a sign-in link and a 6-digit code. The answer is the same whether the address has an
    account or not (the first sign-in opens one, as an agent owner)."""
    with unit_of_work() as session:
        magic.send_link(session, email=body.email, address=client_address(request))
    return MagicLinkSent(message="If the address can receive mail, a sign-in link and code are on their way.")


@router.post("/auth/magic-link/verify", response_model=SessionOut, responses=MAGIC_ERRORS,
             openapi_extra=PUBLIC_AND_SERVICE)
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


def agent_owner(user: CurrentUser) -> AgentOwner:
    """The signed-in user and the organisations whose agents they manage."""
    with unit_of_work(read_only=True) as session:
        return owners.resolve_owner(session, user.id)


Owner = Annotated[AgentOwner, Depends(agent_owner)]


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    text = {401: "No valid session or key (`unauthorized`)",
            403: "A project key without an agent, or a frozen agent (`forbidden`, `agent_frozen`)",
            404: "No such agent of yours (`not_found`)",
            409: "Frozen (`invalid_state`), or requests still in flight (`agent_has_open_work`)",
            422: "Invalid input (`validation_error`)", 429: "Rate limited (`rate_limited`)"}
    return {status: {"description": text[status]} for status in statuses}


@router.get("/owner/agents", response_model=OwnedAgentList, responses=_errors(401), openapi_extra=SESSION)
def list_owned_agents(owner: Owner) -> dict[str, Any]:
    """Every agent of the organisations where you are owner or admin: status, trust, handle and
    live spend this month."""
    with unit_of_work(read_only=True) as session:
        return {"data": owners.list_agents(session, owner=owner)}


@router.get("/owner/agents/{agent_id}", response_model=AgentProfilePublic, responses=_errors(401, 404),
            openapi_extra=SESSION)
def read_owned_agent(agent_id: str, owner: Owner) -> dict[str, Any]:
    """One of your agents: profile, trust, budget caps, spend and the organisation's balance."""
    with unit_of_work(read_only=True) as session:
        return owners.read(session, owner=owner, agent_id=agent_id)


@router.patch("/owner/agents/{agent_id}", response_model=AgentProfilePublic, responses=_errors(401, 404, 422),
              openapi_extra=SESSION)
def update_owned_agent(agent_id: str, body: AgentUpdate, owner: Owner) -> dict[str, Any]:
    """Change an agent: only the fields sent change; a budget cap sent as `null` is cleared. The
    `endpoint_url` must be a public https URL (the webhook guard)."""
    with unit_of_work() as session:
        return owners.change(session, owner=owner, agent_id=agent_id, changes=body.model_dump(exclude_unset=True))


@router.delete("/owner/agents/{agent_id}", response_model=AgentDeleted, responses=_errors(401, 404, 409),
               openapi_extra=SESSION)
def delete_owned_agent(agent_id: str, owner: Owner) -> dict[str, Any]:
    """Delete an agent: its keys stop at once, and so does every token of it. Refused with 409
    `agent_has_open_work` while it has requests in flight."""
    with unit_of_work() as session:
        agent = owners.delete(session, owner=owner, agent_id=agent_id)
    return {"id": agent.id, "handle": agent.handle, "status": agent.status, "deleted_at": isoformat(agent.deleted_at)}


@router.get("/agents/me", response_model=AgentProfilePublic, responses=_errors(401, 403, 429), openapi_extra=AGENT)
def read_me(agent: Agent) -> dict[str, Any]:
    """The calling agent: profile, trust, capabilities, status, budget caps, spend in the key's
    mode and the balance of its organisation."""
    with unit_of_work(read_only=True) as session:
        return dashboard.me(session, ctx=agent)


@router.patch("/agents/me", response_model=AgentProfilePublic, responses=_errors(401, 403, 422, 429),
              openapi_extra=AGENT)
def update_me(body: AgentUpdate, agent: Agent) -> dict[str, Any]:
    """Change the calling agent (the fields its owner may change; all optional)."""
    with unit_of_work() as session:
        return dashboard.update_me(session, ctx=agent, changes=body.model_dump(exclude_unset=True))


@router.get("/agents/me/dashboard", response_model=DashboardPublic, responses=_errors(401, 403, 429),
            openapi_extra=AGENT)
def read_dashboard(agent: Agent) -> dict[str, Any]:
    """Everything the agent's home shows in one call: the agent, its organisation's agents, recent
    requests, active count, balance, payout status, trust history, unread notifications. Parts
    that fail answer their empty default; the rest still comes back."""
    with unit_of_work(read_only=True) as session:
        return dashboard.dashboard(session, ctx=agent)


@router.post("/agents/heartbeat", response_model=HeartbeatPublic, responses=_errors(401, 403, 429),
             openapi_extra=AGENT)
def heartbeat(agent: Agent) -> dict[str, Any]:
    """Where the agent stands: status, balance, requests in flight, unread notifications, server time."""
    with unit_of_work(read_only=True) as session:
        return dashboard.heartbeat(session, ctx=agent)


class QuickStartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr = Field(min_length=1, max_length=120, examples=["My test agent"])
    owner_email: StrictStr | None = Field(default=None, max_length=254)


@router.post("/agents/quick-start", status_code=201, response_model=QuickStartPublic,
             responses={403: {"description": "Not a sandbox deployment (`forbidden`)"},
                        422: {"description": "Invalid input (`validation_error`)"},
                        429: {"description": "Too many quick starts from this address (`rate_limited`)"}},
             openapi_extra=PUBLIC_AND_SERVICE)
def quick_start(body: QuickStartIn, request: Request, response: Response) -> dict[str, Any]:
    """Sandbox deployments only: an active test agent and its `pk_test_…` key (scopes `*`) in one
    call, limited per address. Test keys move no credits; operators are simulated."""
    with unit_of_work() as session:
        made = quick_starts.quick_start(session, name=body.name, owner_email=body.owner_email,
                                        address=client_address(request))
    response.headers.update(NO_STORE)
    return {"agent_id": made.agent.id, "handle": made.agent.handle, "name": made.agent.name,
            "status": made.agent.status, "mode": "test", "api_key": made.api_key, "key_id": made.key_id,
            "scopes": ["*"], "message": "Keep this key: it is shown only now. It works in test mode only."}
