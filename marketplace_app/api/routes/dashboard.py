"""The company dashboard API (`ses_…` session of a company user): projects and API keys.

Members read; owners and admins write. Another company's ids answer `404 not_found`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from marketplace_app.api.company import COMPANY, CompanyCaller
from marketplace_app.companies import service as companies
from marketplace_app.companies.models import ApiKey, Project
from marketplace_app.core import wording
from marketplace_app.core.clock import isoformat
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.money import format_money
from marketplace_app.settings import get_settings

router = APIRouter(prefix="/dashboard", tags=["dashboard"])

PolicyText = Literal["open", "redacted", "sandboxed"]
Money = Annotated[StrictStr | None, Field(default=None, max_length=32, examples=["50.00EUR"])]
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=64)]
NO_STORE = {"Cache-Control": "no-store"}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    text = {400: "The key's state forbids this (`invalid_state`)", 401: "No valid session (`unauthorized`)",
            403: "Not a company account, or a member who may only read (`forbidden`)",
            404: "No such project or key in your company (`not_found`)", 422: "Invalid input (`validation_error`)"}
    return {status: {"description": text[status]} for status in statuses}


class BudgetIn(BaseModel):
    """Spending caps as money strings; `null` means no cap."""

    model_config = ConfigDict(extra="forbid")

    max_per_request: Money
    daily: Money
    monthly: Money


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr = Field(min_length=1, max_length=120, examples=["Contract review bot"])
    information_policy: PolicyText = "redacted"
    allowed_skills: list[StrictStr] = Field(default_factory=list, max_length=50, examples=[["legal_review"]])
    redaction_terms: list[StrictStr] = Field(default_factory=list, max_length=100)
    budget: BudgetIn | None = None
    rate_limit_per_hour: int = Field(default=1000, ge=1, le=100_000, strict=True)


class ProjectUpdate(BaseModel):
    """Only the fields sent change; `budget` caps sent as `null` are cleared."""

    model_config = ConfigDict(extra="forbid")

    name: StrictStr | None = Field(default=None, min_length=1, max_length=120)
    information_policy: PolicyText | None = None
    allowed_skills: list[StrictStr] | None = Field(default=None, max_length=50)
    redaction_terms: list[StrictStr] | None = Field(default=None, max_length=100)
    budget: BudgetIn | None = None
    rate_limit_per_hour: int | None = Field(default=None, ge=1, le=100_000, strict=True)


class BudgetOut(BaseModel):
    max_per_request: str | None
    max_per_request_cents: int | None
    daily: str | None
    daily_cents: int | None
    monthly: str | None
    monthly_cents: int | None


class ProjectOut(BaseModel):
    id: str
    name: str
    information_policy: str
    allowed_skills: list[str]
    all_skills_allowed: bool
    redaction_terms: list[str]
    budget: BudgetOut
    rate_limit_per_hour: int
    created_at: str

    @classmethod
    def of(cls, project: Project) -> ProjectOut:
        caps = {"max_per_request": project.max_per_request_cents, "daily": project.daily_budget_cents,
                "monthly": project.monthly_budget_cents}
        budget = {}
        for name, cents in caps.items():
            budget[name] = None if cents is None else format_money(cents, get_settings().currency)
            budget[f"{name}_cents"] = cents
        return cls(id=project.id, name=project.name, information_policy=project.information_policy,
                   allowed_skills=project.allowed_skills, all_skills_allowed=not project.allowed_skills,
                   redaction_terms=project.redaction_terms, budget=BudgetOut(**budget),
                   rate_limit_per_hour=project.rate_limit_per_hour,
                   created_at=isoformat(project.created_at))


class ProjectList(BaseModel):
    data: list[ProjectOut]
    has_more: bool
    next_starting_after: str | None


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: StrictStr = Field(max_length=40)
    name: StrictStr = Field(min_length=1, max_length=80, examples=["production agent"])
    mode: Literal["live", "test"]
    expires_in_days: int | None = Field(default=None, ge=1, le=3650, strict=True)


class KeyOut(BaseModel):
    """A key as the dashboard shows it: never its secret or hash."""

    id: str
    project_id: str
    name: str
    mode: str
    prefix: str
    last4: str
    status: Literal["active", "rotating", "revoked", "expired"]
    created_at: str
    last_used_at: str | None
    expires_at: str | None
    revoked_at: str | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyOut:
        return cls(id=key.id, project_id=key.project_id, name=key.name, mode=key.mode, prefix=key.prefix,
                   last4=key.last4, status=companies.key_status(key), created_at=isoformat(key.created_at),
                   last_used_at=isoformat(key.last_used_at), expires_at=isoformat(key.expires_at),
                   revoked_at=isoformat(key.revoked_at))


class KeyCreated(KeyOut):
    """The new key with its secret: shown this once, never again."""

    secret: str

    @classmethod
    def issued(cls, issued: companies.IssuedKey) -> KeyCreated:
        return cls(**KeyOut.of(issued.key).model_dump(), secret=issued.secret)


class KeyRotated(KeyCreated):
    """The successor (with its secret, shown once) and the old key, valid until its `expires_at`."""

    rotated_key: KeyOut


class KeyList(BaseModel):
    data: list[KeyOut]
    has_more: bool
    next_starting_after: str | None


@router.post("/projects", status_code=201, response_model=ProjectOut, responses=_errors(401, 403, 422),
             openapi_extra=COMPANY)
def create_project(body: ProjectCreate, actor: CompanyCaller) -> ProjectOut:
    """Create a project with its policy, allowed skills, budget caps and rate limit."""
    with unit_of_work() as session:
        project = companies.add_project(session, actor=actor, fields=body.model_dump(exclude_unset=True))
    return ProjectOut.of(project)


@router.get("/projects", response_model=ProjectList, responses=_errors(401, 403, 404, 422), openapi_extra=COMPANY)
def list_projects(actor: CompanyCaller, limit: Limit = 20, starting_after: Cursor = None) -> ProjectList:
    """Your company's projects, newest first (`starting_after` a project id for the next page)."""
    with unit_of_work(read_only=True) as session:
        page = companies.list_projects(session, actor=actor, limit=limit, starting_after=starting_after)
    data = [ProjectOut.of(project) for project in page.items]
    return ProjectList(data=data, has_more=page.has_more,
                       next_starting_after=data[-1].id if page.has_more else None)


@router.get("/projects/{project_id}", response_model=ProjectOut, responses=_errors(401, 403, 404),
            openapi_extra=COMPANY)
def get_project(project_id: str, actor: CompanyCaller) -> ProjectOut:
    """One of your company's projects."""
    with unit_of_work(read_only=True) as session:
        project = companies.get_project(session, actor=actor, project_id=project_id)
    return ProjectOut.of(project)


@router.patch("/projects/{project_id}", response_model=ProjectOut, responses=_errors(401, 403, 404, 422),
              openapi_extra=COMPANY)
def update_project(project_id: str, body: ProjectUpdate, actor: CompanyCaller) -> ProjectOut:
    """Change some of a project's settings; fields left out stay as they are."""
    with unit_of_work() as session:
        project = companies.update_project(session, actor=actor, project_id=project_id,
                                           changes=body.model_dump(exclude_unset=True))
    return ProjectOut.of(project)


@router.post("/keys", status_code=201, response_model=KeyCreated, responses=_errors(401, 403, 404, 422),
             openapi_extra=COMPANY)
def create_key(body: KeyCreate, actor: CompanyCaller, response: Response) -> KeyCreated:
    """Create an API key for a project. The `secret` is in this response only: store it now."""
    with unit_of_work() as session:
        issued = companies.create_key(session, actor=actor, project_id=body.project_id, name=body.name,
                                      mode=body.mode, expires_in_days=body.expires_in_days)
    response.headers.update(NO_STORE)
    return KeyCreated.issued(issued)


@router.get("/keys", response_model=KeyList, responses=_errors(401, 403, 404, 422), openapi_extra=COMPANY)
def list_keys(actor: CompanyCaller, project_id: Annotated[str | None, Query(max_length=40)] = None,
              limit: Limit = 20, starting_after: Cursor = None) -> KeyList:
    """Your company's keys (or one project's), newest first, with computed status; never a secret."""
    with unit_of_work(read_only=True) as session:
        page = companies.list_keys(session, actor=actor, project_id=project_id, limit=limit,
                                   starting_after=starting_after)
    data = [KeyOut.of(key) for key in page.items]
    return KeyList(data=data, has_more=page.has_more, next_starting_after=data[-1].id if page.has_more else None)


@router.delete("/keys/{key_id}", response_model=KeyOut, responses=_errors(401, 403, 404), openapi_extra=COMPANY)
def revoke_key(key_id: str, actor: CompanyCaller) -> KeyOut:
    """Revoke a key at once: its next call is refused. Revoking a revoked key changes nothing."""
    with unit_of_work() as session:
        key = companies.revoke_key(session, actor=actor, key_id=key_id)
    return KeyOut.of(key)


@router.post("/keys/{key_id}/rotate", status_code=201, response_model=KeyRotated,
             responses=_errors(400, 401, 403, 404), openapi_extra=COMPANY,
             description="Issue a successor key (secret shown once); the old key keeps working for the "
                         f"rotation grace ({wording.hours(get_settings().key_rotation_grace_hours)}).")
def rotate_key(key_id: str, actor: CompanyCaller, response: Response) -> KeyRotated:
    """Issue a successor key (secret shown once); the old key keeps working for the rotation grace."""
    with unit_of_work() as session:
        issued, old = companies.rotate_key(session, actor=actor, key_id=key_id)
    response.headers.update(NO_STORE)
    return KeyRotated(**KeyCreated.issued(issued).model_dump(), rotated_key=KeyOut.of(old))
