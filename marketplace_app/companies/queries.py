"""Reading companies for pages that must name them."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlmodel import Session

from marketplace_app.companies.models import Company

COMPANIES = Company.__table__


def company_names(session: Session, company_ids: Collection[str]) -> dict[str, str]:
    """The names of the companies among `company_ids`, by id (ids that name nothing are left out)."""
    if not company_ids:
        return {}
    rows = session.execute(select(COMPANIES.c.id, COMPANIES.c.name).where(COMPANIES.c.id.in_(list(company_ids))))
    return {row.id: row.name for row in rows}
