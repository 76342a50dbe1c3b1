"""The operator's money: balances, pending rewards with their release date, a 30-day chart,
payout requests and their history."""

from __future__ import annotations

import reflex as rx

from marketplace_app.settings import get_settings
from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, page_header, stat
from marketplace_app.ui.components.data import empty_state
from marketplace_app.ui.components.forms import field_label
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import status_badge
from marketplace_app.ui.state.operator_earnings import CHART_DAYS, EarningRow, EarningsState

State = EarningsState
# The chart's unit; a page is compiled once per deployment, from the same settings the server reads.
CURRENCY = get_settings().currency


@dashboard_page(routes.OPERATOR_EARNINGS, "Earnings", role="operator", on_load=State.load)
def operator_earnings() -> rx.Component:
    """Balances, the chart, pending rewards, payouts."""
    return rx.vstack(
        page_header("Earnings", "Each reward waits in a settlement hold after the company accepts the work, "
                    "then becomes available to pay out."),
        rx.cond(State.loaded, rx.vstack(balances(), chart_card(), pending_card(), payout_card(), history_card(),
                                        spacing="5", width="100%"),
                loading()),
        spacing="5", width="100%",
    )


def balances() -> rx.Component:
    """The four numbers."""
    return rx.grid(
        stat("Available", State.available, "ready to pay out"),
        stat("Pending", State.pending, "in the settlement hold"),
        stat("In payout", State.in_payout, "on its way to you"),
        stat("Total earned", State.total, "all time"),
        columns={"initial": "2", "md": "4"}, spacing="3", width="100%", id="balances",
    )


def chart_card() -> rx.Component:
    """Earnings per day over the last `CHART_DAYS` days, in the platform currency; an empty state says how to earn."""
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading(f"Earned per day, last {CHART_DAYS} days", size="3"), rx.spacer(),
                      rx.text(State.month_total, " in total", size="2", color_scheme="gray"),
                      width="100%", align="center", wrap="wrap"),
            rx.cond(State.chart_empty, _chart_empty(), _chart()),
            spacing="2", width="100%", align="stretch",
        ),
        width="100%", id="earnings-chart",
    )


def _chart() -> rx.Component:
    return rx.box(
        rx.recharts.bar_chart(
            rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
            rx.recharts.x_axis(data_key="day", interval="preserveStartEnd", tick_line=False, font_size=11,
                               label={"value": "Day (UTC, month-day)", "position": "insideBottom", "offset": -4,
                                      "font_size": 11}),
            rx.recharts.y_axis(width=56, tick_line=False, axis_line=False, font_size=11, allow_decimals=False,
                               label={"value": CURRENCY, "angle": -90, "position": "insideLeft",
                                      "font_size": 11}),
            rx.recharts.graphing_tooltip(),
            rx.recharts.bar(data_key="amount", name=CURRENCY, fill=rx.color("accent", 9),
                            radius=[4, 4, 0, 0]),
            data=State.chart, width="100%", height="100%",
            margin={"top": 8, "right": 8, "left": 0, "bottom": 16},
        ),
        width="100%", height="240px",
    )


def _chart_empty() -> rx.Component:
    return rx.vstack(
        rx.icon("chart-column", size=28, color=rx.color("gray", 9)),
        rx.text("No earnings in the last ", CHART_DAYS, " days yet", weight="bold", size="3"),
        rx.text("Take a task from the feed and submit your answer: when the company accepts it, the reward "
                "shows here, in ", State.currency, ", and becomes available after ", State.settlement_days,
                " days.", size="2", color_scheme="gray", text_align="center"),
        rx.link("Open the task feed", href=routes.OPERATOR_FEED, size="2", id="earnings-to-feed"),
        align="center", spacing="2", padding_y="1.5rem", width="100%", id="earnings-empty",
    )


def pending_card() -> rx.Component:
    """Rewards in their hold, each with the day it becomes available."""
    return rx.vstack(
        rx.heading("Pending", size="4"),
        rx.cond(State.pending_items.length() > 0,
                rx.vstack(rx.foreach(State.pending_items, _pending_row), spacing="2", width="100%", id="pending"),
                empty_state("hourglass", "Nothing pending", "Completed tasks show here until their settlement date.")),
        spacing="3", width="100%",
    )


def _pending_row(item: rx.Var[EarningRow]) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.link(item.request_id, href=routes.OPERATOR_WORK + "/" + item.request_id, size="2",
                        word_break="break-all"),
                rx.text("Earned ", item.earned, size="1", color_scheme="gray"),
                spacing="1", min_width="0", flex="1",
            ),
            rx.vstack(
                rx.text(item.amount, weight="bold", size="3", class_name="amount"),
                rx.text("available on ", item.available_on, size="1", color_scheme="gray",
                        class_name="available-on"),
                rx.cond(item.frozen, rx.badge("frozen by a dispute", color_scheme="red")),
                spacing="1", align="end",
            ),
            align="center", width="100%", spacing="3",
        ),
        width="100%", class_name="pending-earning",
    )


def payout_card() -> rx.Component:
    """Ask for a payout from the available balance."""
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Request a payout", size="4"),
                rx.text("From your available balance (", State.available, "); the minimum is ", State.minimum_payout,
                        ".", size="2", color_scheme="gray"),
                rx.text(State.payout_destination, size="2", color_scheme="gray", id="payout-destination"),
                rx.cond(~State.payout_allowed, rx.callout(State.payout_refusal, icon="info", color_scheme="gray",
                                                          width="100%", id="payout-refusal")),
                rx.cond(State.payout_error != "", rx.callout(State.payout_error, icon="triangle-alert",
                                                             color_scheme="red", width="100%", id="payout-error")),
                field_label("Amount", "payout-amount"),
                rx.flex(
                    rx.input(name="amount", id="payout-amount", placeholder="25.00", input_mode="decimal", size="3",
                             required=True, flex="1", min_width="8rem", disabled=~State.payout_allowed),
                    rx.el.input(type="hidden", name="token", value=State.payout_token),
                    rx.button(rx.icon("banknote", size=18), "Request payout", type="submit", size="3",
                              loading=State.paying, id="payout-submit", disabled=~State.payout_allowed,
                              width=rx.breakpoints(initial="100%", sm="auto")),
                    spacing="3", width="100%", wrap="wrap",
                ),
                spacing="3", width="100%",
            ),
            on_submit=State.request_payout, reset_on_submit=False, width="100%",
        ),
        width="100%", size="3",
    )


def history_card() -> rx.Component:
    """Every payout with its status and, when it failed, why."""
    return rx.vstack(
        rx.heading("Payouts", size="4"),
        rx.cond(State.payouts.length() > 0,
                rx.vstack(rx.foreach(State.payouts, _payout_row), spacing="2", width="100%", id="payouts"),
                rx.text("No payouts yet.", size="2", color_scheme="gray")),
        spacing="3", width="100%",
    )


def _payout_row(payout: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text(payout["amount"], weight="bold"), rx.spacer(), status_badge("payout", payout["status"]),
                      align="center", width="100%"),
            rx.text("Requested ", payout["requested"],
                    rx.cond(payout["status"] != "requested", rx.text.span(" · settled ", payout["resolved"])),
                    size="1", color_scheme="gray"),
            rx.cond(payout["reason"] != "", rx.text("Reason: ", payout["reason"], size="2", color_scheme="red")),
            spacing="1", width="100%",
        ),
        width="100%",
    )
