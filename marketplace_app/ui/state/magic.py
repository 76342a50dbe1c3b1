"""Sign-in by e-mail in the browser: ask for a mail on the login page, then type its code there or
open its link (`/auth/magic/[token]`). Either ends in a one-time ticket the API trades for the
session cookie, as the password form does."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.core.errors import HandoffError
from marketplace_app.identity import magic
from marketplace_app.identity import service as identity
from marketplace_app.mail import tokens
from marketplace_app.ui.state.auth import AuthFormState

# The token of a link is long; anything far longer names nothing.
MAX_TOKEN_CHARS = 200


def send_mail(session: Session, *, email: str, address: str) -> str:
    """Queue the sign-in mail; the normalised address it goes to."""
    magic.send_link(session, email=email, address=address)
    return identity.normalize_email(email)


def code_ticket(session: Session, *, email: str, code: str, address: str) -> str:
    """Sign in with a mailed code; a one-time browser login ticket."""
    signed_in = magic.verify_code(session, email=email, code=code, address=address)
    return identity.issue_login_ticket(session, user=signed_in.user)


def link_ticket(session: Session, *, token: str) -> str:
    """Sign in with a mailed link; a one-time browser login ticket."""
    signed_in = magic.verify_link(session, token=token)
    return identity.issue_login_ticket(session, user=signed_in.user)


def link_email(session: Session, *, token: str) -> str:
    """Whom an unused link would sign in (shown before the person confirms)."""
    return tokens.peek(session, purpose=magic.PURPOSE, secret=token).subject


class MagicState(AuthFormState):
    """The login page's "E-mail me a sign-in link": the e-mail step, then the code step."""

    showing: bool = False
    sent_to: str = ""

    @rx.event
    def start(self):
        """Show the e-mail step."""
        self.showing, self.sent_to, self.error, self.busy = True, "", "", False

    @rx.event
    async def send(self, form: dict[str, Any]):
        """Ask for the mail; then show "Check your inbox" and the code field."""
        self.error, self.busy = "", True
        yield
        try:
            self.sent_to = await self._call(send_mail, email=str(form.get("magic_email", "")),
                                            address=self._client_address())
        except HandoffError as exc:
            self.error = exc.message
        self.busy = False

    @rx.event
    async def verify(self, form: dict[str, Any]):
        """Sign in with the typed code."""
        code = str(form.get("magic_code", "")).replace(" ", "")
        async for update in self._submit(code_ticket, email=self.sent_to, code=code, address=self._client_address()):
            yield update


class MagicLinkState(AuthFormState):
    """`/auth/magic/[token]`: whom the link signs in, and the button that does it.

    The link is used only on the click: mail scanners that open links must not use it up.
    """

    email: str = ""

    def _token(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:MAX_TOKEN_CHARS]

    @rx.event
    async def load(self):
        """Read whom the link is for (without using it)."""
        self.email, self.error, self.busy = "", "", False
        try:
            self.email = await self._call(link_email, token=self._token())
        except HandoffError as exc:
            self.error = exc.message

    @rx.event
    async def finish(self):
        """Use the link and land signed in on the role's home."""
        async for update in self._submit(link_ticket, token=self._token()):
            yield update
