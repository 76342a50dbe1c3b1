"""Agent registration and activation (VoxPact): `POST /v1/agents/register`, then the owner's
`GET`/`POST /v1/agents/activation/{token}`. The agent's key is e-mailed, never returned."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request

from marketplace_app.agents import registration
from marketplace_app.agents.schemas import AgentActivate, AgentRegister
from marketplace_app.api.access import PUBLIC, access
from marketplace_app.api.deps import client_address
from marketplace_app.core import wording
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.money import format_money
from marketplace_app.core.validation import ResponseShape
from marketplace_app.mail.tokens import MAX_TOKEN_LENGTH
from marketplace_app.settings import get_settings

router = APIRouter(prefix="/agents", tags=["agents"])
# Registrations are counted by the registration service itself (per client address), at every door.
COUNTED_BY_SERVICE = access("public", rate_limit="service")
TOKEN = Path(max_length=MAX_TOKEN_LENGTH, description="The secret of the activation link")
BAD_LINK = {400: {"description": "Unknown, used or expired link (`invalid_token`)"}}


class RegisteredOut(ResponseShape):
    agent_id: str
    handle: str
    status: str
    owner_email: str
    message: str


class ActivationOut(ResponseShape):
    agent_id: str
    agent_name: str
    handle: str
    owner_email: str
    fee: str
    fee_cents: int
    terms_url: str


class ActivatedOut(ResponseShape):
    agent_id: str
    status: str
    fee_charged: str
    message: str


@router.post("/register", status_code=201, response_model=RegisteredOut, openapi_extra=COUNTED_BY_SERVICE,
             responses={409: {"description": "The handle is taken (`handle_taken`)"},
                        422: {"description": "Invalid input (`validation_error`)"}})
def register_agent(body: AgentRegister, request: Request) -> RegisteredOut:
    """Register an agent. No authentication; the owner receives an activation e-mail, and the
    agent stays `pending_verification` until they activate it. Registrations are limited per
    client address and hour (`429 rate_limited` with `Retry-After`)."""
    with unit_of_work() as session:
        agent = registration.register(session, body, address=client_address(request))
    days = wording.days(get_settings().agent_activation_link_days)
    return RegisteredOut(agent_id=agent.id, handle=agent.handle, status=agent.status, owner_email=agent.owner_email,
                         message=f"An activation e-mail was sent to {agent.owner_email}; the link is valid for "
                                 f"{days}. The API key is e-mailed after activation.")


@router.get("/activation/{token}", response_model=ActivationOut, openapi_extra=PUBLIC, responses=BAD_LINK)
def activation_details(token: str = TOKEN) -> ActivationOut:
    """What the activation page shows: the agent, its owner e-mail and the fee. Does not use the link."""
    with unit_of_work(read_only=True) as session:
        details = registration.activation_details(session, secret=token)
    return ActivationOut(agent_id=details.agent_id, agent_name=details.agent_name, handle=details.handle,
                         owner_email=details.owner_email, fee=_money(details.fee_cents),
                         fee_cents=details.fee_cents, terms_url=details.terms_url)


@router.post("/activation/{token}", response_model=ActivatedOut, openapi_extra=PUBLIC, responses={
    **BAD_LINK, 402: {"description": "The fee is not covered by the organisation's credits (`insufficient_credits`); "
                                     "nothing changed and the link stays usable"},
    403: {"description": "The owner e-mail belongs to an operator or staff account"},
    422: {"description": "`accept_terms` is not true (`validation_error`)"}})
def activate_agent(body: AgentActivate, token: str = TOKEN) -> ActivatedOut:
    """Activate the agent: uses the link once, charges the fee for every agent after the
    organisation's first, and e-mails the API key to the owner (it is never returned)."""
    activated = registration.activate_and_connect(secret=token, terms=body)
    return ActivatedOut(agent_id=activated.agent_id, status="active", fee_charged=_money(activated.fee_cents),
                        message=f"The API key was e-mailed to {activated.owner_email}.")


def _money(cents: int) -> str:
    return format_money(cents, get_settings().currency)
