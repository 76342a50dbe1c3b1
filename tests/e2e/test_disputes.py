"""Disputes in a real browser: the company opens and appeals one from the request page, a juror
votes from Jury duty and the company sees the resolution, staff rule a split from the specialist
queue, and the parties settle (the operator offers, the company accepts on a phone)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.disputes import service as disputes
from marketplace_app.disputes.models import Dispute
from marketplace_app.disputes.parties import OperatorActor
from marketplace_app.identity.models import Role, User
from marketplace_app.ui import routes
from tests.e2e.helpers import Url, make_user, sign_in
from tests.e2e.work_helpers import owner_email
from tests.ledger.helpers import assert_ledger_balanced
from tests.work import helpers as w

pytestmark = pytest.mark.e2e

COMPLAINT = "No compliance review of the NDA was done"


def email_of(user_id: str) -> str:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(User.email).where(User.id == user_id)).scalar_one()


def dispute_of(request_id: str) -> Dispute:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(Dispute).where(Dispute.request_id == request_id)).scalar_one()


def disputed(agent, *, appeal: bool) -> tuple[str, str]:
    """A completed request the company disputed (tier 0 ruled); appealed by the other side when asked.

    Returns:
        (request id, dispute id).
    """
    worker = w.make_operator()
    request_id = w.completed_request(agent, worker)
    context = agent.context()
    dispute = w.in_unit(lambda session: disputes.open_by_company(session, ctx=context, request_id=request_id,
                                                                 reason=COMPLAINT))
    if appeal:
        loser = OperatorActor(worker.user_id) if dispute["ruling"] == "for_company" else context
        w.in_unit(lambda session: disputes.appeal(session, dispute_id=dispute["id"], actor=loser,
                                                  reason="The ruling is wrong"))
    return request_id, dispute["id"]


def sign_in_as(page: Page, url: Url, email: str, home: str) -> None:
    sign_in(page, url, email=email)
    page.wait_for_url(url(home))


def test_the_company_disputes_a_completed_request_and_appeals_the_ruling(page: Page, url: Url):
    # given a completed request and three operators who can sit on a jury
    agent, worker = w.make_agent(), w.make_operator()
    w.make_operators(count=3)
    request_id = w.completed_request(agent, worker)
    sign_in_as(page, url, owner_email(agent.company_id), routes.COMPANY_HOME)

    # when the owner disputes it from the request page
    page.goto(url(routes.company_request(request_id)))
    expect(page.locator("#dispute-window")).to_contain_text("You can dispute this result")
    page.locator("#open-dispute").click()
    page.locator("#dispute-reason").fill(COMPLAINT)
    expect(page.locator("#dispute-reason-count")).to_have_text(f"{len(COMPLAINT)} / 1,000")
    page.locator("#dispute-submit").click()

    # then the automated triage has ruled, with its reasoning, and the appeal window counts down
    section = page.locator("#request-dispute")
    expect(section.locator(".dispute-status")).to_have_text("awaiting appeal")
    expect(section.locator(".dispute-tier")).to_have_text("Tier 0 · automated triage")
    expect(section.locator(".dispute-ruling-entry")).to_contain_text("Automated triage")
    expect(section.locator(".dispute-deadline")).to_contain_text("left")
    expect(page.locator("#request-status")).to_have_text("disputed")
    expect(page.locator("#open-dispute")).to_have_count(0)
    # and the dispute says what happens next, to whose money, and who can stop it
    expect(section.locator("#dispute-next-step")).to_contain_text("The operator keeps the 16.40 EUR paid on")
    expect(section.locator("#dispute-next-step")).to_contain_text("unless you appeal, and nothing is refunded")

    # when the owner appeals
    page.locator("#company-appeal-reason").fill("The triage did not read the NDA")
    page.locator("#company-appeal-submit").click()

    # then a jury of three takes it, and it is listed on the Disputes page
    expect(section.locator(".dispute-status")).to_have_text("jury review")
    expect(section.locator(".dispute-tier")).to_have_text("Tier 1 · peer jury")
    expect(section.locator("#dispute-next-step")).to_contain_text("A jury of 3 operators votes by")
    page.goto(url(routes.COMPANY_DISPUTES))
    row = page.locator(f"#disputes-table [data-dispute='{dispute_of(request_id).id}']")
    expect(row.locator("[data-column='status']")).to_have_text("jury review")
    expect(row.locator("[data-column='tier']")).to_have_text("Tier 1 · peer jury")


def test_a_juror_votes_from_jury_duty_and_the_company_sees_the_jury_resolution(page: Page, phone: Page,
                                                                               url: Url):
    # given a dispute appealed to a jury of three
    agent = w.make_agent()
    jurors = w.make_operators(count=3)
    request_id, dispute_id = disputed(agent, appeal=True)
    assert dispute_of(request_id).status == "jury_review"
    sign_in_as(page, url, email_of(jurors[0].user_id), routes.OPERATOR_HOME)

    # when the first juror reads the case and votes for the company, with a comment
    page.goto(url(routes.OPERATOR_JURY))
    case = page.locator(f"[data-case='{dispute_id}']")
    expect(case.locator(".case-company")).to_have_text(COMPLAINT)
    expect(case.locator(".case-answer")).to_have_text(w.GOOD_ANSWER)
    case.locator(".vote-company").click()
    page.locator("#vote-comment").fill("The NDA was never reviewed")
    expect(page.locator("#vote-comment-count")).to_have_text("26 / 500")
    page.locator("#vote-confirm").click()

    # then the case says how they voted
    expect(case.locator(".my-vote")).to_have_text("You voted for the company.")
    expect(case.locator(".vote-company")).to_have_count(0)

    # when the other jurors vote (2 : 1 for the company) and the appeal window passes unappealed
    for juror, choice in ((jurors[1], "for_company"), (jurors[2], "for_operator")):
        w.in_unit(lambda session, juror=juror, choice=choice: disputes.vote(
            session, dispute_id=dispute_id, juror_id=juror.user_id, vote_for=choice))
    clock.freeze(clock.now() + timedelta(hours=49))
    try:
        assert w.in_unit(disputes.sweep_due) == 1
    finally:
        clock.unfreeze()

    # then the company, on a phone, sees the jury's result and the full refund on the request
    sign_in_as(phone, url, owner_email(agent.company_id), routes.COMPANY_HOME)
    phone.goto(url(routes.company_request(request_id)))
    section = phone.locator("#request-dispute")
    expect(section.locator(".dispute-status")).to_have_text("resolved")
    expect(section.locator(".dispute-jury")).to_have_text("for the company")
    expect(section.locator(".dispute-resolution")).to_contain_text("full refund")
    expect(section.locator(".dispute-resolution")).to_contain_text("20.00 EUR")
    expect(section.locator(".dispute-ruling-entry").nth(1)).to_contain_text("Peer jury: 2 for the company")
    with unit_of_work(read_only=True) as session:
        assert_ledger_balanced(session)


def test_staff_rule_a_split_from_the_specialist_queue(page: Page, url: Url):
    # given a dispute appealed with no eligible jurors, so a specialist takes it
    agent = w.make_agent()
    request_id, dispute_id = disputed(agent, appeal=True)
    assert dispute_of(request_id).status == "specialist_review"
    sign_in_as(page, url, make_user(role=Role.admin, display_name="Sam Specialist"), routes.ADMIN_HOME)

    # when staff mark themselves as legal specialists (it sticks across a reload)
    page.goto(url(routes.ADMIN_DISPUTES))
    specialty = page.locator("#specialty-legal_review")
    specialty.click()
    expect(specialty).to_have_attribute("data-state", "checked")
    page.reload()
    expect(page.locator("#specialty-legal_review")).to_have_attribute("data-state", "checked")

    # and rule a split of 5.00 EUR with their reasoning
    card = page.locator(f"#specialist-queue [data-dispute='{dispute_id}']")
    expect(card).to_contain_text(COMPLAINT)
    card.locator(".rule-dispute").click()
    page.locator("#ruling-split").click()
    page.locator("#refund").fill("5.00")
    page.locator("#ruling-reasoning").fill("Half of the clauses were reviewed")
    page.locator("#ruling-confirm").click()

    # then the case leaves the queue and the ruling awaits appeal
    expect(card).to_have_count(0)
    dispute = dispute_of(request_id)
    assert (dispute.status, dispute.ruling, dispute.ruling_refund_cents) == ("awaiting_appeal", "split", 500)


def test_the_operator_offers_a_settlement_and_the_company_accepts_it_on_a_phone(page: Page, phone: Page,
                                                                                url: Url):
    # given a dispute whose tier-0 ruling awaits appeal
    agent = w.make_agent()
    request_id, dispute_id = disputed(agent, appeal=False)
    operator_id = dispute_of(request_id).operator_id
    sign_in_as(page, url, email_of(operator_id), routes.OPERATOR_HOME)

    # when the operator states their side and offers a refund of 8.00 EUR
    page.goto(url(routes.OPERATOR_DISPUTES))
    expect(page.locator(f"#my-disputes [data-dispute='{dispute_id}']")).to_contain_text("awaiting appeal")
    selected = page.locator("#selected-dispute")
    expect(selected.locator(".dispute-reason")).to_have_text(COMPLAINT)
    page.locator("#dispute-statement-input").fill("Every clause was reviewed")
    page.locator("#statement-submit").click()
    expect(selected.locator(".dispute-statement")).to_have_text("Every clause was reviewed")
    page.locator("#refund").fill("8.00")
    page.locator("#operator-offer-submit").click()
    expect(selected.locator(".dispute-offer")).to_contain_text("8.00 EUR")

    # and the company accepts it from the request page
    sign_in_as(phone, url, owner_email(agent.company_id), routes.COMPANY_HOME)
    phone.goto(url(routes.company_request(request_id)))
    expect(phone.locator("#operator-offer")).to_contain_text("8.00 EUR")
    phone.locator("#company-accept-offer").click()
    phone.locator("#company-confirm-accept-offer").click()

    # then the dispute is resolved with that refund, on both pages
    expect(phone.locator("#request-dispute .dispute-resolution")).to_contain_text("8.00 EUR")
    expect(selected.locator(".dispute-status")).to_have_text("resolved")
    dispute = dispute_of(request_id)
    assert (dispute.status, dispute.resolution, dispute.refund_cents) == ("resolved", "split", 800)
    with unit_of_work(read_only=True) as session:
        assert_ledger_balanced(session)
