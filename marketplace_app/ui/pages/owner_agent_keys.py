"""The Keys section of an agent's page: the table, the create dialog (name, mode, scopes, expiry),
the show-once secret and the revoke / rotate confirmations."""

from __future__ import annotations

import reflex as rx

from marketplace_app.agents.models import KeyScope
from marketplace_app.companies.service import KEY_LIFETIME_DAYS as LIFETIME
from marketplace_app.ui.components.common import confirm_action_dialog, notice, show_once_dialog
from marketplace_app.ui.components.data import empty_state, responsive_table
from marketplace_app.ui.components.forms import dialog_footer, inline_error, labelled, text_field
from marketplace_app.ui.pages.company_keys import MODES, key_card, key_row
from marketplace_app.ui.state.owner_agent import SCOPE_FIELD, SCOPE_WORDS, AgentKeyRow, OwnerAgentState

State = OwnerAgentState
LIFETIME_HINT = f"Optional, {LIFETIME[0]} to {LIFETIME[1]}. Leave empty for a key that does not expire."
COLUMNS = ("Name", "Scopes", "Mode", "Key", "Created", "Last used", "Expires", "Status", "")


def keys_section() -> rx.Component:
    """The agent's keys and the button to create one (an active agent only)."""
    return rx.vstack(
        rx.hstack(rx.text("Your agent calls the API with these. A key's secret is shown once, when created.",
                          size="2", color_scheme="gray"),
                  rx.spacer(),
                  rx.button(rx.icon("plus", size=16), "Create key", on_click=State.open_create,
                            disabled=~State.active, id="new-agent-key"),
                  width="100%", align="center", wrap="wrap", spacing="3"),
        rx.cond(~State.active, notice("Keys can be created once the agent is active.", icon="info", width="100%")),
        rx.cond(
            State.keys.length() > 0,
            responsive_table(COLUMNS, State.keys, _key_row, _key_card, table_id="agent-keys", min_width="60rem"),
            empty_state("key-round", "No keys yet", "Create a key for your agent, choosing what it may do."),
        ),
        create_dialog(), secret_dialog(), confirm_dialog(),
        spacing="4", width="100%",
    )


def _key_row(key: rx.Var[AgentKeyRow]) -> rx.Component:
    return key_row(key, ("scopes", key.scopes), _key_actions(key))


def _key_card(key: rx.Var[AgentKeyRow]) -> rx.Component:
    return key_card(key, ("Scopes", key.scopes), _key_actions(key))


def _key_actions(key: rx.Var[AgentKeyRow]) -> rx.Component:
    return rx.cond(key.actionable, rx.hstack(
        rx.button("Rotate", size="1", variant="soft", on_click=State.ask("rotate", key.id, key.name)),
        rx.button("Revoke", size="1", variant="soft", color_scheme="red",
                  on_click=State.ask("revoke", key.id, key.name)),
        spacing="2",
    ))


def _scope_box(scope: KeyScope) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            # Named, so the form submits the ticked ones ("on"); the usual choice starts ticked.
            rx.checkbox(name=f"{SCOPE_FIELD}{scope.value}", id=f"scope-{scope.name}",
                        default_checked=scope == KeyScope.requests),
            rx.text(SCOPE_WORDS[scope], size="2"),
            align="center", spacing="2",
        ),
        html_for=f"scope-{scope.name}",
    )


def create_dialog() -> rx.Component:
    """Name, mode, scopes and an optional lifetime."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Create a key for ", State.name),
            rx.dialog.description("Choose what the key may do. You will see its secret once.", size="2",
                                  color_scheme="gray", margin_bottom="1rem"),
            rx.form(
                rx.vstack(
                    inline_error(State.create_error, error_id="agent-key-error"),
                    text_field("Name", "name", placeholder="production", max_length=80),
                    labelled("Mode", rx.radio_cards.root(
                        *[rx.radio_cards.item(
                            rx.vstack(rx.text(title, weight="bold", size="2"),
                                      rx.text(sentence, size="1", color_scheme="gray"), spacing="1"),
                            value=value, id=f"agent-mode-{value}",
                        ) for value, title, sentence in MODES],
                        value=State.new_mode, on_value_change=State.set_new_mode,
                        columns={"initial": "1", "sm": "2"}, spacing="2", width="100%",
                    )),
                    labelled("Scopes", rx.grid(*[_scope_box(scope) for scope in KeyScope],
                                               columns={"initial": "1", "sm": "2"}, spacing="2", width="100%"),
                             hint="“Everything” includes every scope, today's and future ones."),
                    text_field("Expires after (days)", "expires_in_days", input_mode="numeric", placeholder="never",
                               hint=LIFETIME_HINT),
                    dialog_footer(rx.button("Create key", type="submit", loading=State.creating,
                                            id="agent-key-save")),
                    spacing="4", width="100%",
                ),
                on_submit=State.create, reset_on_submit=False, width="100%",
            ),
            max_width="34rem", width="100%",
        ),
        open=State.create_open, on_open_change=State.set_create_open,
    )


def secret_dialog() -> rx.Component:
    """The new key's secret, this once, with a copy button."""
    return show_once_dialog(State, title="Copy your agent's new key", id_prefix="new-secret",
                            warning="This is the only time the key is shown. Handoff stores only a hash of it: "
                                    "copy it now and keep it somewhere safe.")


def confirm_dialog() -> rx.Component:
    """Revoke or rotate, once confirmed."""
    name = State.confirm_subject
    return confirm_action_dialog(
        State, destructive="revoke", titles=("Revoke this key?", "Rotate this key?"),
        texts=(rx.text("“", name, "” stops working at once: its next call is refused. This cannot be undone."),
               rx.text("A new secret with the same scopes is issued for “", name, "”. The old one keeps working for ",
                       State.grace_hours, " h so you can move your agent over.")),
        buttons=("Revoke key", "Rotate key"), action_id="confirm-action")
