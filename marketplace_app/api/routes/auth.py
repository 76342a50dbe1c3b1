"""Sign-up, login and sessions for the dashboards and the dashboard API (`ses_…` tokens)."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from marketplace_app.api.access import PUBLIC, SESSION, access
from marketplace_app.api.deps import SESSION_COOKIE, CurrentUser, bearer_token, client_address
from marketplace_app.core.clock import isoformat
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import HandoffError
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role, User
from marketplace_app.settings import get_settings
from marketplace_app.ui.routes import LANDING_NOTICES, home_for_role

router = APIRouter(prefix="/auth", tags=["auth"])


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    display_name: str = Field(min_length=1, max_length=100)
    role: Literal["company", "operator", "agent_owner"]
    company_name: str | None = Field(default=None, max_length=120)


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    password: str = Field(max_length=256)


class UserOut(BaseModel):
    id: str
    email: str
    display_name: str
    role: str
    created_at: str

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(id=user.id, email=user.email, display_name=user.display_name, role=user.role,
                   created_at=isoformat(user.created_at))


class SessionOut(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    user: UserOut


ERRORS = {401: {"description": "Invalid credentials"}, 409: {"description": "E-mail already registered"},
          422: {"description": "Invalid input"}}
# Sign-in and sign-up are throttled by the identity service itself, the same at every door.
THROTTLED_BY_SERVICE = access("public", rate_limit="service")
# A session token must not be kept by the browser's or a proxy's cache.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@router.post("/register", status_code=201, response_model=SessionOut, responses=ERRORS,
             openapi_extra=THROTTLED_BY_SERVICE)
def register(body: RegisterIn, request: Request, response: Response) -> SessionOut:
    """Create an account (company, operator or agent owner) and sign it in."""
    form = identity.SignUp(email=body.email, password=body.password, display_name=body.display_name,
                           role=Role(body.role), company_name=body.company_name)
    with unit_of_work() as session:
        user = identity.register(session, form, address=client_address(request))
        token = identity.create_session(session, user=user)
    response.headers.update(NO_STORE)
    return SessionOut(token=token, user=UserOut.of(user))


@router.post("/login", response_model=SessionOut, responses=ERRORS, openapi_extra=THROTTLED_BY_SERVICE)
def login(body: LoginIn, request: Request, response: Response) -> SessionOut:
    """Exchange e-mail and password for a `ses_…` bearer token. Repeated failures make the account
    (or the caller's address) wait before the next attempt: `429 rate_limited` with `Retry-After`."""
    with unit_of_work() as session:
        user = identity.authenticate(session, email=body.email, password=body.password,
                                     address=client_address(request))
        token = identity.create_session(session, user=user)
    response.headers.update(NO_STORE)
    return SessionOut(token=token, user=UserOut.of(user))


@router.get("/me", response_model=UserOut, responses={401: {"description": "Not signed in"}},
            openapi_extra=SESSION)
def me(user: CurrentUser) -> UserOut:
    """Who the bearer of this session is."""
    return UserOut.of(user)


@router.post("/logout", status_code=204, openapi_extra=SESSION, responses={401: {"description": "Not signed in"}})
def logout(request: Request, _user: CurrentUser) -> Response:
    """End this session."""
    with unit_of_work() as session:
        identity.revoke_session(session, bearer_token(request) or "")
    return Response(status_code=204)


@router.get("/browser-session", include_in_schema=False, openapi_extra=PUBLIC)
def browser_session(ticket: str = "", notice: str = "") -> RedirectResponse:
    """Trade a one-time login ticket for an HttpOnly session cookie, then land on the dashboard
    (with `?notice=` passed on when it names one of `LANDING_NOTICES`)."""
    settings = get_settings()
    try:
        with unit_of_work() as session:
            user = identity.redeem_login_ticket(session, ticket[:200])
            token = identity.create_session(session, user=user, kind="browser")
    except HandoffError as exc:
        return RedirectResponse(f"{settings.app_url}/login?{urlencode({'error': exc.message})}", status_code=303)
    landing = f"{settings.app_url}{home_for_role(user.role)}"
    if notice in LANDING_NOTICES:
        landing += f"?{urlencode({'notice': notice})}"
    response = RedirectResponse(landing, status_code=303, headers=NO_STORE)
    response.set_cookie(SESSION_COOKIE, token, max_age=settings.session_ttl_hours * 3600, httponly=True,
                        samesite="lax", secure=settings.app_url.startswith("https://"), path="/")
    return response


@router.get("/browser-logout", include_in_schema=False, openapi_extra=PUBLIC)
def browser_logout(request: Request) -> RedirectResponse:
    """End the dashboard session and clear its cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with unit_of_work() as session:
            identity.revoke_session(session, token)
    response = RedirectResponse(f"{get_settings().app_url}/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
