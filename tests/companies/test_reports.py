"""The company dashboard's read-only figures: spend per day this month, open requests, project names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace_app.companies import reports
from marketplace_app.companies.keys import authenticate_key
from marketplace_app.companies.models import Company, KeyMode, MemberRole
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import NotFound
from marketplace_app.requests import service as requests
from marketplace_app.requests import status as machine
from marketplace_app.requests.models import RequestStatus
from marketplace_app.requests.schemas import RequestCreate
from tests import factories

MONTH_DAY_3 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def create(secret: str, *, price: str, at: datetime, urgency: str = "30min", skill: str = "legal_review") -> str:
    """Create a request through the service as the agent holding `secret`, at `at`; return its id."""
    clock.freeze(at)
    with unit_of_work() as session:
        body = RequestCreate(skill=skill, urgency=urgency, duration="15min", context="Check the document",
                             max_price=price)
        return requests.create_request(session, ctx=authenticate_key(session, secret), body=body)["id"]


def accept(request_id: str) -> None:
    """An operator took the request (so it no longer waits in its match window)."""
    with unit_of_work() as session:
        machine.transition(session, request_id=request_id, to=RequestStatus.in_progress,
                           sources=[RequestStatus.matching], actor=machine.SYSTEM, values={"accepted_at": clock.now()})


@pytest.fixture
def company() -> tuple[Company, str, str]:
    """A funded company with a live and a test key in one project."""
    with unit_of_work() as session:
        company = factories.make_company(session, name="Reporting Co")
        factories.fund(session, company=company, cents=100_000)
        project = factories.make_project(session, company=company, name="Reports")
        return (company, factories.make_key(session, project=project),
                factories.make_key(session, project=project, mode=KeyMode.test))


def test_spend_sums_live_max_prices_per_utc_day_and_leaves_out_refunded_and_test_requests(company):
    # given
    found, live, test = company
    accept(create(live, price="8.00EUR", at=MONTH_DAY_3 - timedelta(days=2)))
    accept(create(live, price="2.50EUR", at=MONTH_DAY_3 - timedelta(days=2, hours=-1)))
    cancelled = create(live, price="5.00EUR", at=MONTH_DAY_3 - timedelta(days=1))
    with unit_of_work() as session:
        owner = requests.CompanyScope(company_id=found.id, user_id="usr_x", mode="live", role=MemberRole.owner)
        requests.cancel_request(session, ctx=owner, request_id=cancelled)
    create(test, price="9.00EUR", at=MONTH_DAY_3)
    accept(create(live, price="4.00EUR", at=MONTH_DAY_3 - timedelta(days=40)))
    create(live, price="3.00EUR", at=MONTH_DAY_3)

    # when
    with unit_of_work(read_only=True) as session:
        days = reports.spend_this_month(session, company_id=found.id, mode="live",
                                        moment=MONTH_DAY_3 + timedelta(hours=1))

    # then: day 1 has two live requests, day 2 only a cancelled one; test mode and last month do not count
    assert [(day.day.day, day.cents) for day in days] == [(1, 1050), (2, 0), (3, 300)]


def test_a_matching_request_past_its_window_counts_neither_as_spend_nor_as_open(company):
    # given
    found, live, _test = company
    create(live, price="6.00EUR", at=MONTH_DAY_3, urgency="1min")
    create(live, price="7.00EUR", at=MONTH_DAY_3, urgency="30min")

    # when: ten minutes later the 1min request is overdue (the sweep has not run)
    clock.freeze(MONTH_DAY_3 + timedelta(minutes=10))
    with unit_of_work(read_only=True) as session:
        days = reports.spend_this_month(session, company_id=found.id, mode="live")
        open_count = reports.open_request_count(session, company_id=found.id, mode="live")
        page = reports.open_requests(session, company_id=found.id, mode="live")

    # then
    assert days[-1].cents == 700
    assert open_count == 1
    assert [row["max_price_cents"] for row in page.rows] == [700]


def test_open_requests_page_newest_first_by_keyset_and_filters_by_project_and_skill(company):
    # given
    found, live, _test = company
    ids = [create(live, price="1.00EUR", at=MONTH_DAY_3 + timedelta(seconds=index),
                  skill="translation" if index % 2 else "legal_review") for index in range(5)]

    # when
    with unit_of_work(read_only=True) as session:
        first = reports.open_requests(session, company_id=found.id, mode="live", limit=2)
        second = reports.open_requests(session, company_id=found.id, mode="live", limit=2,
                                       starting_after=first.rows[-1]["id"])
        translations = reports.open_requests(session, company_id=found.id, mode="live", skill="translation")

    # then
    assert [row["id"] for row in first.rows + second.rows] == ids[::-1][:4]
    assert first.has_more and second.has_more
    assert [row["id"] for row in translations.rows] == [ids[3], ids[1]]


def test_another_companys_request_is_no_cursor_and_no_project_name(company):
    # given
    found, _live, _test = company
    with unit_of_work() as session:
        other = factories.make_company(session, name="Other")
        factories.fund(session, company=other, cents=10_000)
        other_key = factories.make_key(session, project=factories.make_project(session, company=other, name="Theirs"))
    foreign = create(other_key, price="1.00EUR", at=MONTH_DAY_3)

    # when / then
    with unit_of_work(read_only=True) as session:
        assert list(reports.project_names(session, company_id=found.id).values()) == ["Reports"]
        assert reports.open_request_count(session, company_id=found.id, mode="live") == 0
        with pytest.raises(NotFound):
            reports.open_requests(session, company_id=found.id, mode="live", starting_after=foreign)


def test_test_mode_figures_count_only_test_requests_and_a_live_id_is_no_test_cursor(company):
    # given two live and one test request today, all still matching
    found, live, test = company
    live_ids = [create(live, price=price, at=MONTH_DAY_3 + timedelta(seconds=index))
                for index, price in enumerate(("8.00EUR", "2.00EUR"))]
    test_id = create(test, price="9.00EUR", at=MONTH_DAY_3 + timedelta(seconds=5))

    # when
    with unit_of_work(read_only=True) as session:
        figures = {mode: (reports.spend_this_month(session, company_id=found.id, mode=mode)[-1].cents,
                          reports.open_request_count(session, company_id=found.id, mode=mode),
                          [row["id"] for row in reports.open_requests(session, company_id=found.id, mode=mode).rows])
                   for mode in ("live", "test")}

    # then each mode's figures hold its own requests only
    assert figures["live"] == (1_000, 2, live_ids[::-1])
    assert figures["test"] == (900, 1, [test_id])
    with unit_of_work(read_only=True) as session, pytest.raises(NotFound):
        reports.open_requests(session, company_id=found.id, mode="test", starting_after=live_ids[0])
