"""The keys page's rows: typed, with a real boolean for whether a key may still be revoked or rotated."""

from __future__ import annotations

from sqlmodel import select

from marketplace_app.companies import service as companies
from marketplace_app.companies.access import resolve_actor
from marketplace_app.companies.models import CompanyMember
from marketplace_app.core.db import unit_of_work
from marketplace_app.ui.state import company_keys
from tests import factories


def test_a_key_row_says_with_a_boolean_whether_the_key_may_be_acted_on():
    # given a company with one key
    with unit_of_work() as session:
        company = factories.make_company(session)
        factories.make_key(session, project=factories.make_project(session, company=company))
        owner_id = session.exec(select(CompanyMember.user_id).where(CompanyMember.company_id == company.id)).one()

    # when the page reads it, and again after it is revoked
    with unit_of_work() as session:
        actor = resolve_actor(session, owner_id)
        [active] = company_keys.keys_snapshot(session, actor, starting_after=None)["keys"]
        companies.revoke_key(session, actor=actor, key_id=active.id)
    with unit_of_work(read_only=True) as session:
        [revoked] = company_keys.keys_snapshot(session, resolve_actor(session, owner_id), starting_after=None)["keys"]

    # then
    assert (active.status, active.actionable) == ("active", True)
    assert (revoked.status, revoked.actionable) == ("revoked", False)
