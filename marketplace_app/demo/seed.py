"""Load the demo accounts once: a funded company with a project and key, two verified
operators, an agent owner and an admin. Safe to run again (it does nothing then).

Run with `python -m marketplace_app.demo.seed`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from marketplace_app.companies import service as companies
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.money import display_money
from marketplace_app.demo.agents import seed_owner_agents
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role, User
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.models import OwnerType, Purpose
from marketplace_app.operators import service as operators
from marketplace_app.operators.models import KycStatus
from marketplace_app.settings import VAR_DIR, Environment, get_settings

DEMO_PASSWORD = "handoff-demo-2026"
DEMO_CREDIT_CENTS = 50_000
DEMO_MARKER = "admin@example.com"


@dataclass(frozen=True, slots=True)
class DemoUser:
    email: str
    name: str
    role: Role


DEMO_USERS = (
    DemoUser("admin@example.com", "Ada Admin", Role.admin),
    DemoUser("company@example.com", "Casey Buyer", Role.company),
    DemoUser("operator1@example.com", "Olivia Operator", Role.operator),
    DemoUser("operator2@example.com", "Omar Operator", Role.operator),
    DemoUser("owner@example.com", "Avery Agent-Owner", Role.agent_owner),
)
OPERATOR_SKILLS = {
    "operator1@example.com": ["legal_review", "translation", "research"],
    "operator2@example.com": ["data_validation", "content_review", "photo_verification", "research"],
}


def already_seeded() -> bool:
    """Whether the demo accounts exist."""
    with unit_of_work(read_only=True) as session:
        return session.execute(select(User.id).where(User.email == DEMO_MARKER)).first() is not None


def seed() -> str | None:
    """Create the demo data in one unit of work; return the demo API key, or None if seeded before."""
    if already_seeded():
        return None
    with unit_of_work() as session:
        users = {demo.email: _sign_up(session, demo) for demo in DEMO_USERS}
        company = session.exec(_company_of(users["company@example.com"].id)).one()
        project = companies.create_project(session, company_id=company.id, name="Support triage agent",
                                           daily_budget_cents=20_000, max_per_request_cents=5_000)
        issued = companies.issue_key(session, project_id=project.id, name="Demo agent")
        _fund(session, company_id=company.id)
    return issued.secret


def _sign_up(session, demo: DemoUser) -> User:
    user = identity.sign_up(session, identity.SignUp(email=demo.email, password=DEMO_PASSWORD,
                                                     display_name=demo.name, role=demo.role,
                                                     company_name="Acme Robotics"), allow_admin=True)
    if demo.role == Role.operator:
        profile = operators.get_profile(session, user_id=user.id)
        profile.skills = OPERATOR_SKILLS[demo.email]
        profile.kyc_status = KycStatus.verified
        profile.available = True
        profile.country = "ES"
        profile.languages = ["en", "es"]
    return user


def _company_of(user_id: str):
    from sqlmodel import select as model_select

    from marketplace_app.companies.models import Company, CompanyMember
    return model_select(Company).join(CompanyMember, CompanyMember.company_id == Company.id).where(
        CompanyMember.user_id == user_id)


def _fund(session, *, company_id: str) -> None:
    source = ledger.account_id(session, ledger.AccountRef(OwnerType.external, "manual", Purpose.provider_clearing))
    target = ledger.account_id(session, companies.available_account(company_id))
    ledger.transfer(session, idempotency_key=f"demo-credit:{company_id}", kind="deposit",
                    reason="Demo credit (manual payment provider)", legs=[ledger.Leg(source, target,
                                                                                    DEMO_CREDIT_CENTS)])


def main() -> None:
    """Seed and print the demo logins (and the API key, which is shown only this once)."""
    settings = get_settings()
    if settings.environment is Environment.production:
        print("Demo data is never loaded in production: its passwords are public. Create the first staff "
              "account with `python -m marketplace_app.identity.create_staff --email … --name …`.")
        return
    key = seed()
    # The agents come in their own unit of work, so a database seeded before they existed gets them too.
    _print_agent_keys(seed_owner_agents())
    if key is None:
        print("Demo data already loaded. Logins are listed in README.md (password: handoff-demo-2026).")
        return
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "demo-api-key.txt").write_text(key + "\n")
    print("Demo data loaded. Sign in at", settings.app_url + "/login", "with password", DEMO_PASSWORD)
    for demo in DEMO_USERS:
        print(f"  {demo.role:<12} {demo.email}")
    print(f"Demo company 'Acme Robotics' has {display_money(DEMO_CREDIT_CENTS, settings.currency)} of credit.")
    print(f"Demo API key (shown once, also saved to .var/demo-api-key.txt): {key}")


def _print_agent_keys(keys: list[tuple[str, str]]) -> None:
    for handle, secret in keys:
        print(f"Demo agent '{handle}' of owner@example.com, its key (shown once): {secret}")


if __name__ == "__main__":
    main()
