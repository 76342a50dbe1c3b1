"""The briefs staff read with a case: what a request asked and what came back."""

from __future__ import annotations

from marketplace_app.requests import queries
from tests.work import helpers as w


def test_briefs_are_found_by_id_and_unknown_ids_are_left_out():
    # given
    agent = w.make_agent()
    request = w.create(agent, context="Check clause 4.2 of the contract")

    # when
    found = w.in_unit(lambda session: queries.briefs(session, {request["id"], "req_000000000000000000000000"}))

    # then
    assert list(found) == [request["id"]]
    assert (found[request["id"]].context, found[request["id"]].result) == ("Check clause 4.2 of the contract", None)
    assert w.in_unit(lambda session: queries.briefs(session, [])) == {}
