"""The request state machine: one table, one guarded writer that also records the timeline and
the `request.<status>` event, terminal states absorbing, and every forbidden cell refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from marketplace_app.companies.models import KeyMode
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import InvalidState
from marketplace_app.events.models import Event
from marketplace_app.requests import status as machine
from marketplace_app.requests.models import Request, RequestEvent, RequestStatus
from tests.ledger.helpers import race
from tests.requests import helpers as h

S = RequestStatus
ACTOR = machine.Actor("operator", "usr_test")
ALLOWED = {
    S.matching: {S.in_progress, S.cancelled, S.expired},
    S.in_progress: {S.submitted, S.completed, S.needs_review, S.disputed, S.matching, S.cancelled, S.expired},
    S.submitted: {S.completed, S.needs_review, S.disputed},
    S.needs_review: {S.completed, S.disputed},
    S.completed: {S.disputed},
    S.disputed: set(),
    S.expired: set(),
    S.cancelled: set(),
}


def test_the_table_is_the_documented_flow_and_covers_every_status():
    assert set(machine.TRANSITIONS) == set(S)
    assert {source: set(targets) for source, targets in machine.TRANSITIONS.items()} == ALLOWED
    assert {S.disputed, S.expired, S.cancelled} == machine.TERMINAL


def test_no_status_moves_to_itself():
    assert not any(machine.can_move(status, status) for status in S)


def _request_in(status: S) -> str:
    """A test-mode request (no escrow) put directly into `status` as test setup."""
    agent = h.make_agent(mode=KeyMode.test)
    (request_id,) = h.seed_matching_requests(agent, count=1, price_cents=100, deadline=clock.now(), mode="test")
    with unit_of_work() as session:
        session.execute(update(Request).where(Request.id == request_id).values(status=status))
    return request_id


def _trail_counts(request_id: str) -> tuple[int, int]:
    with unit_of_work(read_only=True) as session:
        lines = session.execute(select(func.count()).select_from(RequestEvent)
                                .where(RequestEvent.request_id == request_id)).scalar_one()
        events = session.execute(select(func.count()).select_from(Event)
                                 .where(Event.request_id == request_id)).scalar_one()
    return lines, events


@pytest.mark.parametrize("source", list(S), ids=str)
def test_every_forbidden_cell_is_invalid_state_and_writes_nothing(source):
    # given a request in `source`
    request_id = _request_in(source)

    for target in S:
        if target in ALLOWED[source]:
            continue
        # when the writer is asked for a forbidden move
        with pytest.raises(InvalidState) as caught, unit_of_work() as session:
            machine.transition(session, request_id=request_id, to=target, sources=[source], actor=ACTOR)

        # then it is refused as a conflict and nothing is recorded
        assert caught.value.status == 409
        assert h.request_row(request_id)["status"] == source
        assert _trail_counts(request_id) == (0, 0)


@pytest.mark.parametrize(("source", "target"),
                         [(source, target) for source, targets in ALLOWED.items() for target in sorted(targets)],
                         ids=lambda value: str(value))
def test_every_allowed_cell_moves_and_records_timeline_and_event(source, target):
    # given
    request_id = _request_in(source)

    # when
    with unit_of_work() as session:
        moved = machine.transition(session, request_id=request_id, to=target, sources=[source], actor=ACTOR,
                                   values={"closed_at": clock.now()}, note="test move")

    # then
    assert moved["status"] == target and moved["id"] == request_id
    assert h.request_row(request_id)["status"] == target
    with unit_of_work(read_only=True) as session:
        line = session.execute(select(RequestEvent).where(RequestEvent.request_id == request_id)).scalar_one()
    assert (line.from_status, line.to_status, line.actor_type, line.actor_id, line.note) == \
        (source, target, "operator", "usr_test", "test move")
    assert h.event_types(request_id) == [f"request.{target}"]


def test_a_request_no_longer_in_the_expected_state_is_a_409():
    # given a request that was cancelled meanwhile
    request_id = _request_in(S.cancelled)

    # when / then
    with pytest.raises(InvalidState) as caught, unit_of_work() as session:
        machine.transition(session, request_id=request_id, to=S.expired, sources=[S.matching], actor=ACTOR)
    assert caught.value.status == 409


def test_scope_filters_the_move_to_the_callers_project():
    # given
    request_id = _request_in(S.matching)

    # when another project asks
    with pytest.raises(InvalidState), unit_of_work() as session:
        machine.transition(session, request_id=request_id, to=S.cancelled, sources=[S.matching], actor=ACTOR,
                           scope={"project_id": "prj_someone_else"})

    # then
    assert h.request_row(request_id)["status"] == S.matching


def test_transition_many_moves_only_those_still_in_a_source_state():
    # given three requests, one of them already cancelled
    agent = h.make_agent(mode=KeyMode.test)
    ids = h.seed_matching_requests(agent, count=3, price_cents=100, deadline=clock.now(), mode="test")
    with unit_of_work() as session:
        session.execute(update(Request).where(Request.id == ids[0]).values(status=S.cancelled))

    # when
    with unit_of_work() as session:
        moved = machine.transition_many(session, request_ids=ids, to=S.expired, sources=[S.matching],
                                        actor=machine.SYSTEM)

    # then
    assert sorted(row["id"] for row in moved) == sorted(ids[1:])
    assert h.statuses(ids) == {ids[0]: "cancelled", ids[1]: "expired", ids[2]: "expired"}
    assert _trail_counts(ids[0]) == (0, 0)


def test_transition_many_with_forbidden_sources_or_no_ids_does_nothing():
    # given
    request_id = _request_in(S.completed)

    # when / then
    with unit_of_work() as session:
        assert machine.transition_many(session, request_ids=[request_id], to=S.matching, sources=[S.completed],
                                       actor=ACTOR) == []
        assert machine.transition_many(session, request_ids=[], to=S.expired, sources=[S.matching],
                                       actor=ACTOR) == []
    assert h.request_row(request_id)["status"] == S.completed


def test_creation_starts_the_timeline_and_emits_request_matching():
    # given
    agent = h.make_agent(funded_cents=1_000)
    api = h.client()

    # when
    request_id = h.created(api.post("/v1/requests", json=h.SEED_BODY, headers=agent.headers()))

    # then
    with unit_of_work(read_only=True) as session:
        line = session.execute(select(RequestEvent).where(RequestEvent.request_id == request_id)).scalar_one()
        event = session.execute(select(Event).where(Event.request_id == request_id)).scalar_one()
    assert (line.from_status, line.to_status, line.actor_type, line.actor_id) == (None, "matching", "agent",
                                                                                  agent.key_id)
    assert (event.type, event.project_id, event.company_id, event.mode) == \
        ("request.matching", agent.project_id, agent.company_id, "live")
    assert event.data == {"status": "matching", "skill": "legal_review"}


def test_concurrent_writers_cannot_both_move_one_request(database):
    # given
    request_id = _request_in(S.matching)

    # when ten connections try to move it at once, half to cancelled and half to expired
    def move(session, index):
        target = S.cancelled if index % 2 else S.expired
        return machine.transition(session, request_id=request_id, to=target, sources=[S.matching], actor=ACTOR)

    result = race(database, contenders=10, action=move)

    # then exactly one wins and the timeline has one line
    assert result.kinds() == {"ok": 1, "StateConflict": 9}, result.outcomes
    assert h.request_row(request_id)["status"] in (S.cancelled, S.expired)
    assert _trail_counts(request_id) == (1, 1)


def test_the_writer_stamps_the_timeline_with_the_clock():
    # given
    request_id = _request_in(S.matching)
    moment = clock.now() + timedelta(days=3)
    clock.freeze(moment)

    # when
    with unit_of_work() as session:
        machine.transition(session, request_id=request_id, to=S.in_progress, sources=[S.matching], actor=ACTOR)

    # then
    with unit_of_work(read_only=True) as session:
        line = session.execute(select(RequestEvent).where(RequestEvent.request_id == request_id)).scalar_one()
    assert line.created_at == moment
