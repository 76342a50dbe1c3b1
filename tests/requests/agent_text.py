"""An agent's words with something to hide in every free-text field, and what an operator should
see of them under each information policy. Shared by the policy tests of the operator's readers
(service, API, dashboard states, jury)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from marketplace_app.core.db import unit_of_work
from marketplace_app.requests.visibility import AGENT_TEXT_FIELDS
from marketplace_app.work.models import ContextView

POLICIES = ("open", "redacted", "sandboxed")
TERMS = ("Falcon",)
EMAIL = "ana.garcia@bufete.es"
SECRETS = ("Falcon", EMAIL, "+34 612 345 678", "ES91 2100 0418 4502 0005 1332",
           "https://files.example.com/nda.pdf?token=s3cr3t")
SENSITIVE = ", ".join(SECRETS)
MASKED = "[name redacted], [email redacted], [phone redacted], [iban redacted], [url redacted]"
CALLBACK = "https://93.184.216.34/callback?token=agent-only"


def hostile_schema(text: str, email: str) -> dict[str, Any]:
    """An output schema carrying `text` in every descriptive keyword, `email` in a description three
    objects deep and as an `enum` value, and `text` in a property name and a custom keyword."""
    return {
        "type": "object", "title": text, "$comment": text, "x-note": text,
        "properties": {
            "client": {"type": "object", "description": text, "properties": {
                "contact": {"type": "object", "properties": {
                    "address": {"type": "string", "description": f"write to {email}",
                                "enum": [email, "other"], "default": text, "const": text,
                                "examples": [text]}}}}},
            text: {"type": "string"},
        },
    }


def fields(text: str, email: str) -> dict[str, Any]:
    """Every agent text field with `text` (and `email` where the schema hides one) in it."""
    return {"context": f"Check the NDA. {text}", "title": f"NDA {text}", "location": f"Office of {text}",
            "proof_requirements": [f"Photo of {text}", "Signed copy"], "output_schema": hostile_schema(text, email)}


WRITTEN = fields(SENSITIVE, EMAIL)
REDACTED = fields(MASKED, "[email redacted]")
HIDDEN = dict.fromkeys(AGENT_TEXT_FIELDS)
# What an operator who is not assigned sees under each policy.
BEFORE_ACCEPT = {"open": WRITTEN, "redacted": REDACTED, "sandboxed": HIDDEN}
# Redacted stays masked for the assignee too (PRODUCT §4: "before any operator sees it"); sandboxed
# reveals the brief to the assignee only.
AFTER_ACCEPT = {"open": WRITTEN, "redacted": REDACTED, "sandboxed": WRITTEN}


def request_fields(policy: str) -> dict[str, Any]:
    """Create-body fields: the policy, every text field with `SENSITIVE`, and a callback with a secret."""
    return {"information_policy": policy, **WRITTEN, "callback_url": CALLBACK}


def agent_text(body: dict[str, Any]) -> dict[str, Any]:
    """The agent text fields of an operator-facing body."""
    return {name: body[name] for name in AGENT_TEXT_FIELDS}


def context_views(request_id: str) -> int:
    """Logged views of a sandboxed request's details."""
    with unit_of_work(read_only=True) as session:
        return session.execute(select(func.count()).select_from(ContextView)
                               .where(ContextView.request_id == request_id)).scalar_one()
