"""Reading mail in the dashboards: staff's list of every mail (/admin/emails) and, outside
production, a person's own inbox (/inbox). Both list mail newest first and open one on a click;
its body is shown as plain text with its web addresses made into links (mail HTML is never
rendered)."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx
from sqlmodel import Session

from marketplace_app.mail import queries
from marketplace_app.ui.state.admin_queues import StaffState
from marketplace_app.ui.state.base import AppState, role_page
from marketplace_app.ui.state.company import Pages
from marketplace_app.ui.state.display import NEVER, when

MAILS_PER_PAGE = 25
PREVIEW_CHARACTERS = 120
# An http(s) address up to the next space or bracket; sentence punctuation after it stays text.
URL = re.compile(r"https?://[^\s<>\"'()\[\]]+")
TRAILING_PUNCTUATION = ".,;:!?"


@dataclasses.dataclass
class MailRow:
    """One mail as the lists show it."""

    id: str = ""
    recipient: str = ""
    subject: str = ""
    kind: str = ""
    status: str = ""
    created: str = ""
    sent: str = ""
    preview: str = ""
    error: str = ""


@dataclasses.dataclass
class BodyPart:
    """A run of a mail's text: plain, or a web address shown as a link."""

    text: str = ""
    is_link: bool = False


def linkify(text: str) -> list[BodyPart]:
    """Cut a plain-text body into text and http(s) links (nothing else becomes a link)."""
    parts: list[BodyPart] = []
    position = 0
    for match in URL.finditer(text):
        address = match.group().rstrip(TRAILING_PUNCTUATION)
        if match.start() > position:
            parts.append(BodyPart(text[position:match.start()]))
        parts.append(BodyPart(address, is_link=True))
        position = match.start() + len(address)
    if position < len(text):
        parts.append(BodyPart(text[position:]))
    return parts


def mail_row(mail: queries.Mail) -> MailRow:
    """What a list shows of a mail: when it was written and left, and the start of its text."""
    preview = " ".join(mail.text.split())
    if len(preview) > PREVIEW_CHARACTERS:
        preview = preview[:PREVIEW_CHARACTERS - 1] + "…"
    return MailRow(id=mail.id, recipient=mail.to, subject=mail.subject, kind=mail.kind.replace("_", " "),
                   status=mail.status, created=when(mail.created_at),
                   sent=when(mail.sent_at) if mail.sent_at else NEVER, preview=preview, error=mail.last_error or "")


def _listed(page: queries.Page) -> tuple[list[MailRow], dict[str, str], bool]:
    return [mail_row(mail) for mail in page.mails], {mail.id: mail.text for mail in page.mails}, page.has_more


def staff_mail_page(session: Session, *, staff_id: str, starting_after: str | None, to: str = "", kind: str = ""
                    ) -> tuple[list[MailRow], dict[str, str], bool]:
    """One page of every mail for staff (to one address, of one kind when given): the rows, each mail's
    text by id, and whether older mail follows."""
    return _listed(queries.all_mail(session, viewer_id=staff_id, limit=MAILS_PER_PAGE, starting_after=starting_after,
                                    to=to or None, kind=kind.strip().replace(" ", "_").lower() or None))


def inbox_page(session: Session, *, user_id: str, starting_after: str | None
               ) -> tuple[list[MailRow], dict[str, str], bool]:
    """One page of the user's own mail (see `staff_mail_page`)."""
    return _listed(queries.inbox(session, viewer_id=user_id, limit=MAILS_PER_PAGE, starting_after=starting_after))


class MailReader(rx.State, mixin=True):
    """A list of mail with one opened: the bodies stay on the server until a mail is opened."""

    mails: list[MailRow] = []
    loaded: bool = False
    opened: MailRow = MailRow()
    body: list[BodyPart] = []
    reading: bool = False
    _texts: dict[str, str] = {}

    @rx.event
    def open_mail(self, mail_id: str):
        """Show one listed mail's whole text."""
        chosen = [row for row in self.mails if row.id == mail_id]
        if not chosen:
            return
        self.opened = chosen[0]
        self.body = linkify(self._texts.get(mail_id, ""))
        self.reading = True

    @rx.event
    def set_reading(self, value: bool):
        """Close (or keep open) the opened mail."""
        self.reading = value


class AdminEmailsState(Pages, MailReader, StaffState):
    """Staff's list of every mail, optionally to one address and of one kind."""

    to: str = ""
    kind: str = ""

    @rx.event
    @role_page("admin")
    async def load(self):
        """Read the newest mail (the guard lets admins only)."""
        self._first_page()
        return await self._fetch()

    @rx.event
    async def filter(self, form: dict[str, str]):
        """Show only mail to the address and of the kind the form names (either may be empty)."""
        self.to = str(form.get("to") or "").strip()
        self.kind = str(form.get("kind") or "").strip()
        self._first_page()
        return await self._fetch()

    async def _fetch(self):
        self.mails, self._texts, self.has_more = await self._call(
            staff_mail_page, staff_id=await self._staff_id(), starting_after=self._cursor(), to=self.to,
            kind=self.kind)
        self._last_id = self.mails[-1].id if self.mails else ""
        self.loaded = True


class InboxState(Pages, MailReader, AppState):
    """A signed-in person's own mail, outside production only."""

    available: bool = False

    @rx.event
    async def load(self):
        """Any signed-in role; in production the page says there is nothing here and reads nothing."""
        redirect = await self._require()
        if redirect:
            return redirect
        self.available = queries.inbox_available()
        if not self.available:
            self.loaded = True
            return None
        self._first_page()
        return await self._fetch()

    async def _fetch(self):
        self.mails, self._texts, self.has_more = await self._call(
            inbox_page, user_id=self._user_id, starting_after=self._cursor())
        self._last_id = self.mails[-1].id if self.mails else ""
        self.loaded = True
