"""Queueing mail: a row in the outbox, in the caller's transaction (so a rolled-back cause sends
nothing, and a committed one is never lost)."""

from __future__ import annotations

from sqlmodel import Session

from marketplace_app.core.ids import new_id
from marketplace_app.mail.models import EmailMessage


def queue(session: Session, *, to: str, subject: str, text: str, kind: str) -> EmailMessage:
    """Add one plain-text mail to the outbox (flushed, not committed).

    Args:
        session: The transaction of the change that causes the mail.
        to: One address.
        subject: The subject line.
        text: The plain-text body.
        kind: What the mail is for (`agent_activation`, `agent_key`, `sign_in`, …).
    """
    message = EmailMessage(id=new_id("eml"), to_address=to.strip().lower(), subject=subject[:200],
                           body_text=text, kind=kind)
    session.add(message)
    session.flush()
    return message
