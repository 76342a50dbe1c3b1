"""Staff: webhook failures — disabled endpoints and deliveries that gave up, across companies."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, page_header
from marketplace_app.ui.components.data import cell, data_table
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.state.admin_webhooks import RECENT_DAYS, ROWS_SHOWN, WebhookFailuresState

State = WebhookFailuresState
ENDPOINT_COLUMNS = ("Endpoint", "Company", "Project", "Reason", "Consecutive failures", "Since")
DELIVERY_COLUMNS = ("Time", "Company", "Project", "Event", "Destination", "Attempts", "Last code", "Last error")


@dashboard_page(routes.ADMIN_WEBHOOKS, "Webhook failures", role="admin", on_load=WebhookFailuresState.load)
def webhook_failures() -> rx.Component:
    """Disabled endpoints and recently failed deliveries, read-only."""
    return rx.vstack(
        page_header("Webhook failures", "Receivers that are switched off and events that could not be delivered. "
                    "Companies fix and replay them from their own dashboard.",
                    rx.button(rx.icon("refresh-cw", size=16), "Refresh", on_click=State.load, variant="soft")),
        rx.cond(State.loaded, rx.vstack(
            rx.heading("Disabled endpoints", size="4"),
            rx.cond(State.endpoints.length() > 0,
                    data_table(ENDPOINT_COLUMNS, rx.foreach(State.endpoints, _endpoint_row),
                               table_id="disabled-endpoints", min_width="56rem"),
                    _none("No endpoint is disabled.")),
            rx.heading(f"Failed deliveries, last {RECENT_DAYS} days", size="4"),
            rx.cond(State.deliveries.length() > 0,
                    data_table(DELIVERY_COLUMNS, rx.foreach(State.deliveries, _delivery_row),
                               table_id="failed-deliveries", min_width="64rem"),
                    _none("No delivery has failed.")),
            rx.text(f"At most {ROWS_SHOWN} of each, newest first. Checked at ", State.checked_at, size="1",
                    color_scheme="gray"),
            spacing="4", width="100%",
        ), loading()),
        spacing="5", width="100%",
    )


def _none(sentence: str) -> rx.Component:
    return rx.card(rx.text(sentence, color_scheme="gray"), width="100%")


def _endpoint_row(row: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.code(row["url"], variant="ghost", word_break="break-all"), max_width="18rem"),
        cell(row["company"], "company"),
        cell(row["project"], "project"),
        cell(rx.text(row["reason"], size="1"), "reason", max_width="16rem"),
        cell(row["failures"], "failures"),
        cell(rx.text(row["since"], white_space="nowrap"), "since"),
        align="center", custom_attrs={"data-endpoint": row["url"]},
    )


def _delivery_row(row: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        cell(rx.text(row["time"], white_space="nowrap"), "time"),
        cell(row["company"], "company"),
        cell(row["project"], "project"),
        cell(rx.vstack(rx.code(row["type"], variant="ghost"),
                       rx.code(row["event_id"], size="1", variant="ghost", color_scheme="gray"), spacing="0"), "event"),
        cell(rx.vstack(rx.text(row["destination"], size="1", color_scheme="gray"),
                       rx.code(row["url"], size="1", variant="ghost", word_break="break-all"), spacing="0"),
             "destination", max_width="16rem"),
        cell(row["attempts"], "attempts"),
        cell(row["code"], "code"),
        cell(rx.text(row["error"], size="1", word_break="break-word"), "error", max_width="14rem"),
        align="center", custom_attrs={"data-delivery": row["id"]},
    )
