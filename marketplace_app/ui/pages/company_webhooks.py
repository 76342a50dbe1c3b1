"""Webhooks: a project's endpoints (status, events, secret, delivery counts and actions), the add
dialog with its verification ping, the show-once secret, and one endpoint's delivery log."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import (
    confirm_action_dialog,
    loading,
    page_header,
    project_first,
    show_once_dialog,
)
from marketplace_app.ui.components.data import (
    cell,
    data_table,
    detail_list,
    empty_state,
    pager,
)
from marketplace_app.ui.components.forms import inline_error, labelled, text_field
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import status_badge
from marketplace_app.ui.state.company_webhooks import WebhooksState
from marketplace_app.ui.state.webhook_views import LOG_FILTERS, EndpointRow
from marketplace_app.webhooks.service import SUBSCRIBABLE_TYPES

LOG_COLUMNS = ("Time", "Event", "Event id", "Request", "Status", "Attempts", "Last code", "Last error",
               "Next attempt", "")
ATTEMPT_COLUMNS = ("Time", "Status code", "Latency", "Error")
State = WebhooksState


@dashboard_page(routes.COMPANY_WEBHOOKS, "Webhooks", role="company", on_load=WebhooksState.load)
def webhooks() -> rx.Component:
    """The chosen project's webhook endpoints and the delivery log of one of them."""
    return rx.vstack(
        page_header("Webhooks", "Handoff POSTs each event, signed with the endpoint's secret, to your URLs.",
                    rx.cond(State.can_write, rx.button(rx.icon("plus", size=16), "Add endpoint",
                                                       on_click=State.open_add, disabled=State.project_id == "",
                                                       id="add-endpoint"))),
        rx.cond(
            State.loaded,
            rx.cond(
                State.projects.length() == 0,
                project_first("Endpoints belong"),
                rx.vstack(project_picker(), endpoints_list(), delivery_log(), spacing="5", width="100%"),
            ),
            loading(),
        ),
        add_dialog(), secret_dialog(), confirm_dialog(), delivery_dialog(),
        spacing="5", width="100%",
    )


def project_picker() -> rx.Component:
    """Which project's endpoints are shown."""
    return rx.box(labelled("Project", rx.select.root(
        rx.select.trigger(width="100%", id="webhooks-project", aria_label="Project"),
        rx.select.content(rx.foreach(State.projects, lambda project: rx.select.item(project["name"],
                                                                                    value=project["id"]))),
        value=State.project_id, on_change=State.choose_project,
    ), html_for="webhooks-project"), width="100%", max_width="24rem")


def endpoints_list() -> rx.Component:
    """One card per endpoint, or an empty state."""
    return rx.cond(
        State.endpoints.length() > 0,
        rx.vstack(rx.foreach(State.endpoints, endpoint_card), spacing="3", width="100%", id="endpoints"),
        empty_state("webhook", "No endpoints yet", "Add a URL and Handoff will POST this project's events to it: "
                    "requests matched, submitted, completed, disputes and key changes."),
    )


def endpoint_card(endpoint: rx.Var[EndpointRow]) -> rx.Component:
    """URL, status, events, secret, delivery counts and the actions a writer may take."""
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.hstack(status_badge("endpoint", endpoint.status, custom_attrs={
                        "data-field": "status"}),
                              rx.code(endpoint.url, word_break="break-all", variant="ghost", size="3"),
                              align="center", wrap="wrap"),
                    rx.cond(endpoint.description != "", rx.text(endpoint.description, size="2",
                                                                    color_scheme="gray")),
                    spacing="1", min_width="0", flex="1",
                ),
                rx.cond(State.can_write, endpoint_actions(endpoint)),
                direction={"initial": "column", "md": "row"}, spacing="3", width="100%",
            ),
            rx.cond(endpoint.reason != "", rx.callout(endpoint.reason, icon="circle-alert", color_scheme="red",
                                                         size="1", width="100%", class_name="disabled-reason")),
            rx.grid(
                _fact("Events", endpoint.types, "types"),
                _fact("Signing secret", rx.code(endpoint.secret, variant="ghost"), "secret"),
                _fact("Deliveries", rx.hstack(
                    rx.badge(endpoint.pending, " pending", color_scheme="amber", variant="soft"),
                    rx.badge(endpoint.delivered, " delivered", color_scheme="green", variant="soft"),
                    rx.badge(endpoint.failed, " failed", color_scheme="red", variant="soft"),
                    wrap="wrap", spacing="1"), "deliveries"),
                _fact("Consecutive failures", endpoint.failures, "failures"),
                columns={"initial": "1", "sm": "2", "lg": "4"}, spacing="3", width="100%",
            ),
            rx.button(rx.icon("history", size=14), "Delivery log", size="1", variant="soft", color_scheme="gray",
                      on_click=State.show_log(endpoint.id), class_name="show-log"),
            spacing="3", width="100%",
        ),
        width="100%", custom_attrs={"data-endpoint": endpoint.url},
    )


def _fact(label: str, value: rx.Component | rx.Var, field: str) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray", weight="medium"),
                     rx.box(value, font_size="var(--font-size-2)", word_break="break-word",
                            custom_attrs={"data-field": field}),
                     spacing="1")


def endpoint_actions(endpoint: rx.Var[EndpointRow]) -> rx.Component:
    """Send test, rotate secret, enable/disable, replay failed and delete."""
    enabled = endpoint.enabled
    return rx.flex(
        rx.button(rx.icon("send", size=14), "Send test event", size="1", variant="soft", disabled=~enabled,
                  on_click=State.send_test(endpoint.id), class_name="send-test"),
        rx.button(rx.icon("rotate-ccw", size=14), "Replay failed", size="1", variant="soft",
                  disabled=~enabled | (endpoint.failed == "0"), on_click=State.replay_failed(endpoint.id),
                  class_name="replay-failed"),
        rx.button(rx.icon("key-round", size=14), "Rotate secret", size="1", variant="soft",
                  on_click=State.ask("rotate", endpoint.id, endpoint.url), class_name="rotate-secret"),
        rx.cond(enabled,
                rx.button(rx.icon("power-off", size=14), "Disable", size="1", variant="soft", color_scheme="gray",
                          on_click=State.set_enabled(endpoint.id, False), class_name="disable-endpoint"),
                rx.button(rx.icon("power", size=14), "Enable", size="1", variant="soft", color_scheme="green",
                          on_click=State.set_enabled(endpoint.id, True), class_name="enable-endpoint")),
        rx.button(rx.icon("trash-2", size=14), "Delete", size="1", variant="soft", color_scheme="red",
                  on_click=State.ask("delete", endpoint.id, endpoint.url), class_name="delete-endpoint"),
        spacing="2", wrap="wrap", align="start", justify={"initial": "start", "md": "end"},
    )


def delivery_log() -> rx.Component:
    """The open endpoint's deliveries, newest first, 20 per page."""
    return rx.cond(
        State.log_endpoint_id != "",
        rx.vstack(
            rx.flex(
                rx.vstack(rx.heading("Delivery log", size="4"),
                          rx.code(State.log_url, size="1", variant="ghost", word_break="break-all"), spacing="1"),
                rx.spacer(),
                rx.hstack(
                    rx.select.root(rx.select.trigger(id="log-filter", min_width="9rem",
                                                     aria_label="Which deliveries to show"),
                                   rx.select.content(*[rx.select.item(value.capitalize(), value=value)
                                                       for value in LOG_FILTERS]),
                                   value=State.log_filter, on_change=State.set_log_filter),
                    rx.button(rx.icon("refresh-cw", size=14), "Refresh", variant="soft", on_click=State.refresh_log,
                              id="refresh-log"),
                    spacing="2",
                ),
                direction={"initial": "column", "sm": "row"}, spacing="3", width="100%", align={"sm": "end"},
            ),
            rx.cond(
                State.log_rows.length() > 0,
                data_table(LOG_COLUMNS, rx.foreach(State.log_rows, _delivery_row), table_id="deliveries-table",
                           min_width="78rem"),
                rx.card(rx.text("No deliveries yet.", color_scheme="gray"), width="100%"),
            ),
            pager(State.page, State.has_more, on_previous=State.previous_page, on_next=State.next_page,
                  pager_id="deliveries-pager"),
            spacing="3", width="100%", id="delivery-log",
        ),
    )


def _delivery_row(row: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        cell(rx.text(row["time"], white_space="nowrap"), "time"),
        cell(rx.code(row["type"], variant="ghost"), "type"),
        cell(rx.code(row["event_id"], size="1", variant="ghost", color_scheme="gray"), "event_id"),
        cell(rx.code(row["request_id"], size="1", variant="ghost", color_scheme="gray"), "request_id"),
        cell(status_badge("delivery", row["status"]), "status"),
        cell(row["attempts"], "attempts"),
        cell(row["code"], "code"),
        cell(rx.text(row["error"], size="1", word_break="break-word"), "error", min_width="12rem", max_width="18rem"),
        cell(rx.text(row["next"], white_space="nowrap"), "next"),
        cell(rx.button("Details", size="1", variant="soft", on_click=State.open_delivery(row["id"])), "actions"),
        align="center", custom_attrs={"data-delivery": row["id"], "data-event-type": row["type"]},
    )


def add_dialog() -> rx.Component:
    """URL, description and event types; a failed ping stays here with a way to save the endpoint disabled."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Add a webhook endpoint"),
            rx.dialog.description("Handoff sends a signed webhook.ping first: the URL must answer 2xx within 5 s.",
                                  size="2", color_scheme="gray", margin_bottom="1rem"),
            rx.form(
                rx.vstack(
                    text_field("URL", "url", placeholder="https://example.com/hooks/handoff", type="url",
                               max_length=2048, required=True,
                               hint="https only; private and loopback addresses are refused."),
                    text_field("Description", "description", placeholder="production receiver", max_length=200),
                    event_types_choice(),
                    inline_error(State.add_error, error_id="endpoint-error"),
                    rx.flex(
                        rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray")),
                        rx.cond(State.ping_failed, rx.button(
                            "Save disabled anyway", type="button", variant="soft", color_scheme="amber",
                            on_click=State.add_disabled, loading=State.adding, id="save-disabled")),
                        rx.button("Add endpoint", type="submit", loading=State.adding, id="endpoint-save"),
                        justify="end", width="100%", spacing="3", wrap="wrap",
                    ),
                    spacing="4", width="100%",
                ),
                on_submit=State.add, reset_on_submit=False, width="100%",
            ),
            max_width="40rem", width="100%",
        ),
        open=State.add_open, on_open_change=State.set_add_open,
    )


def event_types_choice() -> rx.Component:
    """Every event by default; switched off, a checkbox per event type."""
    return labelled(
        "Events",
        rx.vstack(
            rx.el.label(rx.hstack(rx.switch(checked=State.all_events, on_change=State.set_all_events,
                                            custom_attrs={"data-control": "all-events"}),
                                  rx.text("All events, including types added later", size="2"), align="center")),
            rx.cond(~State.all_events, rx.grid(
                *[rx.checkbox(name, name=f"type:{name}", size="2", custom_attrs={"data-type": name})
                  for name in SUBSCRIBABLE_TYPES],
                columns={"initial": "1", "sm": "2"}, spacing="2", width="100%", id="event-types",
            )),
            spacing="2", width="100%",
        ),
    )


def secret_dialog() -> rx.Component:
    """The endpoint's signing secret, this once, with a copy button."""
    return show_once_dialog(State, title="Copy the signing secret", id_prefix="endpoint-secret",
                            warning="This is the only time the secret is shown. Your receiver checks each "
                                    "delivery's X-Handoff-Signature header with it: copy it now and keep it "
                                    "somewhere safe.")


def confirm_dialog() -> rx.Component:
    """Delete an endpoint or rotate its secret, once confirmed."""
    url = State.confirm_subject
    return confirm_action_dialog(
        State, destructive="delete", titles=("Delete this endpoint?", "Rotate the signing secret?"),
        texts=(rx.text(url, " receives nothing more; its queued deliveries are dropped. This cannot be undone."),
               rx.text("A new secret signs deliveries to ", url, ". The old one keeps signing alongside it for ",
                       State.grace_hours, " h.")),
        buttons=("Delete endpoint", "Rotate secret"), action_id="confirm-endpoint-action")


def delivery_dialog() -> rx.Component:
    """One delivery: its fields, every attempt, and Replay."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.hstack(rx.text("Delivery ", State.detail["id"]),
                                      status_badge("delivery", State.detail["status"]),
                                      align="center", wrap="wrap")),
            rx.vstack(
                detail_list(State.detail_fields),
                rx.heading("Attempts", size="3"),
                rx.cond(State.attempts.length() > 0,
                        data_table(ATTEMPT_COLUMNS, rx.foreach(State.attempts, _attempt_row), table_id="attempts-table",
                                   min_width="32rem"),
                        rx.text("Not attempted yet.", size="2", color_scheme="gray")),
                rx.hstack(
                    rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
                    rx.cond(State.can_write & (State.detail["status"] != "pending"),
                            rx.button(rx.icon("rotate-ccw", size=14), "Replay", on_click=State.replay,
                                      id="replay-delivery")),
                    justify="end", width="100%", spacing="3",
                ),
                spacing="4", width="100%",
            ),
            max_width="44rem", width="100%",
        ),
        open=State.detail_open, on_open_change=State.set_detail_open,
    )


def _attempt_row(attempt: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        cell(rx.text(attempt["time"], white_space="nowrap"), "time"),
        cell(attempt["code"], "code"),
        cell(attempt["latency"], "latency"),
        cell(rx.text(attempt["error"], size="1", word_break="break-word"), "error"),
        align="center",
    )
