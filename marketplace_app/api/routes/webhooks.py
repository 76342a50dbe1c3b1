"""Webhook endpoints in the company dashboard API (`ses_…` session of a company user).

Members read; owners and admins create, change, test and replay. The signing secret is in
the create and rotate responses only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from marketplace_app.api.company import COMPANY, CompanyCaller
from marketplace_app.core import wording
from marketplace_app.core.clock import isoformat
from marketplace_app.core.db import unit_of_work
from marketplace_app.settings import get_settings
from marketplace_app.webhooks import service as webhooks
from marketplace_app.webhooks.models import WebhookEndpoint

router = APIRouter(prefix="/dashboard", tags=["webhooks"])
NO_STORE = {"Cache-Control": "no-store"}
EventType = Literal[webhooks.SUBSCRIBABLE_TYPES]  # type: ignore[valid-type]


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    text = {401: "No valid session (`unauthorized`)", 403: "Not a company account, or a read-only member (`forbidden`)",
            404: "No such project, endpoint or delivery in your company (`not_found`)",
            409: "The endpoint or delivery is not in a state that allows this (`invalid_state`)",
            422: "Invalid input, an unsafe URL, or the verification ping failed (`validation_error`)"}
    return {status: {"description": text[status]} for status in statuses}


class EndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: StrictStr = Field(max_length=2048, examples=["https://agent.example.com/hooks/handoff"])
    event_types: list[EventType] = Field(default_factory=list, max_length=50,
                                         description="Types to receive; empty means every type")
    description: StrictStr = Field(default="", max_length=200)
    save_disabled: StrictBool = Field(default=False, description="Save even if the ping fails (endpoint disabled)")


class EndpointUpdate(BaseModel):
    """Only the fields sent change; a field sent empty (`url`) or `null` is refused, not ignored."""

    model_config = ConfigDict(extra="forbid")

    # Not nullable: the `None` defaults only mark a field as left out.
    url: StrictStr = Field(default=None, min_length=1, max_length=2048)  # type: ignore[assignment]
    event_types: list[EventType] = Field(default=None, max_length=50)  # type: ignore[assignment]
    description: StrictStr = Field(default=None, max_length=200)  # type: ignore[assignment]
    enabled: StrictBool = None  # type: ignore[assignment]
    save_disabled: StrictBool = False


class DeliveryCounts(BaseModel):
    pending: int
    delivered: int
    failed: int


class EndpointOut(BaseModel):
    id: str
    project_id: str
    url: str
    description: str
    event_types: list[str]
    status: Literal["enabled", "disabled", "deleted"]
    disabled_reason: str | None
    secret_last4: str
    consecutive_failures: int
    previous_secret_expires_at: str | None
    deliveries: DeliveryCounts | None = None
    created_at: str

    @classmethod
    def of(cls, endpoint: WebhookEndpoint, counts: Mapping[str, int] | None = None) -> EndpointOut:
        return cls(id=endpoint.id, project_id=endpoint.project_id, url=endpoint.url,
                   description=endpoint.description, event_types=endpoint.event_types, status=endpoint.status,
                   disabled_reason=endpoint.disabled_reason, secret_last4=endpoint.secret_last4,
                   consecutive_failures=endpoint.consecutive_failures,
                   previous_secret_expires_at=isoformat(endpoint.previous_secret_expires_at),
                   deliveries=DeliveryCounts(**counts) if counts is not None else None,
                   created_at=isoformat(endpoint.created_at))


class EndpointSaved(EndpointOut):
    """The endpoint; `secret` (create and rotate only, shown once) and the ping's outcome."""

    secret: str | None = None
    ping_error: str | None = None


class EndpointList(BaseModel):
    data: list[EndpointOut]


class AttemptOut(BaseModel):
    attempted_at: str
    status_code: int | None
    latency_ms: int
    error: str | None


class DeliveryOut(BaseModel):
    id: int
    event_id: str
    event_type: str
    request_id: str | None
    endpoint_id: str | None
    url: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: str | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: str | None
    created_at: str
    attempt_log: list[AttemptOut] | None = None

    @classmethod
    def of(cls, row: Mapping[str, Any], attempts: list[Mapping[str, Any]] | None = None) -> DeliveryOut:
        log = None if attempts is None else [
            AttemptOut(attempted_at=isoformat(item["attempted_at"]), status_code=item["status_code"],
                       latency_ms=item["latency_ms"], error=item["error"]) for item in attempts]
        return cls(id=row["id"], event_id=row["event_id"], event_type=row["event_type"], request_id=row["request_id"],
                   endpoint_id=row["endpoint_id"], url=row["url"], status=row["status"], attempts=row["attempts"],
                   next_attempt_at=isoformat(row["next_attempt_at"]), last_status_code=row["last_status_code"],
                   last_error=row["last_error"], delivered_at=isoformat(row["delivered_at"]),
                   created_at=isoformat(row["created_at"]), attempt_log=log)


class DeliveryList(BaseModel):
    data: list[DeliveryOut]
    has_more: bool
    next_starting_after: int | None


class Replayed(BaseModel):
    queued: int


def _saved(saved: webhooks.SavedEndpoint) -> EndpointSaved:
    return EndpointSaved(**EndpointOut.of(saved.endpoint).model_dump(), secret=saved.secret,
                         ping_error=saved.ping_error)


@router.post("/projects/{project_id}/webhooks", status_code=201, response_model=EndpointSaved,
             responses=_errors(401, 403, 404, 422), openapi_extra=COMPANY)
def create_endpoint(project_id: str, body: EndpointCreate, actor: CompanyCaller, response: Response) -> EndpointSaved:
    """Add an endpoint. A signed `webhook.ping` must get a 2xx within 5 s, unless `save_disabled`.
    The `secret` is in this response only: store it now."""
    saved = webhooks.create_endpoint(actor=actor, project_id=project_id, url=body.url, types=body.event_types,
                                     description=body.description, save_disabled=body.save_disabled)
    response.headers.update(NO_STORE)
    return _saved(saved)


@router.get("/projects/{project_id}/webhooks", response_model=EndpointList, responses=_errors(401, 403, 404),
            openapi_extra=COMPANY)
def list_project_endpoints(project_id: str, actor: CompanyCaller) -> EndpointList:
    """A project's endpoints with their delivery counts."""
    with unit_of_work(read_only=True) as session:
        endpoints = webhooks.list_endpoints(session, actor=actor, project_id=project_id)
        counts = webhooks.delivery_stats(session, [endpoint.id for endpoint in endpoints])
    return EndpointList(data=[EndpointOut.of(endpoint, counts[endpoint.id]) for endpoint in endpoints])


@router.get("/webhooks/{endpoint_id}", response_model=EndpointOut, responses=_errors(401, 403, 404),
            openapi_extra=COMPANY)
def get_endpoint(endpoint_id: str, actor: CompanyCaller) -> EndpointOut:
    """One endpoint with its delivery counts."""
    with unit_of_work(read_only=True) as session:
        endpoint = webhooks.get_endpoint(session, actor=actor, endpoint_id=endpoint_id)
        counts = webhooks.delivery_stats(session, [endpoint.id])[endpoint.id]
    return EndpointOut.of(endpoint, counts)


@router.patch("/webhooks/{endpoint_id}", response_model=EndpointSaved, responses=_errors(401, 403, 404, 422),
              openapi_extra=COMPANY)
def update_endpoint(endpoint_id: str, body: EndpointUpdate, actor: CompanyCaller) -> EndpointSaved:
    """Change the URL, the event types, the description, or enable/disable. A new URL or
    enabling pings first (a failure is a 422 unless `save_disabled`)."""
    changes = body.model_dump(exclude_unset=True, exclude={"save_disabled"})
    return _saved(webhooks.update_endpoint(actor=actor, endpoint_id=endpoint_id, changes=changes,
                                           save_disabled=body.save_disabled))


@router.delete("/webhooks/{endpoint_id}", response_model=EndpointOut, responses=_errors(401, 403, 404),
               openapi_extra=COMPANY)
def delete_endpoint(endpoint_id: str, actor: CompanyCaller) -> EndpointOut:
    """Delete an endpoint: nothing more is sent to it; its queued deliveries are marked failed."""
    with unit_of_work() as session:
        endpoint = webhooks.delete_endpoint(session, actor=actor, endpoint_id=endpoint_id)
    return EndpointOut.of(endpoint)


@router.post("/webhooks/{endpoint_id}/rotate-secret", status_code=201, response_model=EndpointSaved,
             responses=_errors(401, 403, 404), openapi_extra=COMPANY,
             description="A new signing secret (in this response only). For "
                         f"{wording.hours(get_settings().key_rotation_grace_hours)} deliveries carry a `v1` "
                         "for each secret.")
def rotate_secret(endpoint_id: str, actor: CompanyCaller, response: Response) -> EndpointSaved:
    """A new signing secret (in this response only); the old one also signs during the grace."""
    with unit_of_work() as session:
        saved = webhooks.rotate_secret(session, actor=actor, endpoint_id=endpoint_id)
        session.expunge(saved.endpoint)
    response.headers.update(NO_STORE)
    return _saved(saved)


@router.post("/webhooks/{endpoint_id}/test", status_code=202, response_model=DeliveryOut,
             responses=_errors(401, 403, 404, 409), openapi_extra=COMPANY)
def send_test(endpoint_id: str, actor: CompanyCaller) -> DeliveryOut:
    """Queue a `webhook.test` event to this endpoint; it is sent within seconds and logged."""
    with unit_of_work() as session:
        row = webhooks.send_test(session, actor=actor, endpoint_id=endpoint_id)
    return DeliveryOut.of(row)


@router.get("/webhooks/{endpoint_id}/deliveries", response_model=DeliveryList,
            responses=_errors(401, 403, 404, 422), openapi_extra=COMPANY)
def list_deliveries(endpoint_id: str, actor: CompanyCaller,
                    status: Literal["pending", "delivered", "failed"] | None = None,
                    limit: Annotated[int, Query(ge=1, le=100)] = 20,
                    starting_after: Annotated[int | None, Query(ge=1, le=2**62)] = None) -> DeliveryList:
    """The endpoint's delivery log, newest first (`starting_after` a delivery id for the next page)."""
    with unit_of_work(read_only=True) as session:
        rows, has_more = webhooks.list_deliveries(session, actor=actor, endpoint_id=endpoint_id, status=status,
                                                  limit=limit, starting_after=starting_after)
    data = [DeliveryOut.of(row) for row in rows]
    return DeliveryList(data=data, has_more=has_more, next_starting_after=data[-1].id if has_more else None)


@router.get("/webhook-deliveries/{delivery_id}", response_model=DeliveryOut, responses=_errors(401, 403, 404),
            openapi_extra=COMPANY)
def get_delivery(delivery_id: Annotated[int, Path(ge=1, le=2**62)], actor: CompanyCaller) -> DeliveryOut:
    """One delivery with every attempt: time, status code, latency and our error (never the receiver's body)."""
    with unit_of_work(read_only=True) as session:
        row, attempts = webhooks.get_delivery(session, actor=actor, delivery_id=delivery_id)
    return DeliveryOut.of(row, attempts)


@router.post("/webhook-deliveries/{delivery_id}/replay", status_code=202, response_model=DeliveryOut,
             responses=_errors(401, 403, 404, 409), openapi_extra=COMPANY)
def replay_delivery(delivery_id: Annotated[int, Path(ge=1, le=2**62)], actor: CompanyCaller) -> DeliveryOut:
    """Send a delivered or failed event again, now (same `event_id`, fresh retry schedule)."""
    with unit_of_work() as session:
        row = webhooks.replay(session, actor=actor, delivery_id=delivery_id)
    return DeliveryOut.of(row)


@router.post("/webhooks/{endpoint_id}/replay-failed", status_code=202, response_model=Replayed,
             responses=_errors(401, 403, 404, 409), openapi_extra=COMPANY)
def replay_failed(endpoint_id: str, actor: CompanyCaller) -> Replayed:
    """Queue every failed delivery of this endpoint again."""
    with unit_of_work() as session:
        queued = webhooks.replay_failed(session, actor=actor, endpoint_id=endpoint_id)
    return Replayed(queued=queued)
