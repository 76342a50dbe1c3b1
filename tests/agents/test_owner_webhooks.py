"""An owner's webhook endpoints for their agent: added after a real ping on loopback, deleted;
only their own agent's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from marketplace_app.agents import owner_queries as owners
from marketplace_app.agents import owner_webhooks
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import NotFound
from marketplace_app.settings import get_settings
from tests.agents.test_owner_queries import make_owned_agent, make_owner
from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """A loopback receiver that answers 200, with the development localhost setting on."""
    monkeypatch.setenv("WEBHOOKS_ALLOW_LOCALHOST", "1")
    get_settings.cache_clear()
    started = Receiver().start()
    yield started
    started.stop()
    get_settings.cache_clear()


@pytest.fixture
def owner() -> dict[str, str]:
    with unit_of_work() as session:
        user_id, company_id = make_owner(session)
        agent = make_owned_agent(session, company_id=company_id, handle="scout")
        other_user_id, other_company_id = make_owner(session)
        other = make_owned_agent(session, company_id=other_company_id, handle="rival")
        return {"user_id": user_id, "agent_id": agent.id, "company_id": company_id,
                "other_user_id": other_user_id, "other_agent_id": other.id}


def _endpoints(user_id: str, agent_id: str) -> list[str]:
    with unit_of_work(read_only=True) as session:
        access = owners.agent_access(session, user_id=user_id, agent_id=agent_id)
        return [endpoint.url for endpoint in owners.agent_endpoints(session, access=access)]


def test_an_added_endpoint_is_pinged_and_belongs_to_the_agent(owner, receiver):
    # when
    saved = owner_webhooks.add_agent_endpoint(user_id=owner["user_id"], agent_id=owner["agent_id"],
                                              url=receiver.url, description="my agent")

    # then
    assert saved.secret and saved.ping_error is None and len(receiver.calls) == 1
    assert _endpoints(owner["user_id"], owner["agent_id"]) == [receiver.url]


def test_another_owners_agent_gets_no_endpoint(owner, receiver):
    with pytest.raises(NotFound):
        owner_webhooks.add_agent_endpoint(user_id=owner["user_id"], agent_id=owner["other_agent_id"],
                                          url=receiver.url)
    assert receiver.calls == []


def test_delete_acts_only_on_this_agents_endpoints(owner, receiver):
    # given an endpoint of another agent of the same organisation, and one of this agent
    with unit_of_work() as session:
        sibling = make_owned_agent(session, company_id=owner["company_id"], handle="sibling")
    theirs = owner_webhooks.add_agent_endpoint(user_id=owner["user_id"], agent_id=sibling.id,
                                               url=receiver.url).endpoint.id
    mine = owner_webhooks.add_agent_endpoint(user_id=owner["user_id"], agent_id=owner["agent_id"],
                                             url=receiver.url).endpoint.id

    # when
    with unit_of_work() as session, pytest.raises(NotFound):
        owner_webhooks.delete_agent_endpoint(session, user_id=owner["user_id"], agent_id=owner["agent_id"],
                                             endpoint_id=theirs)
    with unit_of_work() as session:
        owner_webhooks.delete_agent_endpoint(session, user_id=owner["user_id"], agent_id=owner["agent_id"],
                                             endpoint_id=mine)

    # then
    assert _endpoints(owner["user_id"], owner["agent_id"]) == []
    assert _endpoints(owner["user_id"], sibling.id) == [receiver.url]
