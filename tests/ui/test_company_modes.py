"""The company dashboard's readers and actions in one mode at a time, without a browser: every
table and total (overview, requests list and detail, review queue, disputes) holds only the
chosen mode's requests, and an id of the other mode is not found and cannot be acted on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from marketplace_app.companies.access import resolve_actor
from marketplace_app.companies.models import CompanyMember
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import NotFound, ValidationFailed
from marketplace_app.requests import service as requests
from marketplace_app.ui.state import company, company_disputes, company_request, company_requests, company_review
from tests.ledger.helpers import assert_ledger_balanced
from tests.work import helpers as w

OTHER = {"live": "test", "test": "live"}


@pytest.fixture(autouse=True)
def frozen_clock(database: str) -> Iterator[None]:
    clock.freeze(w.T0)
    yield
    clock.unfreeze()


@pytest.fixture
def world() -> w.TwoModes:
    return w.two_modes()


def owner_id(company_id: str) -> str:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(CompanyMember.user_id).where(CompanyMember.company_id == company_id)
                               .order_by(CompanyMember.id).limit(1)).scalar_one()


def as_owner(world: w.TwoModes, reader, **kwargs):
    with unit_of_work() as session:
        return reader(session, resolve_actor(session, owner_id(world.keys["live"].company_id)), **kwargs)


def listed(world: w.TwoModes, mode: str, status: str = "") -> list[str]:
    page = as_owner(world, company_requests.request_page, mode=mode, status=status, skill="", project_id="",
                    starting_after=None)
    return [row["id"] for row in page["rows"]]


def test_the_requests_table_and_the_overview_hold_one_mode_only(world):
    # given a live request of 20.00 and a test request of 5.00, both matching
    live_id = w.request_in(world, "live", "matching")
    test_id = w.create(world.keys["test"], max_price="5.00EUR")["id"]

    # when
    overview = {mode: as_owner(world, company.overview_snapshot, mode=mode) for mode in ("live", "test")}

    # then each table lists its own mode's request, "open" included
    assert listed(world, "live") == listed(world, "live", "open") == [live_id]
    assert listed(world, "test") == listed(world, "test", "open") == [test_id]
    # and each overview counts its own; test mode shows no balance at all (it moves no credits)
    assert [row["id"] for row in overview["live"]["recent"]] == [live_id]
    assert [row["id"] for row in overview["test"]["recent"]] == [test_id]
    assert (overview["live"]["open_count"], overview["live"]["month_total"]) == (1, "20.00 EUR")
    assert (overview["test"]["open_count"], overview["test"]["month_total"]) == (1, "5.00 EUR")
    assert (overview["live"]["available"], overview["live"]["escrowed"]) == ("980.00 EUR", "20.00 EUR")
    assert (overview["test"]["available"], overview["test"]["escrowed"]) == (company.NEVER, company.NEVER)


@pytest.mark.parametrize("owner", ["live", "test"])
def test_the_other_modes_request_is_not_found_on_the_detail_page_and_cannot_be_cancelled(world, owner):
    # given
    request_id = w.request_in(world, owner, "matching")
    before = w.snapshot()
    shown = OTHER[owner]

    # when / then
    with pytest.raises(NotFound):
        as_owner(world, company_request.request_detail, mode=shown, request_id=request_id)
    with pytest.raises(NotFound):
        as_owner(world, company_request.cancel, mode=shown, request_id=request_id)
    w.assert_nothing_changed(before)
    assert as_owner(world, company_request.request_detail, mode=owner, request_id=request_id)["can_cancel"]


@pytest.mark.parametrize("owner", ["live", "test"])
def test_the_review_queue_shows_and_decides_only_the_shown_modes_results(world, owner):
    # given a result in review of the `owner` mode
    request_id = w.request_in(world, owner, "needs_review")
    user_id = owner_id(world.keys["live"].company_id)
    before = w.snapshot()

    # when the queue of the other mode is read and asked to approve it
    other_queue = w.in_unit(lambda session: company_review.review_queue(session, user_id=user_id,
                                                                        mode=OTHER[owner]))
    with pytest.raises(NotFound):
        w.in_unit(lambda session: company_review.decide(session, user_id=user_id, mode=OTHER[owner],
                                                        request_id=request_id, approve=True))

    # then it is neither listed nor approved; its own mode's queue lists and approves it
    assert other_queue["items"] == []
    w.assert_nothing_changed(before)
    own_queue = w.in_unit(lambda session: company_review.review_queue(session, user_id=user_id, mode=owner))
    assert [item.id for item in own_queue["items"]] == [request_id]
    assert w.in_unit(lambda session: company_review.decide(session, user_id=user_id, mode=owner,
                                                           request_id=request_id, approve=True)) == "completed"
    assert_ledger_balanced()


@pytest.mark.parametrize("owner", ["live", "test"])
def test_disputes_are_listed_and_opened_only_in_their_own_mode(world, owner):
    # given a completed request of each mode, the `owner` one disputed from the dashboard
    request_id = w.request_in(world, owner, "completed")
    other_id = w.request_in(world, OTHER[owner], "completed")
    as_owner(world, company_disputes.open_dispute, mode=owner, request_id=request_id, reason="Missed clause 4.2")
    before = w.snapshot()

    # when / then the other mode lists no dispute and cannot reach the request
    assert as_owner(world, company_disputes.dispute_page, mode=OTHER[owner], starting_after=None)["rows"] == []
    with pytest.raises(NotFound):
        as_owner(world, company_disputes.request_dispute, mode=OTHER[owner], request_id=request_id)
    with pytest.raises(NotFound):
        as_owner(world, company_disputes.open_dispute, mode=owner, request_id=other_id, reason="Wrong mode")
    w.assert_nothing_changed(before)
    rows = as_owner(world, company_disputes.dispute_page, mode=owner, starting_after=None)["rows"]
    assert [row.request_id for row in rows] == [request_id]


def test_a_dashboard_scope_needs_a_real_mode():
    # when / then
    with pytest.raises(ValidationFailed):
        requests.CompanyScope(company_id="cmp_x", user_id="usr_x", mode="both")
