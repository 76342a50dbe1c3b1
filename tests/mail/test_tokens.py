"""Single-use link tokens: stored hashed, used once, refused when expired, forged or misdirected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.mail import service as mail
from marketplace_app.mail import tokens
from marketplace_app.mail.models import EmailMessage, LinkToken
from tests.support import run_concurrently

TTL = timedelta(minutes=15)


def _issue(**kwargs) -> str:
    with unit_of_work() as session:
        return tokens.issue(session, purpose=kwargs.pop("purpose", "agent_activation"),
                            subject=kwargs.pop("subject", "agt_1"), ttl=kwargs.pop("ttl", TTL), **kwargs)


def _redeem(secret: str, purpose: str = "agent_activation", subject: str = "") -> tokens.Redeemed:
    with unit_of_work() as session:
        return tokens.redeem(session, purpose=purpose, secret=secret, subject=subject)


def test_a_token_is_stored_as_a_hash_and_redeems_once():
    secret = _issue()
    with unit_of_work() as session:
        stored = session.execute(select(LinkToken)).scalars().one()
        assert secret not in (stored.token_hash, stored.subject, stored.id)
    assert _redeem(secret).subject == "agt_1"
    with pytest.raises(tokens.TokenInvalid):
        _redeem(secret)


@pytest.mark.parametrize("case", ["forged", "other_purpose", "empty", "huge"])
def test_a_forged_or_misdirected_token_is_refused_and_changes_nothing(case):
    secret = _issue()
    attempt = {"forged": (secret[:-2] + "xx", "agent_activation"), "other_purpose": (secret, "key_recovery"),
               "empty": ("", "agent_activation"), "huge": ("x" * 10_000, "agent_activation")}[case]
    with pytest.raises(tokens.TokenInvalid) as refused:
        _redeem(*attempt)
    assert refused.value.status == 400 and refused.value.code == "invalid_token"
    assert _redeem(secret).subject == "agt_1"  # the real token is still good


def test_an_expired_token_is_refused_even_by_peek():
    clock.freeze(clock.now())
    try:
        secret = _issue()
        clock.advance(TTL - timedelta(seconds=1))
        with unit_of_work() as session:
            assert tokens.peek(session, purpose="agent_activation", secret=secret).subject == "agt_1"
        clock.advance(timedelta(seconds=2))
        with pytest.raises(tokens.TokenInvalid), unit_of_work() as session:
            tokens.peek(session, purpose="agent_activation", secret=secret)
        with pytest.raises(tokens.TokenInvalid):
            _redeem(secret)
    finally:
        clock.unfreeze()


def test_a_six_digit_code_is_bound_to_its_subject():
    code = _issue(purpose="sign_in", subject="owner@example.org", code=True)
    assert len(code) == 6 and code.isdigit()
    with pytest.raises(tokens.TokenInvalid):
        _redeem(code, "sign_in", "someone-else@example.org")
    assert _redeem(code, "sign_in", "owner@example.org").subject == "owner@example.org"


def test_revoke_all_uses_up_the_open_tokens_of_a_subject():
    first, second = _issue(), _issue()
    other = _issue(subject="agt_2")
    with unit_of_work() as session:
        assert tokens.revoke_all(session, purpose="agent_activation", subject="agt_1") == 2
    for secret in (first, second):
        with pytest.raises(tokens.TokenInvalid):
            _redeem(secret)
    assert _redeem(other).subject == "agt_2"


def test_concurrent_redemptions_let_exactly_one_through():
    secret = _issue()
    outcomes = run_concurrently(16, lambda _: _redeem(secret))
    assert sum(isinstance(outcome, tokens.Redeemed) for outcome in outcomes) == 1
    assert all(isinstance(outcome, tokens.TokenInvalid) for outcome in outcomes
               if not isinstance(outcome, tokens.Redeemed))


def test_a_queued_mail_is_rolled_back_with_its_cause():
    with pytest.raises(RuntimeError), unit_of_work() as session:
        mail.queue(session, to="Owner@Example.org", subject="Activate", text="…", kind="agent_activation")
        raise RuntimeError("the cause failed")
    with unit_of_work() as session:
        mail.queue(session, to="Owner@Example.org", subject="Activate", text="link", kind="agent_activation")
    with unit_of_work() as session:
        rows = session.execute(select(EmailMessage)).scalars().all()
    assert [(row.to_address, row.status) for row in rows] == [("owner@example.org", "queued")]
