"""The company overview: credit, spend this month as a chart, open requests and the latest ones."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import live_badge, loading, stat, welcome_header
from marketplace_app.ui.components.data import empty_state
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import status_badge
from marketplace_app.ui.state.company import CompanyState, OverviewState

# Recharts formatters are JavaScript: the axis shows whole units, the tooltip the exact amount.
AXIS_FORMATTER = "(cents) => (cents / 100).toLocaleString(undefined, {maximumFractionDigits: 0})"
TOOLTIP_FORMATTER = "(value, name, item) => [item.payload.amount, 'Spend']"
NO_TEST_CREDITS = "test mode moves no credits"


@dashboard_page(routes.COMPANY_HOME, "Overview", role="company", on_load=OverviewState.load)
def company_home() -> rx.Component:
    """The company overview."""
    return rx.vstack(
        rx.box(welcome_header(), rx.box(live_badge(OverviewState.live), position="absolute", top="0.75rem",
                                        right="0.75rem"),
               position="relative", width="100%"),
        rx.cond(OverviewState.loaded, overview(), loading("Reading your figures…")),
        spacing="6", width="100%",
    )


def overview() -> rx.Component:
    """The figures, once read."""
    return rx.vstack(
        rx.grid(
            stat("Available credit", rx.text(OverviewState.available, id="overview-available"),
                 rx.cond(CompanyState.test_mode, NO_TEST_CREDITS, "ready to spend")),
            stat("Escrowed", rx.text(OverviewState.escrowed, id="overview-escrowed"),
                 rx.cond(CompanyState.test_mode, NO_TEST_CREDITS, "held for open requests")),
            stat("Spent this month", OverviewState.month_total, OverviewState.month),
            open_requests_card(),
            columns={"initial": "1", "xs": "2", "md": "4"}, spacing="4", width="100%",
        ),
        spend_chart(),
        recent_requests(),
        spacing="5", width="100%",
    )


def open_requests_card() -> rx.Component:
    """How many requests are under way, linking to them."""
    return rx.card(
        rx.vstack(
            rx.text("Open requests", size="2", color_scheme="gray", weight="medium"),
            rx.heading(OverviewState.open_count, size="6", id="overview-open-count"),
            rx.link("View open requests", rx.icon("arrow-right", size=14),
                    href=routes.COMPANY_REQUESTS + "?status=open", size="1", display="inline-flex",
                    align_items="center", gap="0.25rem"),
            spacing="1",
        ),
        width="100%",
    )


def spend_chart() -> rx.Component:
    """Daily spend this month: Σ max price of the shown mode's requests created each day (refunded ones
    left out)."""
    mode = rx.cond(CompanyState.test_mode, "test", "live")
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading("Spend in ", OverviewState.month, size="4"), rx.spacer(),
                      rx.text(OverviewState.month_total, weight="bold"), width="100%", align="center"),
            rx.text("Max price of the ", mode, " requests created each day; cancelled and expired ones are left "
                    "out.", size="1", color_scheme="gray"),
            rx.cond(OverviewState.has_spend, spend_bars(),
                    rx.center(rx.text("No ", mode, " requests this month yet.", color_scheme="gray", size="2"),
                              height="8rem", width="100%")),
            spacing="2", width="100%", id="spend-chart",
        ),
        width="100%",
    )


def spend_bars() -> rx.Component:
    """One bar per day; the axis in whole units, the tooltip with the exact amount."""
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="day", tick_line=False, font_size=12, min_tick_gap=8),
        rx.recharts.y_axis(tick_formatter=AXIS_FORMATTER, width=44, font_size=12, allow_decimals=False),
        rx.recharts.graphing_tooltip(custom_attrs={"formatter": rx.Var(TOOLTIP_FORMATTER)}),
        rx.recharts.bar(data_key="cents", name="Spend", fill=rx.color("accent", 9), radius=[4, 4, 0, 0],
                            is_animation_active=False),
        data=OverviewState.spend, width="100%", height=240,
    )


def recent_requests() -> rx.Component:
    """The five newest requests, each linking to its detail."""
    return rx.vstack(
        rx.hstack(rx.heading("Recent requests", size="4"), rx.spacer(),
                  rx.link("All requests", href=routes.COMPANY_REQUESTS, size="2"), width="100%", align="center"),
        rx.cond(
            OverviewState.recent.length() > 0,
            rx.card(rx.vstack(rx.foreach(OverviewState.recent, _recent_row), spacing="0", width="100%"),
                    width="100%", id="recent-requests"),
            rx.cond(
                OverviewState.has_projects,
                empty_state("inbox", "No requests yet", "Requests your agents send with a project key appear here."),
                empty_state("folder-plus", "Start with a project",
                            "Create a project, then an API key for your agent; its requests appear here.",
                            rx.link(rx.button("Create a project"), href=routes.COMPANY_PROJECTS)),
            ),
        ),
        spacing="3", width="100%",
    )


def _recent_row(row: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.link(
        rx.flex(
            rx.vstack(rx.text(row["label"], weight="medium", size="2"),
                      rx.text(row["skill"], " · ", row["project"], " · ", row["created"], size="1",
                              color_scheme="gray"),
                      spacing="0", min_width="0", flex="1"),
            rx.hstack(rx.text(row["price"], size="2", weight="medium"), status_badge("request", row["status"]),
                      align="center", spacing="2"),
            direction={"initial": "column", "sm": "row"}, spacing="2", align={"sm": "center"}, width="100%",
        ),
        href=routes.COMPANY_REQUESTS + "/" + row["id"], underline="none", color="inherit", width="100%",
        padding="0.75rem 0.5rem", border_bottom=f"1px solid {rx.color('gray', 4)}",
        _hover={"background_color": rx.color("accent", 2)},
    )
