"""Resolving a company user to their company and role."""

from __future__ import annotations

import pytest

from marketplace_app.companies.access import CompanyActor, checked_id, require_writer, resolve_actor
from marketplace_app.companies.models import CompanyMember, MemberRole
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Forbidden, NotFound
from marketplace_app.identity.models import Role
from tests import factories
from tests.companies.helpers import make_member


def test_a_company_owner_resolves_to_their_company_as_owner():
    with unit_of_work() as session:
        # given
        owner = factories.make_user(session, role=Role.company, company_name="Acme")
        company = session.exec(factories.companies_for(owner.id)).one()

        # when
        actor = resolve_actor(session, owner.id)

    # then
    assert actor == CompanyActor(user_id=owner.id, company_id=company.id, role=MemberRole.owner)
    assert actor.can_write


@pytest.mark.parametrize(("role", "can_write"), [(MemberRole.admin, True), (MemberRole.member, False)])
def test_members_resolve_with_their_role(role, can_write):
    with unit_of_work() as session:
        # given
        company = factories.make_company(session)
        user = make_member(session, company=company, role=role)

        # when
        actor = resolve_actor(session, user.id)

    # then
    assert (actor.company_id, actor.role, actor.can_write) == (company.id, role, can_write)


def test_a_user_in_two_companies_acts_for_the_first_one_joined():
    with unit_of_work() as session:
        # given
        first = factories.make_company(session, name="First")
        second = factories.make_company(session, name="Second")
        user = make_member(session, company=first, role=MemberRole.member)
        session.add(CompanyMember(company_id=second.id, user_id=user.id, role=MemberRole.owner))
        session.flush()

        # when
        actor = resolve_actor(session, user.id)

    # then
    assert (actor.company_id, actor.role) == (first.id, MemberRole.member)


def test_an_agent_owner_acts_for_the_organisation_made_at_sign_up():
    with unit_of_work() as session:
        # given
        user = factories.make_user(session, role=Role.agent_owner)

        # when
        actor = resolve_actor(session, user.id)

    # then
    assert actor.role == MemberRole.owner


@pytest.mark.parametrize("role", [Role.operator, Role.admin])
def test_users_without_a_company_are_forbidden(role):
    with unit_of_work() as session:
        # given
        user = factories.make_user(session, role=role)

        # when / then
        with pytest.raises(Forbidden):
            resolve_actor(session, user.id)


def test_plain_members_may_not_write():
    # given
    member = CompanyActor(user_id="usr_1", company_id="com_1", role=MemberRole.member)

    # when / then
    with pytest.raises(Forbidden, match="owners and admins can rotate keys"):
        require_writer(member, "rotate keys")
    require_writer(CompanyActor(user_id="usr_1", company_id="com_1", role=MemberRole.admin), "rotate keys")


@pytest.mark.parametrize("value", ["", "prj_\x00", "a" * 41, "prj 1", "prj_'", None, 5, "prj_é"])
def test_values_that_cannot_be_ids_are_not_found(value):
    with pytest.raises(NotFound):
        checked_id(value, "Project")


def test_well_formed_ids_pass():
    assert checked_id("prj_0123456789abcdef01234567", "Project") == "prj_0123456789abcdef01234567"
