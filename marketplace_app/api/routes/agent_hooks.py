"""`POST /hooks/agent`: one inbound endpoint for agent frameworks, with `action`
create_request / check_status / cancel_request and the same auth and fields as REST."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError

from marketplace_app.api.access import access
from marketplace_app.api.agent import Agent
from marketplace_app.api.errors import describe_validation
from marketplace_app.api.routes import requests as rest
from marketplace_app.core.errors import ValidationFailed
from marketplace_app.requests.public import RequestCancelled, RequestCreated, RequestPublic
from marketplace_app.requests.schemas import RequestCreate

router = APIRouter(prefix="/hooks", tags=["agent hook"])
ACTIONS = ("create_request", "check_status", "cancel_request")


class ByRequestId(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request_id: str


def _parse(model: type[BaseModel], payload: dict[str, Any]) -> Any:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise ValidationFailed(describe_validation(exc)) from exc


@router.post("/agent", openapi_extra=access("api_key", scope="requests"),
             response_model=RequestCreated | RequestPublic | RequestCancelled,
             responses={401: {"description": "Invalid key"}, 402: {"description": "Not enough credits"},
                        404: {"description": "Unknown request"}, 422: {"description": "Invalid input"}})
def agent_hook(agent: Agent, payload: dict[str, Any] = Body(examples=[{  # noqa: B008
        "action": "check_status", "request_id": "req_a1b2c3d4e5f6a1b2c3d4e5f6"}]),
        idempotency_key: rest.IdempotencyKey = None) -> JSONResponse:
    """Dispatch `action` to the matching REST call (`Idempotency-Key` works as on REST)."""
    action: Literal["create_request", "check_status", "cancel_request"] | Any = payload.pop("action", None)
    if action == "create_request":
        return rest.create_for(agent, _parse(RequestCreate, payload), idempotency_key)
    if action == "check_status":
        return JSONResponse(rest.read_request(agent, _parse(ByRequestId, payload).request_id))
    if action == "cancel_request":
        return rest.cancel_request(_parse(ByRequestId, payload).request_id, agent, idempotency_key)
    raise ValidationFailed(f"action must be one of: {', '.join(ACTIONS)}")
