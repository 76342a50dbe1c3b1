"""Settings that guard the deployment: which browser origins may call with cookies, and what
production refuses to start with."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from marketplace_app.settings import Environment, Settings

REAL_SECRET = "a-real-production-secret-of-enough-length-0123456789"


@pytest.fixture(autouse=True)
def no_deployment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALLOWED_ORIGINS", "APP_URL", "API_URL"):
        monkeypatch.delenv(name, raising=False)


def production(**values: object) -> Settings:
    return Settings(environment=Environment.production, secret_key=REAL_SECRET, **values)


def test_the_allowed_origins_default_to_the_dashboard_and_api_origins():
    # when
    settings = Settings(app_url="https://app.handoff.example/", api_url="https://api.handoff.example/v1")

    # then
    assert settings.allowed_origins == ["https://app.handoff.example", "https://api.handoff.example"]
    assert settings.allows_origin("https://app.handoff.example")
    assert not settings.allows_origin("https://evil.example")


def test_the_development_defaults_allow_the_dev_servers_only():
    # when
    settings = Settings()

    # then
    assert settings.allowed_origins == ["http://localhost:3000", "http://localhost:8000"]
    assert not settings.allows_origin("http://localhost:3001")
    assert not settings.allows_origin("null")


def test_allowed_origins_are_read_from_a_comma_separated_variable(monkeypatch):
    # given
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://Handoff.example, https://admin.handoff.example/")

    # when
    settings = Settings()

    # then (origins compare the way browsers send them: lower case, no trailing slash)
    assert settings.allowed_origins == ["https://handoff.example", "https://admin.handoff.example"]
    assert settings.allows_origin("https://handoff.example")


@pytest.mark.parametrize("origins", ["https://handoff.example/app", "handoff.example", "ftp://handoff.example",
                                     "https://user@handoff.example", "https://handoff.example?x=1"])
def test_something_that_is_not_an_origin_is_refused(origins):
    # when / then
    with pytest.raises(ValidationError, match="origin"):
        Settings(allowed_origins=origins)


@pytest.mark.parametrize("origins", ["*", "https://handoff.example,*"])
def test_production_refuses_any_origin(origins):
    # when / then
    with pytest.raises(ValidationError, match="ALLOWED_ORIGINS"):
        production(allowed_origins=origins)


def test_development_may_allow_any_origin():
    # when
    settings = Settings(allowed_origins="*")

    # then
    assert settings.allows_origin("https://anything.example")


def test_production_starts_with_its_public_origins():
    # when
    settings = production(app_url="https://handoff.example", api_url="https://handoff.example")

    # then
    assert settings.allowed_origins == ["https://handoff.example"]


@pytest.mark.parametrize("secret", ["", "changeme", "short"])
def test_production_refuses_a_missing_or_placeholder_secret(secret):
    # when / then
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment=Environment.production, secret_key=secret)


# Agent JWT keys (agents/tokens.py)

JWT_SECRET = "a-real-jwt-signing-key-of-enough-length-0123456789"


def test_jwt_keys_are_read_from_kid_secret_pairs(monkeypatch):
    # given
    monkeypatch.setenv("JWT_KEYS", f" old:{JWT_SECRET}1 , new:{JWT_SECRET}2 ")
    monkeypatch.setenv("JWT_CURRENT_KID", "new")

    # when
    settings = production()

    # then
    assert settings.jwt_keys == {"old": f"{JWT_SECRET}1", "new": f"{JWT_SECRET}2"}


@pytest.mark.parametrize(("keys", "current", "complaint"), [
    ("", "", "JWT_KEYS and JWT_CURRENT_KID must be set"),
    (f"a:{JWT_SECRET}", "b", "JWT_CURRENT_KID must name"),
    ("a:short", "a", "JWT key 'a' must be a random value"),
    ("a:changeme", "a", "JWT key 'a' must be a random value"),
    (f"a:{JWT_SECRET},b", "a", "JWT_KEYS must read"),
], ids=["missing", "unknown current kid", "short key", "placeholder key", "kid without secret"])
def test_production_refuses_missing_or_weak_jwt_keys(monkeypatch, keys, current, complaint):
    # given
    monkeypatch.setenv("JWT_KEYS", keys)
    monkeypatch.setenv("JWT_CURRENT_KID", current)

    # when / then
    with pytest.raises(ValidationError, match=complaint):
        production()


def test_development_signs_agent_tokens_with_a_key_derived_from_the_secret(monkeypatch):
    # given
    from marketplace_app.agents.tokens import current_key, signing_keys
    monkeypatch.delenv("JWT_KEYS")
    monkeypatch.delenv("JWT_CURRENT_KID")

    # when
    settings = Settings(environment=Environment.development, secret_key=REAL_SECRET)
    other = Settings(environment=Environment.development, secret_key=REAL_SECRET + "x")

    # then
    kid, secret = current_key(settings)
    assert kid == "dev" and len(secret) >= 32 and REAL_SECRET not in secret
    assert signing_keys(settings) == {"dev": secret} != signing_keys(other)
@pytest.mark.parametrize(("values", "refusal"), [
    ({"smtp_host": ""}, "SMTP_HOST must name the mail server in production"),
    ({"smtp_host": "smtp.handoff.example", "mail_from": "Handoff <no-reply@localhost>"},
     "MAIL_FROM must be an address of your own domain"),
    ({"smtp_host": "smtp.handoff.example", "smtp_username": "handoff", "smtp_starttls": False},
     "would send the SMTP password unencrypted"),
], ids=["no-smtp-host", "mail-from-localhost", "login-in-clear"])
def test_production_refuses_to_start_with_mail_that_cannot_leave_or_leaks_the_password(values, refusal):
    # when
    with pytest.raises(ValidationError) as refused:
        production(**{"mail_from": "Handoff <no-reply@handoff.example>", **values})

    # then
    assert refusal in str(refused.value)


def test_production_starts_with_a_mail_server_and_only_elsewhere_without_one():
    # when
    settings = production(smtp_host="smtp.handoff.example", mail_from="Handoff <no-reply@handoff.example>",
                          smtp_username="handoff", smtp_password="p" * 20)
    development = Settings(smtp_host="")

    # then
    assert (settings.smtp_host, settings.smtp_starttls) == ("smtp.handoff.example", True)
    assert "p" * 20 not in repr(settings)
    assert development.smtp_host == ""
