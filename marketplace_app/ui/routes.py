"""Every dashboard URL in one place (plain strings; the API imports it too)."""

from __future__ import annotations

LOGIN = "/login"
SIGNUP = "/signup"
MAGIC_LINK = "/auth/magic/[token]"
COMPANY_HOME = "/company"
COMPANY_PROJECTS = "/company/projects"
COMPANY_KEYS = "/company/keys"
COMPANY_CREDITS = "/company/credits"
COMPANY_REQUESTS = "/company/requests"
COMPANY_REQUEST = "/company/requests/[request_id]"
COMPANY_REVIEW = "/company/review"
COMPANY_DISPUTES = "/company/disputes"
COMPANY_WEBHOOKS = "/company/webhooks"
OPERATOR_HOME = "/operator"
OPERATOR_PROFILE = "/operator/profile"
OPERATOR_FEED = "/operator/feed"
OPERATOR_WORK = "/operator/work"
OPERATOR_TASK = "/operator/work/[request_id]"
OPERATOR_EARNINGS = "/operator/earnings"
OPERATOR_DISPUTES = "/operator/disputes"
OPERATOR_JURY = "/operator/jury"
AGENT_OWNER_HOME = "/owner"
AGENT_OWNER_AGENT = "/owner/agents/[agent_id]"
ADMIN_HOME = "/admin"
ADMIN_SCHEDULER = "/admin/scheduler"
ADMIN_LEDGER = "/admin/ledger"
ADMIN_KYC = "/admin/kyc"
ADMIN_PAYOUTS = "/admin/payouts"
ADMIN_DISPUTES = "/admin/disputes"
ADMIN_WEBHOOKS = "/admin/webhooks"
ADMIN_CREDITS = "/admin/credits"
ADMIN_AUDIT = "/admin/audit"
ACTIVATE_AGENT = "/activate/[token]"
ADMIN_AGENTS = "/admin/agents"
ADMIN_EMAILS = "/admin/emails"
# Development only: the mail kept for the signed-in person (any role); not found in production.
INBOX = "/inbox"

HOME_BY_ROLE = {"company": COMPANY_HOME, "operator": OPERATOR_HOME, "agent_owner": AGENT_OWNER_HOME,
                "admin": ADMIN_HOME}

# What a dashboard may say on landing after a browser sign-in (`?notice=<key>`): a key, never text
# from the URL, so a crafted link cannot put words on our page. `{email}` is the signed-in user's.
LANDING_NOTICES = {"agent_activated": "Activated — the API key is on its way to {email}"}


def home_for_role(role: str) -> str:
    """Where a user of `role` lands after signing in."""
    return HOME_BY_ROLE.get(role, LOGIN)


def company_request(request_id: str) -> str:
    """The detail page of one of the company's requests."""
    return f"{COMPANY_REQUESTS}/{request_id}"


def operator_task(request_id: str) -> str:
    """The operator's page for one task (accepted or about to be)."""
    return f"{OPERATOR_WORK}/{request_id}"


def company_webhooks(project_id: str = "") -> str:
    """The webhooks page, opened on one project's endpoints when `project_id` is given."""
    return f"{COMPANY_WEBHOOKS}?project={project_id}" if project_id else COMPANY_WEBHOOKS


def activate_agent(token: str) -> str:
    """The page an agent's activation mail links to."""
    return f"/activate/{token}"


def owner_agent(agent_id: str) -> str:
    """The agent owner's page for one of their agents."""
    return f"{AGENT_OWNER_HOME}/agents/{agent_id}"
