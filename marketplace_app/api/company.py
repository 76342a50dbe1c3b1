"""The company front-door dependency: a signed-in company user resolved to their membership."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from marketplace_app.api.access import access
from marketplace_app.api.deps import require_role
from marketplace_app.companies.access import CompanyActor, resolve_actor
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role, User

COMPANY = access("company")


def company_actor(user: Annotated[User, Depends(require_role(Role.company))]) -> CompanyActor:
    """Resolve the caller's company and role (401 without a session, 403 for other roles)."""
    with unit_of_work(read_only=True) as session:
        return resolve_actor(session, user.id)


CompanyCaller = Annotated[CompanyActor, Depends(company_actor)]
