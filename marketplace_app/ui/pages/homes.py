"""The agent-owner home: a welcome and an honest account of what comes next.

The company overview lives in `pages/company.py`, the operator overview in `pages/operator.py`, the
staff overview in `pages/admin.py`.
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
