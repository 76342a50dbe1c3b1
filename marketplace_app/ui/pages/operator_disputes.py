"""The operator's disputes: every dispute about their work, and the open one with its rulings,
their statement, an appeal while a ruling awaits appeal, and settlement offers."""

from __future__ import annotations

import reflex as rx

from marketplace_app.settings import get_settings
from marketplace_app.ui import routes
from marketplace_app.ui.components.common import live_badge, loading, notice, page_header
from marketplace_app.ui.components.disputes import counted_text_area, dispute_panel, dispute_status_badge
from marketplace_app.ui.components.forms import inline_error, money_field
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import empty_card
from marketplace_app.ui.state.disputes import MAX_REASON_CHARACTERS, operator_disputes_intro
from marketplace_app.ui.state.operator_disputes import OperatorDisputesState

State = OperatorDisputesState


@dashboard_page(routes.OPERATOR_DISPUTES, "My disputes", role="operator", on_load=State.load)
def operator_disputes() -> rx.Component:
    """Disputes about my work."""
    return rx.vstack(
        page_header("My disputes", operator_disputes_intro(), live_badge(State.live)),
        rx.cond(
            State.loaded,
            rx.cond(State.items.length() > 0,
                    rx.vstack(rx.vstack(rx.foreach(State.items, _dispute_item), spacing="2", width="100%",
                                        id="my-disputes"),
                              rx.cond(State.dispute.contains("id"), selected_card()),
                              spacing="5", width="100%"),
                    empty_card("scale", "No disputes", "Nobody has disputed your work.")),
            loading(),
        ),
        spacing="5", width="100%", max_width="52rem",
    )


def _dispute_item(item: rx.Var[dict[str, str]]) -> rx.Component:
    chosen = item["id"] == State.selected_id
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.text(item["title"], weight="bold", size="2", word_break="break-word"),
                rx.flex(dispute_status_badge(item["status"], item["status_words"]),
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
                rx.cond(State.can_appeal, appeal_form()),
                rx.cond(State.can_accept_offer, accept_card()),
                offer_form(),
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


def appeal_form() -> rx.Component:
    """Appeal the current ruling with a reason."""
    return rx.form(
        rx.vstack(
            rx.heading("Appeal this ruling", size="3"),
            rx.text("The next tier takes the dispute; without an appeal the ruling becomes final when the window "
                    "closes.", size="2", color_scheme="gray"),
            counted_text_area(name="reason", area_id="operator-appeal-reason", maximum=MAX_REASON_CHARACTERS,
                              length=State.appeal_length, on_change=State.count_appeal,
                              placeholder="Why the ruling is wrong", rows="3"),
            rx.button(rx.icon("undo-2", size=16), "Appeal", type="submit", id="operator-appeal-submit"),
            spacing="2", width="100%",
        ),
        on_submit=State.appeal, reset_on_submit=False, width="100%",
    )


def accept_card() -> rx.Component:
    """The company's standing offer, with the button that settles on it."""
    return notice(
        rx.flex(
            rx.text("The company offers to settle for a refund of ", rx.text.strong(State.dispute["offer"]),
                    "; you keep the rest of the reward."),
            rx.button("Accept offer", color_scheme="green", size="2", on_click=State.accept_offer,
                      id="operator-accept-offer"),
            direction={"initial": "column", "sm": "row"}, gap="3", justify="between", align={"sm": "center"},
            width="100%",
        ),
        icon="handshake", color_scheme="green", width="100%", id="company-offer",
    )


def offer_form() -> rx.Component:
    """Propose a refund to the company that would settle the dispute."""
    return rx.form(
        rx.vstack(
            rx.heading("Offer a settlement", size="3"),
            rx.text("Name a refund to the company (0 to ", State.dispute["price"], "); the rest of your reward "
                    "stays yours if they accept.", size="2", color_scheme="gray"),
            rx.cond(State.dispute["offer_by"] == "operator",
                    rx.text("Your offer of ", State.dispute["offer"], " is waiting for the company.", size="2")),
            rx.flex(
                rx.box(money_field("Refund", "refund", get_settings().currency, placeholder="5.00", required=True),
                       flex="1", min_width="10rem"),
                rx.button(rx.icon("handshake", size=16), "Send offer", type="submit", variant="soft",
                          id="operator-offer-submit"),
                spacing="3", width="100%", wrap="wrap", align="end",
            ),
            spacing="2", width="100%",
        ),
        on_submit=State.offer, reset_on_submit=False, width="100%",
    )
