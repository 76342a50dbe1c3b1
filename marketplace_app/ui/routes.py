"""Every dashboard URL in one place (plain strings; the API imports it too)."""

from __future__ import annotations

LOGIN = "/login"
SIGNUP = "/signup"
COMPANY_HOME = "/company"
OPERATOR_HOME = "/operator"
AGENT_OWNER_HOME = "/owner"
ADMIN_HOME = "/admin"
ADMIN_SCHEDULER = "/admin/scheduler"
ADMIN_LEDGER = "/admin/ledger"

HOME_BY_ROLE = {"company": COMPANY_HOME, "operator": OPERATOR_HOME, "agent_owner": AGENT_OWNER_HOME,
                "admin": ADMIN_HOME}


def home_for_role(role: str) -> str:
    """Where a user of `role` lands after signing in."""
    return HOME_BY_ROLE.get(role, LOGIN)
