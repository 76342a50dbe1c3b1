"""One agent of its owner: Overview (profile, trust score and its history as a chart), Keys,
Webhooks, Spend (against the budget caps, per day) and Requests."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, notice
from marketplace_app.ui.components.data import (
    cell,
    detail_list,
    empty_state,
    mode_badge,
    record_card,
    responsive_table,
)
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import status_badge
from marketplace_app.ui.pages.company import AXIS_FORMATTER, TOOLTIP_FORMATTER
from marketplace_app.ui.pages.owner import tier_badge
from marketplace_app.ui.pages.owner_agent_keys import keys_section
from marketplace_app.ui.pages.owner_agent_webhooks import webhooks_section
from marketplace_app.ui.state.owner_agent import CapRow, OwnerAgentState, TrustRow
from marketplace_app.ui.state.owner_webhooks import OwnerWebhooksState

State = OwnerAgentState
REQUEST_COLUMNS = ("Request", "Status", "Skill", "Mode", "Max price", "Created")
SECTIONS = (("overview", "Overview"), ("keys", "Keys"), ("webhooks", "Webhooks"), ("spend", "Spend"),
            ("requests", "Requests"))


@dashboard_page(routes.AGENT_OWNER_AGENT, "Agent", role="agent_owner",
                on_load=[OwnerAgentState.load, OwnerWebhooksState.load])
def owner_agent() -> rx.Component:
    """The agent named in the URL, or not found."""
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=16), rx.text("All agents"), align="center", spacing="1"),
                href=routes.AGENT_OWNER_HOME, size="2"),
        rx.cond(
            State.loaded,
            rx.cond(State.found, agent_body(),
                    empty_state("search-x", "Agent not found", State.missing, id="agent-missing")),
            loading(),
        ),
        spacing="4", width="100%",
    )


def agent_body() -> rx.Component:
    """The heading and the sections as tabs."""
    return rx.vstack(
        rx.flex(
            rx.vstack(rx.heading(State.name, size="7", id="agent-name"),
                      rx.text("@", State.handle, color_scheme="gray"), spacing="1"),
            rx.spacer(),
            rx.hstack(status_badge("agent", State.status, id="agent-status"), tier_badge(State.tier, State.score),
                      spacing="2", align="center"),
            direction={"initial": "column", "sm": "row"}, gap="3", width="100%",
        ),
        rx.cond(State.frozen_reason != "", notice("Frozen by Handoff staff: ", State.frozen_reason,
                                                  ". Every call of its keys is refused.", icon="snowflake",
                                                  color_scheme="red", width="100%")),
        rx.tabs.root(
            # On a phone the five tabs wrap onto a second line rather than hide behind a scroll.
            rx.tabs.list(*[rx.tabs.trigger(title, value=value, id=f"tab-{value}") for value, title in SECTIONS],
                         flex_wrap="wrap"),
            rx.tabs.content(overview(), value="overview", padding_top="1rem"),
            rx.tabs.content(keys_section(), value="keys", padding_top="1rem"),
            rx.tabs.content(webhooks_section(), value="webhooks", padding_top="1rem"),
            rx.tabs.content(spend_section(), value="spend", padding_top="1rem"),
            rx.tabs.content(requests_section(), value="requests", padding_top="1rem"),
            default_value="overview", width="100%",
        ),
        spacing="4", width="100%",
    )


def overview() -> rx.Component:
    """The profile, the trust score over time and the changes with their causes."""
    return rx.vstack(
        rx.card(detail_list(State.profile), width="100%"),
        rx.heading("Trust score", size="4"),
        rx.cond(
            State.history.length() > 0,
            rx.vstack(rx.card(trust_chart(), width="100%"),
                      rx.card(rx.vstack(rx.foreach(State.history, trust_change), spacing="0", width="100%"),
                              width="100%", id="trust-history"),
                      spacing="3", width="100%"),
            empty_state("chart-line", "No trust history yet", "The score moves as your agent completes work, is "
                        "rated and settles disputes; each change shows here with its cause."),
        ),
        spacing="4", width="100%",
    )


def trust_chart() -> rx.Component:
    """The score after each change, oldest first, on the 0–100 scale."""
    return rx.recharts.line_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="at", tick_line=False, font_size=12, min_tick_gap=16),
        rx.recharts.y_axis(domain=[0, 100], width=32, font_size=12, allow_decimals=False),
        rx.recharts.graphing_tooltip(),
        rx.recharts.line(data_key="score", name="Trust score", stroke=rx.color("accent", 9), stroke_width=2,
                         dot=False, is_animation_active=False, type_="monotone"),
        data=State.chart, width="100%", height=220,
    )


def trust_change(change: rx.Var[TrustRow]) -> rx.Component:
    """One change: when, why, by how much, and where it left the score."""
    return rx.flex(
        rx.vstack(rx.text(change.cause, weight="medium", size="2", class_name="trust-cause"),
                  rx.cond(change.detail != "", rx.text(change.detail, size="1", color_scheme="gray")),
                  rx.text(change.at, size="1", color_scheme="gray"), spacing="0", min_width="0", flex="1"),
        rx.hstack(rx.badge(change.change, color_scheme=rx.cond(change.rose, "green", "red"), variant="soft"),
                  rx.text(change.score, " · ", change.tier, size="2", white_space="nowrap"),
                  align="center", spacing="2"),
        gap="3", align="center", width="100%", padding="0.6rem 0", border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def spend_section() -> rx.Component:
    """Use against each cap, then this month day by day."""
    return rx.vstack(
        rx.grid(rx.foreach(State.caps, cap_card), columns={"initial": "1", "sm": "3"}, spacing="4", width="100%"),
        rx.heading("This month: ", State.month_total, size="4"),
        rx.cond(State.has_spend, rx.card(spend_bars(), width="100%"),
                empty_state("chart-column", "Nothing spent this month",
                            "Requests your agent creates count against its budget from the moment they are made.")),
        spacing="4", width="100%",
    )


def cap_card(cap: rx.Var[CapRow]) -> rx.Component:
    """A cap with its use (a bar only for a cap that is set and counts use)."""
    return rx.card(
        rx.vstack(
            rx.text(cap.name, size="2", color_scheme="gray", weight="medium"),
            rx.heading(cap.figure, size="5"),
            rx.text(cap.hint, size="2", color_scheme="gray"),
            rx.cond(cap.show_bar, rx.progress(value=cap.percent, max=100, size="2", width="100%",
                                              aria_label=cap.name + " budget used")),
            spacing="1", width="100%",
        ),
        width="100%", custom_attrs={"data-cap": cap.name},
    )


def spend_bars() -> rx.Component:
    """One bar per day of this month."""
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="day", tick_line=False, font_size=12, min_tick_gap=8),
        rx.recharts.y_axis(tick_formatter=AXIS_FORMATTER, width=44, font_size=12, allow_decimals=False),
        rx.recharts.graphing_tooltip(custom_attrs={"formatter": rx.Var(TOOLTIP_FORMATTER)}),
        rx.recharts.bar(data_key="cents", name="Spend", fill=rx.color("accent", 9), radius=[4, 4, 0, 0],
                        is_animation_active=False),
        data=State.spend, width="100%", height=240,
    )


def requests_section() -> rx.Component:
    """The agent's newest live requests."""
    return rx.cond(
        State.requests.length() > 0,
        responsive_table(REQUEST_COLUMNS, State.requests, _request_row, _request_card, table_id="agent-requests"),
        empty_state("list-checks", "No requests yet", "When your agent hires a person (POST /v1/requests with one "
                    "of its keys), the request shows here."),
    )


def _request_label(row: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.vstack(rx.text(row["label"], weight="medium", size="2"),
                     rx.code(row["id"], size="1", variant="ghost", color_scheme="gray", word_break="break-all"),
                     spacing="0")


def _request_row(row: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(_request_label(row), max_width="22rem"),
        cell(status_badge("request", row["status"]), "status"),
        cell(row["skill"], "skill"),
        cell(mode_badge(row["mode"]), "mode"),
        cell(rx.text(row["price"], white_space="nowrap"), "price"),
        cell(rx.text(row["created"], white_space="nowrap"), "created"),
        align="center", custom_attrs={"data-request": row["id"]},
    )


def _request_card(row: rx.Var[dict[str, str]]) -> rx.Component:
    return record_card(
        _request_label(row),
        ("Status", status_badge("request", row["status"])),
        ("Skill", row["skill"]),
        ("Mode", mode_badge(row["mode"])),
        ("Max price", row["price"]),
        ("Created", row["created"]),
        custom_attrs={"data-request-card": row["id"]},
    )
