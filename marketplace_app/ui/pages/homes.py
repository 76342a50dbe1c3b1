"""The agent-owner and staff homes: a welcome and an honest account of what comes next.

The company overview lives in `pages/company.py`, the operator overview in `pages/operator.py`.
"""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import next_steps, welcome_header
from marketplace_app.ui.components.layout import dashboard_page


@dashboard_page(routes.AGENT_OWNER_HOME, "Agents", role="agent_owner")
def agent_owner_home() -> rx.Component:
    """The agent owner's home."""
    return rx.vstack(
        welcome_header(),
        next_steps(
            "What comes next",
            ("bot", "Agents", "Register your agents, activate them and manage their keys."),
            ("chart-line", "Trust score", "Each agent's trust tier and its history, which set the platform fee."),
            ("briefcase", "Jobs", "Every job your agents took, with its status and result."),
            ("piggy-bank", "Earnings", "What your agents earned, when it becomes available, and payouts."),
        ),
        spacing="6", width="100%",
    )


@dashboard_page(routes.ADMIN_HOME, "Overview", role="admin")
def admin_home() -> rx.Component:
    """The staff console's home."""
    return rx.vstack(
        welcome_header(),
        rx.grid(
            _admin_link(routes.ADMIN_KYC, "id-card", "KYC queue", "Approve or reject operator identity checks."),
            _admin_link(routes.ADMIN_PAYOUTS, "banknote", "Payouts", "Mark requested payouts paid or failed."),
            _admin_link(routes.ADMIN_CREDITS, "hand-coins", "Credits",
                        "Credit a bank transfer to the company that sent it, once per bank reference."),
            _admin_link(routes.ADMIN_DISPUTES, "scale", "Disputes",
                        "Specialist and board queues: read the case and rule."),
            _admin_link(routes.ADMIN_SCHEDULER, "timer", "Scheduler", "Heartbeat of every timer job and its lease."),
            _admin_link(routes.ADMIN_LEDGER, "book-open-check", "Ledger health",
                        "Proof that every balance equals its entries and all balances sum to zero."),
            columns={"initial": "1", "md": "2"}, spacing="4", width="100%",
        ),
        next_steps(
            "What comes next",
            ("shield-off", "Kill switch", "Freeze or unfreeze any account, project or agent."),
            ("scroll-text", "Audit log", "Every staff and money action, who did it and when."),
        ),
        spacing="6", width="100%",
    )


def _admin_link(href: str, icon: str, title: str, sentence: str) -> rx.Component:
    return rx.link(
        rx.card(
            rx.hstack(rx.icon(icon, size=22, color=rx.color("accent", 11)),
                      rx.vstack(rx.text(title, weight="bold", size="3"),
                                rx.text(sentence, size="2", color_scheme="gray"), spacing="1"),
                      rx.spacer(), rx.icon("chevron-right", size=18, color=rx.color("gray", 9)),
                      align="center", spacing="3"),
            width="100%", _hover={"border_color": rx.color("accent", 8)},
        ),
        href=href, underline="none", color="inherit", width="100%",
    )
