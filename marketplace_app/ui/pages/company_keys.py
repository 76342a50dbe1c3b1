"""API keys: the table, the create dialog, the show-once secret and revoke/rotate confirmations."""

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
    mode_badge,
    pager,
    record_card,
    responsive_table,
)
from marketplace_app.ui.components.forms import inline_error, labelled, text_field
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import status_badge
from marketplace_app.ui.state.company_keys import KeyRow, KeysState

COLUMNS = ("Name", "Project", "Mode", "Key", "Created", "Last used", "Expires", "Status", "")
MODES = (
    ("live", "Live", "Requests reach real operators and spend credit."),
    ("test", "Test", "Simulated operators answer in seconds; no credit moves."),
)


@dashboard_page(routes.COMPANY_KEYS, "API keys", role="company", on_load=KeysState.load)
def keys() -> rx.Component:
    """The company's API keys."""
    return rx.vstack(
        page_header("API keys", "Your agents call the API with these. A key's secret is shown once, when created.",
                    rx.button(rx.icon("plus", size=16), "Create key", on_click=KeysState.open_create,
                              disabled=KeysState.projects.length() == 0, id="new-key")),
        rx.cond(
            KeysState.loaded,
            rx.cond(
                KeysState.projects.length() == 0,
                project_first("A key belongs"),
                rx.cond(KeysState.keys.length() > 0, keys_list(),
                        rx.card(rx.text("No keys yet. Create one for your agent.", color_scheme="gray"),
                                width="100%")),
            ),
            loading(),
        ),
        create_dialog(), secret_dialog(), confirm_dialog(),
        spacing="5", width="100%",
    )


def keys_list() -> rx.Component:
    """The table of keys with its pager."""
    return rx.vstack(
        responsive_table(COLUMNS, KeysState.keys, _key_row, _key_card, table_id="keys-table", min_width="56rem"),
        pager(KeysState.page, KeysState.has_more, on_previous=KeysState.previous_page, on_next=KeysState.next_page,
              pager_id="keys-pager"),
        spacing="3", width="100%",
    )


def _key_row(key: rx.Var[KeyRow]) -> rx.Component:
    return key_row(key, ("project", key.project), _key_actions(key))


def _key_card(key: rx.Var[KeyRow]) -> rx.Component:
    return key_card(key, ("Project", key.project), _key_actions(key))


def key_row(key: rx.Var, column: tuple[str, rx.Var], actions: rx.Component) -> rx.Component:
    """A key as a table row (the company's keys and an agent's): name, `column` (its key, its value),
    mode, masked key, dates, status and `actions`."""
    name, value = column
    return rx.table.row(
        rx.table.row_header_cell(rx.text(key.name, weight="bold")),
        cell(value, name),
        cell(mode_badge(key.mode), "mode"),
        cell(rx.code(key.shown, variant="ghost", white_space="nowrap"), "key"),
        cell(key.created, "created", white_space="nowrap"),
        cell(key.last_used, "last_used", white_space="nowrap"),
        cell(key.expires, "expires", white_space="nowrap"),
        cell(status_badge("key", key.status), "status"),
        cell(actions, "actions"),
        align="center", custom_attrs={"data-key": key.name},
    )


def key_card(key: rx.Var, field: tuple[str, rx.Var], actions: rx.Component) -> rx.Component:
    """`key_row` as a card on a phone; `field` is its label and value."""
    return record_card(
        rx.text(key.name, weight="bold"),
        field,
        ("Mode", mode_badge(key.mode)),
        ("Key", rx.code(key.shown, variant="ghost", word_break="break-all")),
        ("Created", key.created),
        ("Last used", key.last_used),
        ("Expires", key.expires),
        ("Status", status_badge("key", key.status)),
        footer=actions,
        custom_attrs={"data-key-card": key.name},
    )


def _key_actions(key: rx.Var[KeyRow]) -> rx.Component:
    return rx.cond(key.actionable, rx.hstack(
        rx.button("Rotate", size="1", variant="soft", on_click=KeysState.ask("rotate", key.id, key.name)),
        rx.button("Revoke", size="1", variant="soft", color_scheme="red",
                  on_click=KeysState.ask("revoke", key.id, key.name)),
        spacing="2",
    ))


def create_dialog() -> rx.Component:
    """Project, name, mode and an optional lifetime."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Create an API key"),
            rx.dialog.description("The key works for one project. You will see its secret once.", size="2",
                                  color_scheme="gray", margin_bottom="1rem"),
            rx.form(
                rx.vstack(
                    inline_error(KeysState.create_error, error_id="key-error"),
                    labelled("Project", rx.select.root(
                        rx.select.trigger(width="100%", id="key-project", aria_label="Project"),
                        rx.select.content(rx.foreach(KeysState.projects, lambda project: rx.select.item(
                            project["name"], value=project["id"]))),
                        value=KeysState.new_project_id, on_change=KeysState.set_new_project_id,
                    ), html_for="key-project"),
                    text_field("Name", "name", placeholder="production agent", max_length=80),
                    labelled("Mode", rx.radio_cards.root(
                        *[rx.radio_cards.item(
                            rx.vstack(rx.text(title, weight="bold", size="2"),
                                      rx.text(sentence, size="1", color_scheme="gray"), spacing="1"),
                            value=value, id=f"mode-{value}",
                        ) for value, title, sentence in MODES],
                        value=KeysState.new_mode, on_value_change=KeysState.set_new_mode,
                        columns={"initial": "1", "sm": "2"}, spacing="2", width="100%",
                    )),
                    text_field("Expires after (days)", "expires_in_days", input_mode="numeric", placeholder="never",
                               hint="Optional, 1 to 3650. Leave empty for a key that does not expire."),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray")),
                        rx.button("Create key", type="submit", loading=KeysState.creating, id="key-save"),
                        justify="end", width="100%", spacing="3",
                    ),
                    spacing="4", width="100%",
                ),
                on_submit=KeysState.create, reset_on_submit=False, width="100%",
            ),
            max_width="34rem", width="100%",
        ),
        open=KeysState.create_open, on_open_change=KeysState.set_create_open,
    )


def secret_dialog() -> rx.Component:
    """The new key's secret, this once, with a copy button."""
    return show_once_dialog(KeysState, title="Copy your new key", id_prefix="new-secret",
                            warning="This is the only time the key is shown. Handoff stores only a hash of it: "
                                    "copy it now and keep it somewhere safe.")


def confirm_dialog() -> rx.Component:
    """Revoke or rotate, once confirmed."""
    name = KeysState.confirm_subject
    return confirm_action_dialog(
        KeysState, destructive="revoke", titles=("Revoke this key?", "Rotate this key?"),
        texts=(rx.text("“", name, "” stops working at once: its next call is refused. This cannot be undone."),
               rx.text("A new secret is issued for “", name, "”. The old one keeps working for ",
                       KeysState.grace_hours, " h so you can move your agents over.")),
        buttons=("Revoke key", "Rotate key"), action_id="confirm-action")
