"""The Webhooks section of an agent's page: its endpoints, the add dialog, the show-once signing
secret and the delete confirmation."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui.components.common import show_once_dialog
from marketplace_app.ui.components.data import empty_state
from marketplace_app.ui.components.forms import alert_footer, dialog_footer, inline_error, text_field
from marketplace_app.ui.components.status import status_badge
from marketplace_app.ui.state.owner_webhooks import OwnerWebhooksState
from marketplace_app.ui.state.webhook_views import EndpointRow

State = OwnerWebhooksState


def webhooks_section() -> rx.Component:
    """The agent's endpoints (its project's): where its events are POSTed, signed."""
    return rx.vstack(
        rx.hstack(rx.text("Handoff POSTs your agent's events, signed with the endpoint's secret, to these URLs.",
                          size="2", color_scheme="gray"),
                  rx.spacer(),
                  rx.button(rx.icon("plus", size=16), "Add endpoint", on_click=State.open_add,
                            id="add-agent-endpoint"),
                  width="100%", align="center", wrap="wrap", spacing="3"),
        rx.cond(
            State.endpoints.length() > 0,
            rx.vstack(rx.foreach(State.endpoints, endpoint_card), spacing="3", width="100%", id="agent-endpoints"),
            empty_state("webhook", "No webhook endpoints", "Add a URL and Handoff POSTs your agent's events there: "
                        "requests matched, submitted, completed, disputes and key changes."),
        ),
        add_dialog(), secret_dialog(), delete_dialog(),
        spacing="4", width="100%",
    )


def endpoint_card(endpoint: rx.Var[EndpointRow]) -> rx.Component:
    """URL, status, events, the secret's last characters and Delete."""
    return rx.card(
        rx.vstack(
            rx.hstack(status_badge("endpoint", endpoint.status),
                      rx.code(endpoint.url, word_break="break-all", variant="ghost", size="3"),
                      align="center", wrap="wrap"),
            rx.cond(endpoint.reason != "", rx.callout(endpoint.reason, icon="circle-alert", color_scheme="red",
                                                         size="1", width="100%")),
            rx.text("Events: ", endpoint.types, size="2", color_scheme="gray"),
            rx.text("Signing secret: ", rx.code(endpoint.secret, variant="ghost"), size="2", color_scheme="gray"),
            rx.button(rx.icon("trash-2", size=14), "Delete", size="1", variant="soft", color_scheme="red",
                      on_click=State.ask("delete", endpoint.id, endpoint.url), class_name="delete-endpoint"),
            spacing="2", width="100%",
        ),
        width="100%", custom_attrs={"data-endpoint": endpoint.url},
    )


def add_dialog() -> rx.Component:
    """A URL and a note; Handoff pings the URL before saving it."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Add a webhook endpoint"),
            rx.dialog.description("Handoff sends a signed test ping first; the endpoint is saved once it answers "
                                  "2xx. It receives every event of this agent.", size="2", color_scheme="gray",
                                  margin_bottom="1rem"),
            rx.form(
                rx.vstack(
                    inline_error(State.add_error, error_id="agent-endpoint-error"),
                    text_field("URL", "url", placeholder="https://agent.example.com/hooks/handoff", required=True,
                               input_mode="url"),
                    text_field("Description", "description", placeholder="optional"),
                    dialog_footer(rx.button("Ping and save", type="submit", loading=State.adding,
                                            id="agent-endpoint-save")),
                    spacing="4", width="100%",
                ),
                on_submit=State.add, reset_on_submit=False, width="100%",
            ),
            max_width="34rem", width="100%",
        ),
        open=State.add_open, on_open_change=State.set_add_open,
    )


def secret_dialog() -> rx.Component:
    """The endpoint's signing secret, this once."""
    return show_once_dialog(State, title="Copy the signing secret", id_prefix="endpoint-secret",
                            warning="This is the only time the secret is shown: your receiver checks each "
                                    "delivery's X-Handoff-Signature with it.")


def delete_dialog() -> rx.Component:
    """Delete, once confirmed."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this endpoint?"),
            rx.alert_dialog.description(rx.text(State.confirm_subject, " stops receiving events at once. This "
                                                "cannot be undone."), size="2", word_break="break-word"),
            alert_footer(rx.button("Delete endpoint", color_scheme="red", on_click=State.confirm,
                                   id="confirm-delete-endpoint")),
            max_width="30rem",
        ),
        open=State.confirm_open, on_open_change=State.set_confirm_open,
    )
