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
