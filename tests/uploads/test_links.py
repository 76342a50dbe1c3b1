"""Signed file links: a token opens exactly the file it was signed for, to the end of its lifetime
(FILE_LINK_TTL_SECONDS); a changed token opens nothing, and every opening is logged."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Expired, NotFound
from marketplace_app.settings import get_settings
from marketplace_app.uploads import links
from marketplace_app.uploads.models import FileAccess
from tests.work import helpers as w

REQUEST_ID = "req_linked"
WHO = links.audience("company_member", "usr_buyer")


@pytest.fixture(autouse=True)
def frozen_clock(database: str, monkeypatch, tmp_path) -> Iterator[None]:
    w.use_tmp_storage(monkeypatch, tmp_path)
    clock.freeze(w.T0)
    yield
    clock.unfreeze()


def reencoded(token: str, *, replace: tuple[str, str]) -> str:
    """The token with one field of its payload changed and its old signature kept."""
    payload, _, signature = token.rpartition(".")
    text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode().replace(*replace)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=") + "." + signature


def open_with(token: str) -> links.ServedFile:
    with unit_of_work() as session:
        return links.open_file(session, token)


def accesses() -> list[FileAccess]:
    with unit_of_work(read_only=True) as session:
        return list(session.execute(select(FileAccess).order_by(FileAccess.id)).scalars())


def test_a_signed_link_opens_its_file_and_the_access_is_logged():
    # given
    upload_id = w.upload(w.make_operator(), data=w.PNG, filename="meter.png")
    token, expires_at = links.sign(upload_id, request_id=REQUEST_ID, audience=WHO)

    # when
    clock.advance(timedelta(seconds=10))
    served = open_with(token)

    # then
    assert served.path.read_bytes() == w.PNG
    assert (served.content_type, served.filename, served.inline) == ("image/png", "meter.png", True)
    assert expires_at == w.T0 + timedelta(seconds=300)
    (logged,) = accesses()
    assert (logged.upload_id, logged.request_id, logged.audience) == (upload_id, REQUEST_ID, WHO)
    assert (logged.issued_at, logged.expires_at, logged.accessed_at) == (
        w.T0, expires_at, w.T0 + timedelta(seconds=10))


def test_a_pdf_is_downloaded_never_shown_inline():
    upload_id = w.upload(w.make_operator(), data=w.PDF, filename="invoice.pdf")
    token, _ = links.sign(upload_id, request_id=REQUEST_ID, audience=WHO)

    assert open_with(token).inline is False


def test_the_lifetime_comes_from_the_setting(monkeypatch):
    # given
    w.set_setting(monkeypatch, "file_link_ttl_seconds", "60")
    upload_id = w.upload(w.make_operator())
    token, expires_at = links.sign(upload_id, request_id=REQUEST_ID, audience=WHO)

    # when the clock passes the minute
    clock.advance(timedelta(seconds=60))

    # then
    assert expires_at == w.T0 + timedelta(seconds=60)
    with pytest.raises(Expired):
        open_with(token)
    assert accesses() == []


def test_an_expired_link_is_gone_and_logs_nothing():
    # given a link used once within its lifetime
    upload_id = w.upload(w.make_operator())
    token, _ = links.sign(upload_id, request_id=REQUEST_ID, audience=WHO)
    clock.advance(timedelta(seconds=299))
    open_with(token)

    # when
    clock.advance(timedelta(seconds=1))

    # then
    with pytest.raises(Expired):
        open_with(token)
    assert len(accesses()) == 1


@pytest.mark.parametrize("change", ["another_file", "later_expiry", "another_audience", "signature", "garbage"])
def test_a_changed_token_opens_nothing(change):
    # given two files and a link to the first
    operator = w.make_operator()
    first = w.upload(operator, data=w.PNG)
    second = w.upload(operator, data=w.JPEG, filename="other.jpg")
    token, expires_at = links.sign(first, request_id=REQUEST_ID, audience=WHO)
    expiry = str(int(expires_at.timestamp()))
    changed = {
        "another_file": lambda: reencoded(token, replace=(first, second)),
        "later_expiry": lambda: reencoded(token, replace=(expiry, str(int(expiry) + 86_400))),
        "another_audience": lambda: reencoded(token, replace=("usr_buyer", "usr_other")),
        "signature": lambda: token[:-1] + ("0" if token[-1] != "0" else "1"),
        "garbage": lambda: "not-a-token",
    }[change]()

    # when / then
    with pytest.raises(NotFound):
        open_with(changed)
    assert accesses() == []


def test_a_token_signed_under_another_secret_opens_nothing(monkeypatch):
    # given a link signed by a deployment with another SECRET_KEY
    upload_id = w.upload(w.make_operator())
    ours = get_settings().secret_key
    w.set_setting(monkeypatch, "secret_key", "another-deployment-" + "x" * 40)
    token, _ = links.sign(upload_id, request_id=REQUEST_ID, audience=WHO)
    w.set_setting(monkeypatch, "secret_key", ours)

    # when / then
    with pytest.raises(NotFound):
        open_with(token)
