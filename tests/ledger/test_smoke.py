from marketplace_app.core.db import unit_of_work
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.health import ledger_health
from tests import factories


def test_hold_then_post_keeps_ledger_balanced():
    with unit_of_work() as session:
        company = factories.make_company(session)
        factories.fund(session, company=company, cents=1000)
    with unit_of_work() as session:
        ledger.place_hold(session, hold_id="hld_1", source=factories.companies.available_account(company.id),
                          escrow=factories.companies.escrow_account(company.id), amount_cents=800, reason="r")
    with unit_of_work() as session:
        worker = ledger.AccountRef("operator", "op1", "pending")
        ledger.post_hold(session, hold_id="hld_1", payees=[(worker, 600)], reason="done")
        assert ledger.balance_cents(session, worker) == 600
        assert ledger.balance_cents(session, factories.companies.available_account(company.id)) == 400
        health = ledger_health(session)
    assert health.ok, health
