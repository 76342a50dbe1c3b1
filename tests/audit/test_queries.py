"""Reading the audit log: newest first, keyset pages without gaps or repeats, filters."""

from __future__ import annotations

import pytest

from marketplace_app.audit import queries, service
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import NotFound
from marketplace_app.identity.models import Role
from tests import factories


@pytest.fixture
def staff_id() -> str:
    with unit_of_work() as session:
        return factories.make_user(session, role=Role.admin).id


def record_many(staff_id: str) -> list[int]:
    """Seven entries: freezes of agt_0..agt_2 and credits of com_0..com_3, interleaved."""
    ids = []
    with unit_of_work() as session:
        for index in range(7):
            kind = ("agent", "agent.freeze") if index % 2 else ("company", "company.credit")
            ids.append(service.record(session, actor_user_id=staff_id, action=kind[1], subject_type=kind[0],
                                      subject_id=f"{kind[0][:3]}_{index // 2}", detail={"index": index}))
    return ids


def read(**filters) -> queries.Page:
    with unit_of_work(read_only=True) as session:
        return queries.entries(session, **filters)


def test_pages_follow_each_other_newest_first_without_gaps_or_repeats(staff_id):
    # given
    ids = record_many(staff_id)

    # when
    seen, cursor = [], None
    while True:
        page = read(limit=3, starting_after=cursor)
        seen += [entry.id for entry in page.entries]
        if not page.has_more:
            break
        cursor = page.entries[-1].id

    # then
    assert seen == sorted(ids, reverse=True)


def test_filters_by_action_and_by_subject(staff_id):
    # given
    record_many(staff_id)

    # then
    assert [entry.detail["index"] for entry in read(action="company.credit").entries] == [6, 4, 2, 0]
    assert [entry.detail["index"] for entry in read(subject_type="agent", subject_id="age_1").entries] == [3]
    assert read(action="company.credit", subject_type="agent").entries == []


def test_a_cursor_beyond_every_id_starts_from_the_newest(staff_id):
    # given
    ids = record_many(staff_id)

    # then
    assert [entry.id for entry in read(limit=2, starting_after=2**62).entries] == sorted(ids, reverse=True)[:2]


def test_an_unknown_entry_is_not_found():
    with pytest.raises(NotFound), unit_of_work(read_only=True) as session:
        queries.entry(session, 12345)
