"""FastAPI dependencies: who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Forbidden
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role, User

SESSION_COOKIE = "handoff_session"


def bearer_token(request: Request) -> str | None:
    """The `Authorization: Bearer …` token, else the dashboard's session cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.cookies.get(SESSION_COOKIE)


def current_user(request: Request) -> User:
    """Resolve the caller's `ses_…` session to an active user (401 otherwise)."""
    with unit_of_work(read_only=True) as session:
        return identity.user_for_token(session, bearer_token(request))


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: Role):
    """A dependency that admits only users with one of `roles`."""

    def dependency(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden(f"This endpoint is for {' or '.join(roles)} accounts")
        return user

    return dependency


AdminUser = Annotated[User, Depends(require_role(Role.admin))]
