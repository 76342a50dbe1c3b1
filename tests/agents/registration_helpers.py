"""Shared steps of the registration and activation tests: register by API, read the mails."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from marketplace_app.core.db import unit_of_work
from marketplace_app.mail.models import EmailMessage

LINK = re.compile(r"/activate/(\S+)")
KEY = re.compile(r"\b(pk_(?:live|test)_\S+)")


def body(**overrides: Any) -> dict[str, Any]:
    """A valid registration body."""
    return {"name": "Contract Checker", "owner_email": "owner@example.com", "description": "Checks NDAs.",
            "category": "legal", "capabilities": ["nda-review", "spanish"], **overrides}


def register(client: TestClient, **overrides: Any) -> dict[str, Any]:
    """Register through the API; the 201 body."""
    response = client.post("/v1/agents/register", json=body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def mails(kind: str, to: str | None = None) -> list[EmailMessage]:
    """The queued mails of `kind` (to one address), oldest first."""
    with unit_of_work(read_only=True) as session:
        statement = select(EmailMessage).where(EmailMessage.kind == kind).order_by(EmailMessage.created_at)
        if to is not None:
            statement = statement.where(EmailMessage.to_address == to)
        return list(session.execute(statement).scalars())


def activation_secret(to: str = "owner@example.com", index: int = -1) -> str:
    """The secret of an activation link mailed to `to`."""
    match = LINK.search(mails("agent_activation", to)[index].body_text)
    assert match is not None
    return match.group(1)


def mailed_key(to: str = "owner@example.com", index: int = -1) -> str:
    """The API key mailed to `to`."""
    match = KEY.search(mails("agent_key", to)[index].body_text)
    assert match is not None
    return match.group(1)
