"""The company's dispute list pages through the keyset helper: newest first, ties on created_at
listed once each, an unknown cursor starts from the top, a malformed one is refused."""

from __future__ import annotations

import pytest

from marketplace_app.core.errors import ValidationFailed
from marketplace_app.disputes import queries
from tests.disputes.helpers import open_dispute
from tests.work import helpers as w


def page(company_id: str, *, cursor: str | None, limit: int = 2):
    return w.in_unit(lambda session: queries.company_disputes(session, company_id=company_id, mode="live",
                                                              limit=limit, starting_after=cursor))


def test_disputes_opened_in_the_same_instant_page_once_each_newest_first(api, agent, worker):
    # given three disputes opened on a frozen clock (one created_at for all)
    request_ids = [w.completed_request(agent, worker) for _ in range(3)]
    dispute_ids = [open_dispute(api, agent, request_id)["dispute_id"] for request_id in request_ids]

    # when
    first = page(agent.company_id, cursor=None)
    last = page(agent.company_id, cursor=first.next_cursor)

    # then
    assert (len(first.rows), first.has_more, len(last.rows), last.has_more, last.next_cursor) == (2, True, 1, False,
                                                                                                   None)
    listed = [row["id"] for row in first.rows + last.rows]
    assert listed == sorted(dispute_ids, reverse=True)


def test_an_unknown_cursor_starts_from_the_top_and_a_malformed_one_is_refused(api, agent, worker):
    # given
    open_dispute(api, agent, w.completed_request(agent, worker))

    # when
    unknown = page(agent.company_id, cursor="dsp_000000000000000000000000")

    # then
    assert (len(unknown.rows), unknown.has_more) == (1, False)
    with pytest.raises(ValidationFailed):
        page(agent.company_id, cursor="dsp_' OR 1=1")
