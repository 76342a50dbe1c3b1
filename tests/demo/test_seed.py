"""Demo data: loaded in development, never in production (its passwords are public); the first
staff account of a production deployment comes from `create_staff`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from marketplace_app.core.db import unit_of_work
from marketplace_app.demo import seed
from marketplace_app.identity import create_staff
from marketplace_app.identity.models import Role, User
from marketplace_app.settings import get_settings


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ENVIRONMENT", "production")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def user_count() -> int:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(func.count()).select_from(User)).scalar_one()


def test_production_never_loads_the_demo_accounts(database, production, capsys):
    # when
    seed.main()

    # then
    assert user_count() == 0
    assert "never loaded in production" in capsys.readouterr().out


def test_development_loads_the_demo_accounts_once(database, tmp_path, monkeypatch):
    # given
    monkeypatch.setattr(seed, "VAR_DIR", tmp_path)

    # when
    seed.main()
    seed.main()

    # then
    assert user_count() == len(seed.DEMO_USERS)
    assert (tmp_path / "demo-api-key.txt").read_text().startswith("pk_")


def test_create_staff_opens_an_admin_account_that_can_sign_in(database, production, monkeypatch, client, capsys):
    # given no terminal, so the password comes from the environment
    monkeypatch.setenv(create_staff.PASSWORD_VARIABLE, "a-long-staff-password-2026")

    # when
    code = create_staff.main(["--email", "Ops@Handoff.example", "--name", "Ops Team"])

    # then
    assert code == 0
    with unit_of_work(read_only=True) as session:
        user = session.execute(select(User).where(User.email == "ops@handoff.example")).scalar_one()
    assert user.role == Role.admin
    login = client.post("/v1/auth/login", json={"email": "ops@handoff.example",
                                                 "password": "a-long-staff-password-2026"})
    assert login.status_code == 200, login.text
    assert login.json()["user"]["role"] == "admin"


def test_create_staff_refuses_a_taken_email_and_a_short_password(database, monkeypatch, capsys):
    # given
    monkeypatch.setenv(create_staff.PASSWORD_VARIABLE, "a-long-staff-password-2026")
    assert create_staff.main(["--email", "ops@handoff.example", "--name", "Ops"]) == 0

    # when
    taken = create_staff.main(["--email", "ops@handoff.example", "--name", "Ops again"])
    monkeypatch.setenv(create_staff.PASSWORD_VARIABLE, "short")
    short = create_staff.main(["--email", "other@handoff.example", "--name", "Other"])

    # then
    assert (taken, short) == (1, 1)
    assert "already exists" in capsys.readouterr().err
    assert user_count() == 1


def test_the_demo_agent_owner_gets_two_active_agents_once(database, tmp_path, monkeypatch, capsys):
    # given
    monkeypatch.setattr(seed, "VAR_DIR", tmp_path)

    # when
    seed.main()
    first = capsys.readouterr().out
    seed.main()
    second = capsys.readouterr().out

    # then: keys printed once, requests completed and settled, a trust history, the ledger balanced
    from marketplace_app.agents import owner_queries
    from marketplace_app.ledger.health import ledger_health
    with unit_of_work(read_only=True) as session:
        owner = session.execute(select(User).where(User.email == "owner@example.com")).scalar_one()
        agents = owner_queries.owned_agents(session, user_id=owner.id)
        access = owner_queries.agent_access(session, user_id=owner.id, agent_id=agents[-1].id)
        completed = owner_queries.agent_requests(session, access=access).rows
        history = owner_queries.trust_history(session, access=access)
        assert ledger_health(session).ok
    assert sorted((agent.handle, agent.status) for agent in agents) == [("contract-scout", "active"),
                                                                      ("fact-finder", "active")]
    assert first.count("key (shown once): pk_live_") == 2 and "pk_live_" not in second
    assert len(completed) >= 1 and {row["status"] for row in completed} == {"completed"}
    assert history and history[0].score_after == agents[-1].trust_score
