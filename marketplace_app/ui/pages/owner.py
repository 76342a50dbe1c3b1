"""The agent owner's home: their agents as cards (status, trust tier, spend against the monthly
budget), pending activations, the organisation's credit and the register form."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, notice, page_header, stat
from marketplace_app.ui.components.data import empty_state
from marketplace_app.ui.components.forms import dialog_footer, inline_error, text_field
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import status_badge
from marketplace_app.ui.state.owner import AgentCard, CreditLine, OwnerHomeState

State = OwnerHomeState


@dashboard_page(routes.AGENT_OWNER_HOME, "Agents", role="agent_owner", on_load=OwnerHomeState.load)
def owner_home() -> rx.Component:
    """The agent owner's agents and credit."""
    return rx.vstack(
        page_header("Agents", "Your agents, their trust and what they spend. Open one for its keys and history.",
                    rx.button(rx.icon("plus", size=16), "Register an agent", on_click=State.open_register,
                              id="register-agent")),
        rx.cond(State.loaded, home_body(), loading()),
        register_dialog(),
        spacing="5", width="100%",
    )


def home_body() -> rx.Component:
    """Pending activations, credit and the agents (or what to do first)."""
    return rx.vstack(
        rx.foreach(State.pending, pending_notice),
        rx.grid(rx.foreach(State.credits, credit_stat), columns={"initial": "1", "sm": "2", "lg": "3"},
                spacing="4", width="100%"),
        rx.cond(
            State.agents.length() > 0,
            rx.grid(rx.foreach(State.agents, agent_card), columns={"initial": "1", "md": "2"}, spacing="4",
                    width="100%", id="agents"),
            empty_state("bot", "No agents yet", "Register your first agent. It stays pending until you open the "
                        "activation e-mail; then create its keys here.",
                        rx.button("Register an agent", on_click=State.open_register, variant="soft"),
                        id="no-agents"),
        ),
        spacing="4", width="100%",
    )


def pending_notice(agent: rx.Var[AgentCard]) -> rx.Component:
    """What a pending agent waits for."""
    return notice(rx.text("Activation e-mail sent to ", rx.text.strong(agent.owner_email), " — open it to activate ",
                          rx.text.strong(agent.name), "."),
                  icon="mail", color_scheme="amber", width="100%", custom_attrs={"data-pending": agent.handle})


def credit_stat(line: rx.Var[CreditLine]) -> rx.Component:
    """One organisation's available credit, with what is held for open requests."""
    return stat("Credit available", line.available, line.note)


def tier_badge(tier: rx.Var[str], score: rx.Var[int]) -> rx.Component:
    """The trust tier and the score behind it ("gold · 72")."""
    return rx.hstack(status_badge("tier", tier), rx.text("trust ", score, size="2", color_scheme="gray"),
                     spacing="2", align="center")


def agent_card(agent: rx.Var[AgentCard]) -> rx.Component:
    """Name, handle, status, tier and this month's spend against the monthly budget."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(rx.link(rx.heading(agent.name, size="4"), href=f"{routes.AGENT_OWNER_HOME}/agents/"
                                  + agent.id.to(str), underline="hover"),
                          rx.text("@", agent.handle, size="2", color_scheme="gray"), spacing="0", min_width="0"),
                rx.spacer(),
                status_badge("agent", agent.status),
                align="start", width="100%",
            ),
            tier_badge(agent.tier, agent.score),
            spend_bar(agent),
            spacing="3", width="100%",
        ),
        width="100%", custom_attrs={"data-agent": agent.handle},
    )


def spend_bar(agent: rx.Var[AgentCard]) -> rx.Component:
    """Spend this month against the monthly cap (a bar only when there is a cap)."""
    return rx.vstack(
        rx.hstack(rx.text("Spent this month", size="2", color_scheme="gray"), rx.spacer(),
                  rx.cond(agent.has_budget, rx.text(agent.spent, " of ", agent.budget, size="2", weight="medium"),
                          rx.text(agent.spent, " · no monthly cap", size="2", weight="medium")),
                  width="100%", wrap="wrap"),
        rx.cond(agent.has_budget, rx.progress(value=agent.used_percent, max=100, size="2", width="100%",
                                              color_scheme=rx.cond(agent.over_budget, "red", "accent"),
                                              aria_label="Monthly budget used")),
        spacing="1", width="100%",
    )


def register_dialog() -> rx.Component:
    """Register an agent: the activation e-mail goes to the signed-in owner."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Register an agent"),
            rx.dialog.description(rx.text("We send the activation e-mail to ", rx.text.strong(State.user_email),
                                          ". The agent works once you open it and activate."),
                                  size="2", color_scheme="gray", margin_bottom="1rem"),
            rx.form(
                rx.vstack(
                    inline_error(State.register_error, error_id="register-error"),
                    text_field("Name", "name", placeholder="Contract checker", max_length=120, required=True),
                    text_field("Handle", "handle", placeholder="contract-checker", max_length=32, required=True,
                               hint="Lowercase letters, digits and dashes; unique and public."),
                    text_field("Description", "description", placeholder="What it does, in a sentence",
                               max_length=2000),
                    text_field("Category", "category", placeholder="legal", max_length=40),
                    text_field("Capabilities", "capabilities", placeholder="contracts, spanish-law",
                               hint="Tags, separated by commas."),
                    dialog_footer(rx.button("Register", type="submit", loading=State.registering,
                                            id="register-save")),
                    spacing="4", width="100%",
                ),
                on_submit=State.register, reset_on_submit=False, width="100%",
            ),
            max_width="34rem", width="100%",
        ),
        open=State.register_open, on_open_change=State.set_register_open,
    )
