"""FastAPI dependencies: who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from marketplace_app.core.clients import client_address as resolve_client_address
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Forbidden
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role, User
from marketplace_app.settings import get_settings

SESSION_COOKIE = "handoff_session"
# The rate limiter resolves the caller's session first; the route's own dependency reuses it.
USER_STATE_KEY = "handoff_user"


def bearer_token(request: HTTPConnection) -> str | None:
    """The `Authorization: Bearer …` token, else the dashboard's session cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.cookies.get(SESSION_COOKIE)


def current_user(request: Request) -> User:
    """Resolve the caller's `ses_…` session to an active user (401 otherwise)."""
    known = request.scope.get("state", {}).get(USER_STATE_KEY)
    if known is not None:
        return known
    with unit_of_work(read_only=True) as session:
        return identity.user_for_token(session, bearer_token(request))


def client_address(connection: HTTPConnection) -> str:
    """The caller's network address (`X-Forwarded-For` only behind `TRUSTED_PROXY_HOPS` proxies)."""
    peer = connection.client.host if connection.client else None
    return resolve_client_address(peer, connection.headers.get("x-forwarded-for"),
                                  trusted_proxy_hops=get_settings().trusted_proxy_hops)


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: Role):
    """A dependency that admits only users with one of `roles`."""

    def dependency(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden(f"This endpoint is for {' or '.join(roles)} accounts")
        return user

    return dependency


AdminUser = Annotated[User, Depends(require_role(Role.admin))]
