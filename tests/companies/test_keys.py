"""Key lifecycle in the service: create, revoke, rotate with a grace period, and the rotation race."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from marketplace_app.companies import service as companies
from marketplace_app.companies.keys import authenticate_key
from marketplace_app.companies.models import ApiKey, KeyStatus
from marketplace_app.core import clock
from marketplace_app.core.crypto import keyed_hash
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import InvalidState, NotFound, Unauthorized
from marketplace_app.events.models import Event
from tests import factories
from tests.companies.helpers import owner_actor
from tests.ledger.helpers import race

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def setup():
    """A committed company with a project; returns (actor, project id)."""
    clock.freeze(START)
    with unit_of_work() as session:
        company = factories.make_company(session)
        project = factories.make_project(session, company=company)
        return owner_actor(session, company), project.id


def test_create_key_stores_the_keyed_hash_prefix_and_last_four_only(setup):
    # given
    actor, project_id = setup

    # when
    with unit_of_work() as session:
        issued = companies.create_key(session, actor=actor, project_id=project_id, name=" ci ", mode="test",
                                      expires_in_days=7)

    # then
    with unit_of_work(read_only=True) as session:
        key = session.get_one(ApiKey, issued.key.id)
        event = session.execute(select(Event).where(Event.type == "key.created")).scalar_one()
    assert key.key_hash == keyed_hash("api_key", issued.secret)
    assert (key.prefix, key.last4, key.name, key.mode) == (issued.secret[:12], issued.secret[-4:], "ci", "test")
    assert key.expires_at == START + timedelta(days=7)
    assert event.data["key_id"] == key.id and issued.secret not in str(event.data)
    assert companies.key_status(key) == "active"


def test_key_status_is_computed_from_state_and_time(setup):
    # given
    actor, project_id = setup
    with unit_of_work() as session:
        key = companies.create_key(session, actor=actor, project_id=project_id, name="k", mode="live",
                                   expires_in_days=1).key

    # then
    assert companies.key_status(key, START + timedelta(hours=23)) == "active"
    assert companies.key_status(key, START + timedelta(days=1)) == "expired"
    key.status = KeyStatus.rotating
    assert companies.key_status(key, START) == "rotating"
    key.status = KeyStatus.revoked
    assert companies.key_status(key, START) == "revoked"


def test_revoking_refuses_the_key_in_the_same_instant(setup):
    # given
    actor, project_id = setup
    with unit_of_work() as session:
        issued = companies.create_key(session, actor=actor, project_id=project_id, name="k", mode="live")

    # when
    with unit_of_work() as session:
        companies.revoke_key(session, actor=actor, key_id=issued.key.id)

    # then
    with unit_of_work(read_only=True) as session, pytest.raises(Unauthorized):
        authenticate_key(session, issued.secret)


def test_rotation_keeps_the_old_key_for_the_grace_then_refuses_it(setup):
    # given
    actor, project_id = setup
    with unit_of_work() as session:
        old = companies.create_key(session, actor=actor, project_id=project_id, name="k", mode="live")

    # when
    with unit_of_work() as session:
        new, rotated = companies.rotate_key(session, actor=actor, key_id=old.key.id)

    # then
    assert rotated.status == KeyStatus.rotating and rotated.expires_at == START + timedelta(hours=24)
    clock.advance(timedelta(hours=24) - timedelta(microseconds=1))
    with unit_of_work(read_only=True) as session:
        assert authenticate_key(session, old.secret).key_id == old.key.id
    clock.advance(timedelta(microseconds=1))
    with unit_of_work(read_only=True) as session:
        with pytest.raises(Unauthorized):
            authenticate_key(session, old.secret)
        assert authenticate_key(session, new.secret).key_id == new.key.id


def test_another_companys_key_cannot_be_read_revoked_or_rotated(setup):
    # given
    actor, project_id = setup
    with unit_of_work() as session:
        issued = companies.create_key(session, actor=actor, project_id=project_id, name="k", mode="live")
        stranger = owner_actor(session, factories.make_company(session, name="Other"))

    # when / then
    for action in (companies.get_key, companies.revoke_key, companies.rotate_key):
        with unit_of_work() as session, pytest.raises(NotFound):
            action(session, actor=stranger, key_id=issued.key.id)
    with unit_of_work(read_only=True) as session:
        assert authenticate_key(session, issued.secret).key_id == issued.key.id


def test_concurrent_rotations_of_one_key_issue_exactly_one_successor(setup, database):
    # given
    actor, project_id = setup
    with unit_of_work() as session:
        old = companies.create_key(session, actor=actor, project_id=project_id, name="k", mode="live")

    # when
    result = race(database, contenders=8, action=lambda session, _i: companies.rotate_key(
        session, actor=actor, key_id=old.key.id))

    # then
    assert result.kinds() == {"ok": 1, "InvalidState": 7}, result.outcomes
    with unit_of_work(read_only=True) as session:
        assert session.execute(select(func.count()).select_from(ApiKey)).scalar_one() == 2
        assert session.execute(select(func.count()).select_from(Event)
                               .where(Event.type == "key.rotated")).scalar_one() == 1


def test_rotating_a_revoked_key_is_invalid_state(setup):
    # given
    actor, project_id = setup
    with unit_of_work() as session:
        old = companies.create_key(session, actor=actor, project_id=project_id, name="k", mode="live")
        companies.revoke_key(session, actor=actor, key_id=old.key.id)

    # when / then
    with unit_of_work() as session, pytest.raises(InvalidState, match="revoked"):
        companies.rotate_key(session, actor=actor, key_id=old.key.id)
