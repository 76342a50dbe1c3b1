"""The credential a long-lived connection was opened with, checked again while it stays open.

A stream authenticated once would otherwise outlive a revoked key, a rotation past its grace, a
logout or an expired session. Each credential keeps what the caller presented and checks it
again exactly as it was checked at the door (one indexed read), so any new reason to refuse it
(a frozen agent, a revoked token) ends open connections the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlmodel import Session

from marketplace_app.agents.keys import authenticate
from marketplace_app.identity.service import user_for_token


class Credential(Protocol):
    """Something a connection was opened with and that can be checked again."""

    def recheck(self, session: Session) -> None:
        """Check the credential again.

        Raises:
            HandoffError: The refusal the door would give now (`Unauthorized`, `Forbidden`).
        """


@dataclass(frozen=True, slots=True)
class ApiKeyCredential:
    """An agent's `pk_…` key or JWT: revoked, expired, rotated past its grace (a JWT: any rotation) ends it."""

    secret: str = field(repr=False)

    def recheck(self, session: Session) -> None:
        """Authenticate the key or token again (see `agents.keys.authenticate`)."""
        authenticate(session, self.secret)


@dataclass(frozen=True, slots=True)
class SessionCredential:
    """A dashboard `ses_…` session: logout, expiry or a frozen account ends it."""

    token: str = field(repr=False)

    def recheck(self, session: Session) -> None:
        """Resolve the session again (see `identity.service.user_for_token`)."""
        user_for_token(session, self.token)
