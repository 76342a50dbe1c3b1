"""The audit log: `record` writes in the caller's transaction, and the database keeps it append-only."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DatabaseError

from marketplace_app.audit import queries, service
from marketplace_app.audit.models import AuditEntry
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role
from tests import factories


@pytest.fixture
def staff_id() -> str:
    with unit_of_work() as session:
        return factories.make_user(session, role=Role.admin, email="ada@handoff.example").id


def record(staff_id: str, **overrides) -> int:
    with unit_of_work() as session:
        return service.record(session, **{"actor_user_id": staff_id, "action": "agent.freeze",
                                          "subject_type": "agent", "subject_id": "agt_1",
                                          "detail": {"reason": "abuse"}, **overrides})


def entry_count() -> int:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


def test_a_recorded_entry_reads_back_with_its_actor(staff_id):
    # when
    entry_id = record(staff_id)

    # then
    with unit_of_work(read_only=True) as session:
        entry = queries.entry(session, entry_id)
    assert (entry.actor_user_id, entry.actor_email, entry.action, entry.subject_type, entry.subject_id) == (
        staff_id, "ada@handoff.example", "agent.freeze", "agent", "agt_1")
    assert (entry.detail, entry.transfer_id) == ({"reason": "abuse"}, None)
    assert entry.created_at is not None


def test_an_action_that_rolls_back_leaves_no_entry(staff_id):
    # when
    with pytest.raises(RuntimeError), unit_of_work() as session:
        service.record(session, actor_user_id=staff_id, action="agent.freeze", subject_type="agent",
                       subject_id="agt_1", detail={})
        raise RuntimeError("the action failed after the entry was written")

    # then
    assert entry_count() == 0


@pytest.mark.parametrize("statement", [
    update(AuditEntry).values(detail={"reason": "rewritten"}),
    update(AuditEntry).values(actor_user_id="usr_someone_else"),
    delete(AuditEntry),
], ids=["update detail", "update actor", "delete"])
def test_the_database_refuses_to_change_or_delete_an_entry(staff_id, statement):
    # given
    record(staff_id)

    # when
    with pytest.raises(DatabaseError, match="append-only"), unit_of_work() as session:
        session.execute(statement)

    # then
    with unit_of_work(read_only=True) as session:
        (entry,) = queries.entries(session).entries
    assert (entry.actor_user_id, entry.detail) == (staff_id, {"reason": "abuse"})
