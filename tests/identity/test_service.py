"""The identity service: accounts, sessions and tickets, including the races between them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from marketplace_app.core import clock
from marketplace_app.core.db import make_engine, unit_of_work
from marketplace_app.core.errors import Conflict, Forbidden, Unauthorized, ValidationFailed
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import AuthSession, LoginTicket, Role, User, UserStatus
from tests import factories
from tests.support import run_concurrently

T = TypeVar("T")


@pytest.fixture
def in_own_connection(database: str) -> Iterator[Callable[[Callable[[Session], T]], T]]:
    """Run `action(session)` in its own engine and transaction, as a separate worker would, and commit."""
    engines = []

    def run(action: Callable[[Session], T]) -> T:
        engine = make_engine(database)
        engines.append(engine)
        with Session(engine, expire_on_commit=False) as session:
            try:
                result = action(session)
                session.commit()
                return result
            except BaseException:
                session.rollback()
                raise

    yield run
    for engine in engines:
        engine.dispose()


def sign_up_form(**overrides: object) -> identity.SignUp:
    fields = {"email": "ada@example.com", "password": factories.PASSWORD, "display_name": "Ada",
              "role": Role.operator}
    fields.update(overrides)
    return identity.SignUp(**fields)


def test_sign_up_stores_a_normalized_email_and_only_a_password_hash():
    # when
    with unit_of_work() as session:
        user = identity.sign_up(session, sign_up_form(email="Ada@EXAMPLE.com"))

    # then
    with unit_of_work(read_only=True) as session:
        stored = session.get_one(User, user.id)
    assert stored.email == "ada@example.com"
    assert stored.password_hash.startswith("$argon2id$")
    assert factories.PASSWORD not in stored.password_hash
    assert stored.status == UserStatus.active


def test_an_agent_owner_signs_up_with_an_organisation_of_their_own_for_their_agents():
    from marketplace_app.companies.models import Company, CompanyMember

    with unit_of_work() as session:
        user = identity.sign_up(session, sign_up_form(role=Role.agent_owner, email="owner-up@example.com"))
        [(member, company)] = session.execute(select(CompanyMember, Company).join(
            Company, Company.id == CompanyMember.company_id).where(CompanyMember.user_id == user.id)).all()
    assert member.role == "owner" and company.name.endswith("'s agents")


def test_sign_up_refuses_admins_unless_staff_create_them():
    # when / then
    with pytest.raises(ValidationFailed), unit_of_work() as session:
        identity.sign_up(session, sign_up_form(role=Role.admin))
    with unit_of_work() as session:
        admin = identity.sign_up(session, sign_up_form(role=Role.admin), allow_admin=True)
    assert admin.role == Role.admin


@pytest.mark.parametrize("field", ["display_name", "company_name"])
@pytest.mark.parametrize("bad", ["\x00", "\x07", "\n", "\x7f", "\x85"])
def test_sign_up_refuses_control_characters_in_names(field, bad):
    # when / then
    with pytest.raises(ValidationFailed, match=field), unit_of_work() as session:
        identity.sign_up(session, sign_up_form(role=Role.company, **{field: f"Acme{bad}Ltd"}))


def test_concurrent_sign_ups_with_one_email_create_exactly_one_user(in_own_connection):
    # when
    outcomes = run_concurrently(8, lambda _index: in_own_connection(
        lambda session: identity.sign_up(session, sign_up_form(email="race@example.com")).id))

    # then
    users = [outcome for outcome in outcomes if isinstance(outcome, str)]
    refusals = [outcome for outcome in outcomes if not isinstance(outcome, str)]
    assert len(users) == 1
    assert all(isinstance(refusal, Conflict) for refusal in refusals), refusals
    with unit_of_work(read_only=True) as session:
        assert session.execute(select(User.id)).scalars().all() == users


def test_authenticate_refuses_a_nul_in_the_email_like_an_unknown_one():
    # given
    with unit_of_work() as session:
        factories.make_user(session, email="ada@example.com")

    # when / then
    with pytest.raises(Unauthorized, match="Invalid e-mail or password"), unit_of_work() as session:
        identity.authenticate(session, email="ada@example.com\x00", password=factories.PASSWORD,
                              address="192.0.2.1")


def test_a_session_token_is_stored_only_as_a_keyed_hash():
    # given
    with unit_of_work() as session:
        token = identity.create_session(session, user=factories.make_user(session))

    # when
    with unit_of_work(read_only=True) as session:
        rows = [tuple(row) for row in session.execute(text("SELECT * FROM auth_session"))]

    # then
    assert len(rows) == 1
    assert not any(token in str(value) or token[4:] in str(value) for value in rows[0])


def test_a_revoked_session_no_longer_identifies_its_user():
    # given
    with unit_of_work() as session:
        token = identity.create_session(session, user=factories.make_user(session))

    # when
    with unit_of_work() as session:
        identity.revoke_session(session, token)

    # then
    with pytest.raises(Unauthorized), unit_of_work(read_only=True) as session:
        identity.user_for_token(session, token)


def test_a_frozen_users_session_is_forbidden_rather_than_unknown():
    # given
    with unit_of_work() as session:
        user = factories.make_user(session)
        token = identity.create_session(session, user=user)
        session.get_one(User, user.id).status = UserStatus.frozen

    # when / then
    with pytest.raises(Forbidden), unit_of_work(read_only=True) as session:
        identity.user_for_token(session, token)


def test_twenty_concurrent_redemptions_of_one_ticket_succeed_exactly_once(in_own_connection):
    # given
    with unit_of_work() as session:
        user = factories.make_user(session)
        ticket = identity.issue_login_ticket(session, user=user)

    # when
    outcomes = run_concurrently(20, lambda _index: in_own_connection(
        lambda session: identity.redeem_login_ticket(session, ticket).id))

    # then
    assert [outcome for outcome in outcomes if isinstance(outcome, str)] == [user.id]
    assert all(isinstance(outcome, Unauthorized) for outcome in outcomes if not isinstance(outcome, str))
    with unit_of_work(read_only=True) as session:
        assert session.execute(select(LoginTicket.used_at)).scalar_one() is not None


def test_purge_expired_deletes_only_expired_sessions_and_tickets():
    # given
    start = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    clock.freeze(start - timedelta(days=30))
    with unit_of_work() as session:
        user = factories.make_user(session)
        identity.create_session(session, user=user)  # expires long before `start`
        identity.issue_login_ticket(session, user=user)
    clock.freeze(start - timedelta(seconds=90))
    with unit_of_work() as session:
        identity.issue_login_ticket(session, user=user)  # expired 30 s ago: kept for a grace minute
    clock.freeze(start)
    with unit_of_work() as session:
        live_token = identity.create_session(session, user=user)
        identity.revoke_session(session, identity.create_session(session, user=user))  # revoked, not expired
        live_ticket = identity.issue_login_ticket(session, user=user)

    # when
    with unit_of_work() as session:
        removed = identity.purge_expired(session)

    # then
    assert removed == 2
    with unit_of_work(read_only=True) as session:
        assert len(session.execute(select(AuthSession.id)).all()) == 2
        assert len(session.execute(select(LoginTicket.id)).all()) == 2
        assert identity.user_for_token(session, live_token).id == user.id
    with unit_of_work() as session:
        assert identity.redeem_login_ticket(session, live_ticket).id == user.id
