"""Project settings in the service: validation into columns, partial updates, tenancy and races."""

from __future__ import annotations

import pytest

from marketplace_app.catalogue.models import Skill
from marketplace_app.companies import service as companies
from marketplace_app.companies.access import resolve_actor
from marketplace_app.companies.fields import project_values
from marketplace_app.companies.models import Company, MemberRole, Project
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Forbidden, NotFound, ValidationFailed
from tests import factories
from tests.companies.helpers import make_member, owner_actor
from tests.ledger.helpers import race

RACE_ROUNDS = 10


@pytest.fixture
def actor():
    with unit_of_work() as session:
        return owner_actor(session, factories.make_company(session))


def test_fields_become_column_values():
    with unit_of_work(read_only=True) as session:
        # when
        values = project_values(session, {
            "name": " Bot ", "information_policy": "open", "allowed_skills": ["research", "research", "translation"],
            "redaction_terms": [" Falcon ", "Falcon"], "budget": {"daily": "12.5EUR", "monthly": None},
            "rate_limit_per_hour": 7})

    # then
    assert values == {"name": "Bot", "information_policy": "open", "allowed_skills": ["research", "translation"],
                      "redaction_terms": ["Falcon"], "daily_budget_cents": 1250, "monthly_budget_cents": None,
                      "rate_limit_per_hour": 7}


@pytest.mark.parametrize("fields", [{"company_id": "com_x"}, {"budget": "10EUR"}, {"budget": {"yearly": "1EUR"}},
                                    {"allowed_skills": [1]}, {"redaction_terms": "Falcon"}, {"name": None},
                                    {"webhook_url": "https://example.com/hook"}])
def test_unknown_or_misshapen_fields_are_refused(fields):
    with unit_of_work(read_only=True) as session, pytest.raises(ValidationFailed):
        project_values(session, fields)


def test_a_retired_skill_is_not_allowed():
    with unit_of_work() as session:
        # given
        session.get_one(Skill, "research").active = False
        session.flush()

        # when / then
        with pytest.raises(ValidationFailed, match="research"):
            project_values(session, {"allowed_skills": ["research"]})


def test_add_project_requires_a_name_and_a_writer(actor):
    with unit_of_work() as session:
        # given
        company = session.get_one(Company, actor.company_id)
        member = resolve_actor(session, make_member(session, company=company, role=MemberRole.member).id)

        # when / then
        with pytest.raises(ValidationFailed, match="name is required"):
            companies.add_project(session, actor=actor, fields={})
        with pytest.raises(Forbidden):
            companies.add_project(session, actor=member, fields={"name": "x"})


def test_another_companys_project_is_not_found(actor):
    # given
    with unit_of_work() as session:
        project = companies.add_project(session, actor=actor, fields={"name": "Mine"})
        stranger = owner_actor(session, factories.make_company(session, name="Other"))

    # when / then
    with unit_of_work() as session:
        with pytest.raises(NotFound):
            companies.get_project(session, actor=stranger, project_id=project.id)
        with pytest.raises(NotFound):
            companies.update_project(session, actor=stranger, project_id=project.id, changes={"name": "Stolen"})
        assert companies.list_projects(session, actor=stranger).items == []


def test_concurrent_budget_changes_cannot_leave_the_caps_out_of_order(actor, database):
    changes = [{"budget": {"monthly": "100EUR"}}, {"budget": {"daily": "200EUR"}}]
    for _round in range(RACE_ROUNDS):  # two contenders can miss each other on a loaded machine
        # given (daily 50 ≤ monthly 500)
        with unit_of_work() as session:
            project_id = companies.add_project(session, actor=actor, fields={
                "name": "p", "budget": {"daily": "50EUR", "monthly": "500EUR"}}).id

        # when (each change is valid alone, not together)
        result = race(database, contenders=2, require_overlap=False, action=lambda session, index, project=project_id: (
            companies.update_project(session, actor=actor, project_id=project, changes=changes[index])))
        if len(result.together) == 2:
            break

    # then both were in flight together, exactly one won, and the caps are in order
    assert len(result.together) == 2, "the two changes never ran together"
    assert result.kinds() == {"ok": 1, "ValidationFailed": 1}, result.outcomes
    with unit_of_work(read_only=True) as session:
        stored = session.get_one(Project, project_id)
    assert stored.daily_budget_cents <= stored.monthly_budget_cents
