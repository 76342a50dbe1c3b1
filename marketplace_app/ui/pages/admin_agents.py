"""Staff and agents: search every agent, freeze or unfreeze one with a reason."""

from __future__ import annotations

import reflex as rx

from marketplace_app.agents.admin_queries import MAX_QUERY_LENGTH
from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, page_header
from marketplace_app.ui.components.data import cell, empty_state, pager, record_card, responsive_table
from marketplace_app.ui.components.forms import labelled
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import reason_dialog, status_badge
from marketplace_app.ui.state.admin_agents import STATUS_CHOICES, AdminAgentsState, AgentItem

COLUMNS = ("Agent", "Owner", "Status", "Trust", "Registered", "")


@dashboard_page(routes.ADMIN_AGENTS, "Agents", role="admin", on_load=AdminAgentsState.load)
def admin_agents() -> rx.Component:
    """Every agent, newest first, with search, a status filter and freeze / unfreeze."""
    state = AdminAgentsState
    return rx.vstack(
        page_header("Agents", "Every registered agent. Freezing one refuses every call of its keys and tokens "
                              "at once and closes its open streams; the reason is recorded with your name."),
        search_form(),
        rx.cond(state.loaded, agent_list(), loading()),
        reason_dialog(open_=state.acting.contains("id"),
                      title=rx.cond(state.acting["action"] == "freeze", "Freeze this agent", "Unfreeze this agent"),
                      description=rx.cond(state.acting["action"] == "freeze",
                                          "Every call of " + state.acting["handle"]
                                          + " will be refused until staff unfreeze it. Its owner sees your reason.",
                                          state.acting["handle"] + " may call Handoff again. Say why."),
                      on_submit=state.confirm, on_close=state.close, error=state.reason_error,
                      confirm=rx.cond(state.acting["action"] == "freeze", "Freeze", "Unfreeze"),
                      form_id="agent-reason"),
        spacing="5", width="100%",
    )


def search_form() -> rx.Component:
    """Text (handle, name or owner e-mail) and status; the list starts again from the newest."""
    return rx.form(
        rx.flex(
            labelled("Search", rx.input(name="q", id="agent-search", placeholder="handle, name or owner e-mail",
                                        max_length=MAX_QUERY_LENGTH, width="100%"), html_for="agent-search"),
            labelled("Status", rx.select(list(STATUS_CHOICES), name="status", default_value="all",
                                         id="agent-status"), html_for="agent-status"),
            rx.button(rx.icon("search", size=16), "Search", type="submit", size="2", id="agent-search-submit",
                      align_self="end"),
            direction={"initial": "column", "sm": "row"}, spacing="3", width="100%", align="stretch",
        ),
        on_submit=AdminAgentsState.search, reset_on_submit=False, width="100%", id="agent-search-form",
    )


def agent_list() -> rx.Component:
    """The agents as a table (cards on a phone) with Newer / Older."""
    state = AdminAgentsState
    return rx.cond(
        state.agents.length() > 0,
        rx.vstack(
            responsive_table(COLUMNS, state.agents, _row, _card, table_id="admin-agents", min_width="56rem"),
            pager(state.page, state.has_more, on_previous=state.previous_page, on_next=state.next_page,
                  previous_label="Newer", next_label="Older", pager_id="agents-pager"),
            spacing="3", width="100%",
        ),
        empty_state("bot", "No agents", "Registered agents appear here; try another search."),
    )


def _status(agent: rx.Var[AgentItem]) -> rx.Component:
    return status_badge("agent", agent.status, custom_attrs={"data-status": agent.status})


def _action(agent: rx.Var[AgentItem]) -> rx.Component:
    # Only an active agent can be frozen and only a frozen one unfrozen (agents/freeze.py).
    return rx.match(
        agent.status,
        ("active", rx.button(rx.icon("snowflake", size=14), "Freeze", size="2", color_scheme="red", variant="soft",
                             on_click=AdminAgentsState.start(agent, "freeze"), custom_attrs={"data-action": "freeze"})),
        ("frozen", rx.button(rx.icon("sun", size=14), "Unfreeze", size="2", variant="soft",
                             on_click=AdminAgentsState.start(agent, "unfreeze"),
                             custom_attrs={"data-action": "unfreeze"})),
        rx.fragment(),
    )


def _who(agent: rx.Var[AgentItem]) -> rx.Component:
    return rx.vstack(rx.text(agent.name, weight="medium", size="2"), rx.code(agent.handle, size="1"), spacing="1")


def _row(agent: rx.Var[AgentItem]) -> rx.Component:
    return rx.table.row(
        cell(_who(agent), "agent"),
        cell(rx.text(agent.owner_email, size="2"), "owner"),
        cell(rx.vstack(_status(agent), rx.text(agent.frozen_reason, size="1", color_scheme="gray"), spacing="1"),
             "status", max_width="18rem"),
        cell(agent.trust, "trust", white_space="nowrap"),
        cell(agent.created, "created", white_space="nowrap"),
        cell(_action(agent), "action"),
        align="center", custom_attrs={"data-agent": agent.id},
    )


def _card(agent: rx.Var[AgentItem]) -> rx.Component:
    return record_card(
        _who(agent),
        ("Owner", agent.owner_email),
        ("Status", _status(agent)),
        ("Reason", agent.frozen_reason),
        ("Trust", agent.trust),
        ("Registered", agent.created),
        footer=_action(agent),
        custom_attrs={"data-agent": agent.id},
    )

