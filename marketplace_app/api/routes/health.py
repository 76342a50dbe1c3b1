"""`GET /v1/health`: liveness plus a database round trip."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from marketplace_app import __version__
from marketplace_app.api.access import access
from marketplace_app.core.clock import isoformat, now
from marketplace_app.core.db import get_engine, unit_of_work

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    version: str
    database: str
    time: str


# Not rate limited: load balancers poll it from one address, and refusing them takes the app down.
@router.get("/health", response_model=Health, openapi_extra=access("public", rate_limit="none"))
def health() -> Health:
    """Report that the service and its database answer."""
    with unit_of_work(read_only=True) as session:
        session.execute(text("SELECT 1"))
    return Health(status="ok", version=__version__, database=get_engine().dialect.name, time=isoformat(now()))
