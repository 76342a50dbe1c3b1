"""The mail sender against a real SMTP server on loopback: kept outside production, sent once in
production, refusals tried again later, failed after the last try, two senders never sending one
mail twice, and the SMTP password never stored or logged."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from marketplace_app.core import clock
from marketplace_app.core.db import get_engine, unit_of_work
from marketplace_app.mail import sender
from marketplace_app.mail import service as mail
from marketplace_app.mail.models import EmailMessage, EmailStatus
from marketplace_app.settings import get_settings
from tests.mail.smtp_server import SmtpServer
from tests.support import run_concurrently

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
PASSWORD = "smtp-password-0f9e8d7c"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Run as production with the SMTP settings a test gives (no TLS on loopback)."""
    def configure(port: int, **values: str) -> None:
        for name, value in {"ENVIRONMENT": "production", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
                            "SMTP_STARTTLS": "false", "MAIL_FROM": "Handoff <no-reply@handoff.test>",
                            "MAIL_RETRY_SECONDS": "[60, 300]", **values}.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield configure
    get_settings.cache_clear()


def queue(to: str = "person@example.com", subject: str = "Your sign-in code") -> str:
    with unit_of_work() as session:
        return mail.queue(session, to=to, subject=subject, text="Your code is 123456.\nhttps://handoff.test/x",
                          kind="sign_in").id


def stored(mail_id: str) -> EmailMessage:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(EmailMessage).where(EmailMessage.id == mail_id)).scalars().one()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_outside_production_a_mail_is_kept_and_no_connection_is_made(smtp, monkeypatch):
    # given (the test environment, with a mail server named all the same)
    monkeypatch.setenv("SMTP_PORT", str(smtp.port))
    get_settings.cache_clear()
    mail_id = queue()

    # when
    claimed = sender.send_due()

    # then
    row = stored(mail_id)
    assert claimed == 1
    assert (row.status, row.attempts, row.last_error) == (EmailStatus.kept, 1, None)
    assert row.sent_at is not None
    assert smtp.received == []
    assert sender.send_due() == 0


def test_in_production_a_due_mail_is_sent_by_smtp_once(smtp, production):
    # given
    production(smtp.port)
    mail_id = queue(subject="Activate your agent")

    # when
    sender.send_due()
    sender.send_due()

    # then
    row = stored(mail_id)
    assert (row.status, row.attempts) == (EmailStatus.sent, 1)
    assert len(smtp.received) == 1
    message = smtp.received[0]
    assert (message.mail_from, message.rcpt_to) == ("no-reply@handoff.test", ["person@example.com"])
    assert "Subject: Activate your agent" in message.data
    assert "Your code is 123456." in message.data
    assert f"Message-ID: <{mail_id}@handoff.test>" in message.data


def test_a_4xx_refusal_is_tried_again_after_the_first_delay(smtp, production):
    # given
    production(smtp.port)
    smtp.data_replies.append("451 4.3.0 Mailbox busy, try later")
    clock.freeze(T0)
    mail_id = queue()

    # when
    sender.send_due()

    # then
    row = stored(mail_id)
    assert (row.status, row.attempts) == (EmailStatus.queued, 1)
    assert row.next_attempt_at == T0 + timedelta(seconds=60)
    assert "451" in row.last_error
    clock.freeze(T0 + timedelta(seconds=59))
    assert sender.send_due() == 0
    clock.freeze(T0 + timedelta(seconds=60))
    sender.send_due()
    row = stored(mail_id)
    assert (row.status, row.attempts, row.last_error) == (EmailStatus.sent, 2, None)
    assert len(smtp.received) == 1


def test_a_refused_connection_is_retried_on_the_schedule_then_failed(production):
    # given
    production(closed_port())
    clock.freeze(T0)
    mail_id = queue()

    # when (the first try and one after each delay of [60, 300])
    sender.send_due()
    clock.advance(timedelta(seconds=60))
    sender.send_due()
    after_two = stored(mail_id)
    clock.advance(timedelta(seconds=300))
    sender.send_due()

    # then
    assert (after_two.status, after_two.attempts) == (EmailStatus.queued, 2)
    assert after_two.next_attempt_at == T0 + timedelta(seconds=360)
    row = stored(mail_id)
    assert (row.status, row.attempts) == (EmailStatus.failed, 3)
    assert "ConnectionRefusedError" in row.last_error
    clock.advance(timedelta(days=1))
    assert sender.send_due() == 0


def test_a_5xx_refusal_of_the_message_fails_at_once(smtp, production):
    # given
    production(smtp.port)
    smtp.data_replies.append("554 5.7.1 Message rejected")
    mail_id = queue()

    # when
    sender.send_due()

    # then
    row = stored(mail_id)
    assert (row.status, row.attempts) == (EmailStatus.failed, 1)
    assert "554" in row.last_error


def test_an_address_with_a_line_break_fails_without_reaching_the_server(smtp, production):
    # given (a header injection attempt: a second header smuggled into the address)
    production(smtp.port)
    mail_id = queue(to="person@example.com\r\nbcc: someone@example.com")

    # when
    sender.send_due()

    # then
    assert stored(mail_id).status == EmailStatus.failed
    assert smtp.received == []


@contextmanager
def claims_read_together() -> Iterator[None]:
    """Hold each sender's first claim after it has read the due mails until the other has read them
    too, so both try to take the same rows (SQLite's one writer lets only one in: it goes on after 1 s)."""
    meeting = threading.Barrier(2)

    def listen(_conn, _cursor, statement, _parameters, _context, _many) -> None:
        if statement.lstrip().startswith("UPDATE email_message SET next_attempt_at") and not meeting.broken:
            with suppress(threading.BrokenBarrierError):
                meeting.wait(timeout=1)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def test_two_concurrent_senders_send_each_mail_exactly_once(smtp, production):
    # given
    production(smtp.port)
    addresses = [f"person{index}@example.com" for index in range(12)]
    for address in addresses:
        queue(to=address)

    def drain(_: int) -> int:
        total = 0
        while claimed := sender.send_due(limit=len(addresses)):
            total += claimed
        return total

    # when
    with claims_read_together():
        outcomes = run_concurrently(2, drain)

    # then
    assert sum(outcomes) == len(addresses)
    assert sorted(recipient for message in smtp.received for recipient in message.rcpt_to) == sorted(addresses)
    with unit_of_work(read_only=True) as session:
        rows = session.execute(select(EmailMessage)).scalars().all()
    assert {(row.status, row.attempts) for row in rows} == {(EmailStatus.sent, 1)}


def test_the_smtp_password_is_used_to_log_in_and_never_stored_or_logged(smtp, production, caplog):
    # given (a server that refuses the login and echoes the password back)
    production(smtp.port, SMTP_USERNAME="handoff", SMTP_PASSWORD=PASSWORD)
    smtp.auth_reply = f"535 5.7.8 Bad credentials {PASSWORD}"
    mail_ids = [queue(to=f"person{index}@example.com") for index in range(3)]

    # when
    with caplog.at_level(logging.DEBUG):
        sender.send_due()

    # then (one refused login speaks for the batch: each mail waits for the next try)
    rows = [stored(mail_id) for mail_id in mail_ids]
    assert smtp.logins == [("handoff", PASSWORD)]
    assert {(row.status, row.attempts) for row in rows} == {(EmailStatus.queued, 1)}
    for row in rows:
        assert "535" in row.last_error and "[redacted]" in row.last_error
        assert PASSWORD not in row.last_error
    assert PASSWORD not in caplog.text
