"""The operator's disputes: every dispute about their work, and the open one with its rulings,
their statement, an appeal while a ruling awaits appeal, and settlement offers."""

from __future__ import annotations

import reflex as rx

from marketplace_app.disputes.models import Party
from marketplace_app.ui import routes
from marketplace_app.ui.components.common import live_badge, page_header
from marketplace_app.ui.components.data import empty_state, list_or_empty
from marketplace_app.ui.components.dispute_actions import dispute_actions
from marketplace_app.ui.components.disputes import counted_text_area, dispute_panel
from marketplace_app.ui.components.forms import inline_error
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import status_badge
from marketplace_app.ui.state.disputes import MAX_REASON_CHARACTERS, operator_disputes_intro
from marketplace_app.ui.state.operator_disputes import OperatorDisputesState

State = OperatorDisputesState


@dashboard_page(routes.OPERATOR_DISPUTES, "My disputes", role="operator", on_load=State.load)
def operator_disputes() -> rx.Component:
    """Disputes about my work."""
    return rx.vstack(
        page_header("My disputes", operator_disputes_intro(), live_badge(State.live)),
        list_or_empty(
            State.loaded, State.items,
            rx.vstack(rx.vstack(rx.foreach(State.items, _dispute_item), spacing="2", width="100%", id="my-disputes"),
                      rx.cond(State.dispute["id"] != "", selected_card()),
                      spacing="5", width="100%"),
            empty_state("scale", "No disputes", "Nobody has disputed your work."),
        ),
        spacing="5", width="100%", max_width="52rem",
    )


def _dispute_item(item: rx.Var[dict[str, str]]) -> rx.Component:
    chosen = item["id"] == State.selected_id
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.text(item["title"], weight="bold", size="2", word_break="break-word"),
                rx.flex(status_badge("dispute", item["status"]),
                        rx.badge(item["tier"], variant="outline"), rx.text(item["price"], size="2"),
                        rx.text("opened ", item["opened"], size="1", color_scheme="gray"),
                        spacing="2", wrap="wrap", align="center"),
                spacing="1", min_width="0", flex="1",
            ),
            rx.button(rx.cond(chosen, "Shown below", "Open"), on_click=State.select(item["id"]), disabled=chosen,
                      variant="soft", size="2", class_name="open-dispute"),
            direction={"initial": "column", "sm": "row"}, gap="3", align={"sm": "center"}, width="100%",
        ),
        width="100%", custom_attrs={"data-dispute": item["id"]},
        border=rx.cond(chosen, f"2px solid {rx.color('accent', 8)}", "none"),
    )


def selected_card() -> rx.Component:
    """The open dispute: everything about it and, while it is open, what the operator may do."""
    return rx.card(
        rx.vstack(
            rx.heading("Dispute ", rx.code(State.dispute["id"], variant="ghost"), size="4"),
            dispute_panel(State.dispute, State.rulings, State.history),
            rx.cond(State.can_offer, rx.vstack(
                rx.separator(width="100%"),
                inline_error(State.error, error_id="operator-dispute-error"),
                statement_form(),
                dispute_actions(State, Party.operator),
                spacing="4", width="100%",
            )),
            spacing="4", width="100%",
        ),
        width="100%", size="3", id="selected-dispute",
    )


def statement_form() -> rx.Component:
    """The operator's side of the story (replaces an earlier one)."""
    return rx.form(
        rx.vstack(
            rx.heading("Your statement", size="3"),
            rx.text("Jurors and staff read it next to the company's complaint; a new statement replaces the old.",
                    size="2", color_scheme="gray"),
            counted_text_area(name="statement", area_id="dispute-statement-input", maximum=MAX_REASON_CHARACTERS,
                              length=State.statement_length, on_change=State.count_statement,
                              placeholder="What you did and why the result is right", rows="3"),
            rx.button(rx.icon("message-square-quote", size=16), "Save statement", type="submit",
                      id="statement-submit"),
            spacing="2", width="100%",
        ),
        on_submit=State.add_statement, reset_on_submit=False, width="100%",
    )
