"""The mail sender (the `send_mail` job): claim due queued mails with a lease, send them outside any
transaction, record each outcome at once.

A claim moves `next_attempt_at` forward by a lease with one conditional UPDATE, so two senders never
take the same mail; a process killed mid-send leaves the mail due again after the lease (a mail may
then go twice, never zero times). Production sends by SMTP; development and test keep every mail
(`kept`, read at /inbox and /admin/emails) and open no connection. A refusal for now (4xx, no
connection, a timeout) is tried again after each delay of `mail_retry_seconds`, then `failed`; a 5xx
refusal of the recipient or of the message fails at once (sending it again cannot succeed).
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from sqlalchemy import select, update

from marketplace_app.core.clock import now
from marketplace_app.core.db import unit_of_work
from marketplace_app.mail.models import EmailMessage, EmailStatus
from marketplace_app.settings import Environment, Settings, get_settings

log = logging.getLogger(__name__)
MAILS = EmailMessage.__table__
BATCH_SIZE = 20
LEASE = timedelta(seconds=300)
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one attempt: `status` sent or kept, or None with the error (and whether to give up)."""

    status: EmailStatus | None
    error: str | None = None
    permanent: bool = False


SENT = Outcome(EmailStatus.sent)
KEPT = Outcome(EmailStatus.kept)


def send_due(limit: int = BATCH_SIZE) -> int:
    """Send (or keep) up to `limit` due mails, recording each as it goes; return how many were claimed."""
    settings = get_settings()
    claimed = claim(limit)
    if not claimed:
        return 0
    if settings.environment is not Environment.production:
        for row in claimed:
            record(row, KEPT)
        return len(claimed)
    _send_batch(claimed, settings)
    return len(claimed)


def claim(limit: int) -> list[Mapping[str, Any]]:
    """Take due queued mails with a lease (a conditional UPDATE, so two senders never share one)."""
    moment = now()
    with unit_of_work() as session:
        due = session.execute(select(MAILS.c.id).where(
            MAILS.c.status == EmailStatus.queued, MAILS.c.next_attempt_at <= moment)
            .order_by(MAILS.c.next_attempt_at, MAILS.c.id).limit(limit)).scalars().all()
        if not due:
            return []
        rows = session.execute(update(MAILS).where(
            MAILS.c.id.in_(due), MAILS.c.status == EmailStatus.queued, MAILS.c.next_attempt_at <= moment)
            .values(next_attempt_at=moment + LEASE).returning(*MAILS.c)).mappings().all()
    return sorted(rows, key=lambda row: (row["created_at"], row["id"]))


def record(row: Mapping[str, Any], outcome: Outcome) -> bool:
    """Move a claimed mail on: sent or kept, due again after the next delay, or failed.

    Returns:
        False when the mail had moved on meanwhile (its newer state stands).
    """
    moment = now()
    attempts = row["attempts"] + 1
    delays = get_settings().mail_retry_seconds
    if outcome.status is not None:
        values: dict[str, Any] = {"status": outcome.status, "sent_at": moment, "last_error": None}
    elif outcome.permanent or attempts > len(delays):
        values = {"status": EmailStatus.failed, "last_error": outcome.error}
    else:
        values = {"next_attempt_at": moment + timedelta(seconds=delays[attempts - 1]), "last_error": outcome.error}
    with unit_of_work() as session:
        moved = session.execute(update(MAILS).where(
            MAILS.c.id == row["id"], MAILS.c.status == EmailStatus.queued, MAILS.c.attempts == row["attempts"])
            .values(attempts=attempts, **values)).rowcount
    return bool(moved)


def _send_batch(claimed: list[Mapping[str, Any]], settings: Settings) -> None:
    """Send the claimed mails over one SMTP connection (re-opened after a dropped one).

    Mails left when the lease is nearly over stay claimed and go after it, so no mail is sent by
    this sender after another one may have claimed it again.
    """
    stop_at = time.monotonic() + LEASE.total_seconds() - 2 * settings.smtp_timeout_seconds
    connection: smtplib.SMTP | None = None
    unreachable: Outcome | None = None
    try:
        for row in claimed:
            if time.monotonic() > stop_at:
                break
            if unreachable is not None:  # one failed connection speaks for the batch: no timeout per mail
                record(row, unreachable)
                continue
            if connection is None:
                connection, unreachable = _open(settings)
                if unreachable is not None:
                    record(row, unreachable)
                    continue
            outcome, connection = _send_one(row, connection, settings)
            record(row, outcome)
    finally:
        _close(connection)


def _open(settings: Settings) -> tuple[smtplib.SMTP | None, Outcome | None]:
    """A ready connection, or why there is none (to retry later)."""
    try:
        return _connect(settings), None
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("mail server %s:%s not reachable (%s); due mail is tried again later", settings.smtp_host,
                    settings.smtp_port, type(exc).__name__)
        return None, Outcome(None, _describe(exc, settings))


def _send_one(row: Mapping[str, Any], connection: smtplib.SMTP,
              settings: Settings) -> tuple[Outcome, smtplib.SMTP | None]:
    """One mail through `connection`; the connection for the next one (None: open a new one)."""
    try:
        message = _mime(row, settings)
    except ValueError as exc:  # a header the policy refuses (a line break in an address): never sendable
        return Outcome(None, _describe(exc, settings), permanent=True), connection
    try:
        connection.send_message(message, from_addr=parseaddr(settings.mail_from)[1], to_addrs=[row["to_address"]])
        return SENT, connection
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
        return Outcome(None, _describe(exc, settings), permanent=_code_of(exc) >= 500), connection
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("mail %s not sent (%s); it is tried again later", row["id"], type(exc).__name__)
        _close(connection)  # its state is unknown after this: the next mail opens a new one
        return Outcome(None, _describe(exc, settings)), None


def _connect(settings: Settings) -> smtplib.SMTP:
    connection = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds)
    try:
        if settings.smtp_starttls:
            connection.starttls()
        if settings.smtp_username:
            connection.login(settings.smtp_username, settings.smtp_password.get_secret_value())
    except BaseException:
        _close(connection)
        raise
    return connection


def _close(connection: smtplib.SMTP | None) -> None:
    if connection is None:
        return
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def _mime(row: Mapping[str, Any], settings: Settings) -> MimeMessage:
    """The mail as sent: plain text, UTF-8, the outbox id as Message-ID (raises ValueError on an unsafe header)."""
    message = MimeMessage()
    message["From"] = settings.mail_from
    message["To"] = row["to_address"]
    message["Subject"] = " ".join(row["subject"].split())
    message["Date"] = format_datetime(now())
    # The same id on every try: a mail sent again after a crash is recognisably the same mail.
    message["Message-ID"] = f"<{row['id']}@{parseaddr(settings.mail_from)[1].rpartition('@')[2]}>"
    message.set_content(row["body_text"])
    return message


def _code_of(exc: smtplib.SMTPException) -> int:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return min((code for code, _ in exc.recipients.values()), default=0)
    return getattr(exc, "smtp_code", 0)


def _describe(exc: BaseException, settings: Settings) -> str:
    """The error as stored and shown to staff: its kind and the server's words, never a credential."""
    text = f"{type(exc).__name__}: {exc}"
    password = settings.smtp_password.get_secret_value()
    if password:  # a server that echoes what it was sent must not put the password into our table
        text = text.replace(password, "[redacted]")
    return text[:MAX_ERROR_LENGTH]
