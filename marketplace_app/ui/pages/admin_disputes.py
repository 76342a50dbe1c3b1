"""Staff dispute queues by tier: the specialist (tier 2) and the board (tier 3, final) read the
case and rule for the company, for the operator, or a split with a refund amount."""

from __future__ import annotations

import reflex as rx

from marketplace_app.settings import get_settings
from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, page_header
from marketplace_app.ui.components.data import empty_state
from marketplace_app.ui.components.disputes import counted_text_area, dispute_panel
from marketplace_app.ui.components.forms import choice_cards, dialog_footer, inline_error, labelled, money_field
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.state.admin_disputes import StaffCase, StaffDisputesState
from marketplace_app.ui.state.disputes import MAX_REASON_CHARACTERS, appealable_ruling

State = StaffDisputesState
RULING_CHOICES = (("for_company", "For the company", "full refund"),
                  ("for_operator", "For the operator", "the operator keeps the reward"),
                  ("split", "Split", "a partial refund"))


@dashboard_page(routes.ADMIN_DISPUTES, "Disputes", role="admin", on_load=State.load)
def admin_disputes() -> rx.Component:
    """The specialist and board queues, soonest deadline first."""
    return rx.vstack(
        page_header("Disputes", "Appealed disputes waiting for staff. A specialist ruling may be appealed to the "
                                "board; the board's ruling is final.",
                    rx.button(rx.icon("refresh-cw", size=16), "Refresh", on_click=State.refresh, variant="soft")),
        rx.cond(
            State.loaded,
            rx.vstack(
                rx.cond(State.elsewhere.length() > 0, rx.flex(
                    rx.text("Elsewhere:", size="2", color_scheme="gray"),
                    rx.foreach(State.elsewhere, lambda item: rx.badge(item["count"], " in ", item["status"],
                                                                       variant="soft", color_scheme="gray")),
                    spacing="2", wrap="wrap", align="center", id="disputes-elsewhere")),
                _specialties(),
                _queue("Specialist · tier 2", State.specialist, "specialist-queue",
                       "No dispute is waiting for a specialist in your skills."),
                _queue("Board · tier 3", State.board, "board-queue", "No dispute is waiting for the board."),
                spacing="5", width="100%",
            ),
            loading(),
        ),
        ruling_dialog(),
        spacing="5", width="100%",
    )


def _specialties() -> rx.Component:
    """Your skills as a specialist: tier-2 disputes of these skills (and of skills no one on staff has) are yours."""
    return rx.card(rx.vstack(
        rx.text("Your specialties", weight="medium"),
        rx.text("Tier-2 disputes of these skills come to you; a skill no one on staff has is open to everyone.",
                size="2", color_scheme="gray"),
        rx.flex(rx.foreach(State.skills, lambda skill: rx.checkbox(
            skill["title"], checked=State.my_skills.contains(skill["name"]),
            on_change=lambda checked: State.toggle_skill(skill["name"], checked),
            id="specialty-" + skill["name"])), spacing="4", wrap="wrap"),
        spacing="2", width="100%"), width="100%", id="specialties")


def _queue(title: str, cases: rx.Var[list[StaffCase]], queue_id: str, empty: str) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.heading(title, size="4"), rx.badge(cases.length(), variant="soft"), align="center"),
        rx.cond(cases.length() > 0,
                rx.vstack(rx.foreach(cases, _case_card), spacing="3", width="100%", id=queue_id),
                empty_state("scale", "Queue empty", empty)),
        spacing="3", width="100%",
    )


def _case_card(case: rx.Var[StaffCase]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(rx.text(case.title, weight="bold", size="3", word_break="break-word"),
                          rx.text(case.company, " · operator ", case.operator, " · ", case.dispute["skill"],
                                  size="1", color_scheme="gray"),
                          spacing="1", min_width="0"),
                rx.button(rx.icon("gavel", size=16), "Rule", on_click=State.start_ruling(case.dispute["id"]), size="3",
                          class_name="rule-dispute", width=rx.breakpoints(initial="100%", sm="auto")),
                direction={"initial": "column", "sm": "row"}, gap="3", justify="between", width="100%",
            ),
            rx.el.details(
                rx.el.summary(rx.text("The brief and the result", size="2", weight="bold", as_="span"),
                              cursor="pointer"),
                rx.vstack(rx.text(case.context, size="2", white_space="pre-wrap", word_break="break-word"),
                          rx.text("Answer: ", case.answer, size="2", color_scheme="gray", white_space="pre-wrap",
                                  word_break="break-word"),
                          spacing="2", padding_top="0.5rem"),
                width="100%",
            ),
            dispute_panel(case.dispute, case.rulings, case.history),
            spacing="3", width="100%",
        ),
        width="100%", custom_attrs={"data-dispute": case.dispute["id"]},
    )


def ruling_dialog() -> rx.Component:
    """Choose the outcome, the refund for a split, and the reasoning both parties will read."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Rule on ", State.ruling_for.tier),
            rx.dialog.description(
                rx.cond(State.ruling_for.final, "The board's ruling is final: the money moves at once.",
                        appealable_ruling()),
                size="2", color_scheme="gray"),
            rx.form(
                rx.vstack(
                    inline_error(State.ruling_error, error_id="ruling-error"),
                    choice_cards(RULING_CHOICES, value=State.ruling_choice, on_change=State.set_ruling_choice,
                                 id_prefix="ruling", columns={"initial": "1", "sm": "3"}),
                    rx.cond(State.ruling_choice == "split", money_field(
                        "Refund to the company", "refund", get_settings().currency, placeholder="5.00",
                        hint="More than 0 and less than the price (" + State.ruling_for.price + ")")),
                    labelled("Reasoning", counted_text_area(
                        name="reasoning", area_id="ruling-reasoning", maximum=MAX_REASON_CHARACTERS,
                        length=State.reasoning_length, on_change=State.count_reasoning,
                        placeholder="What decided it; both parties read this", rows="4"),
                        html_for="ruling-reasoning"),
                    dialog_footer(rx.button("Rule", type="submit", size="3", id="ruling-confirm")),
                    spacing="3", width="100%",
                ),
                on_submit=State.rule, reset_on_submit=False,
            ),
            max_width="34rem",
        ),
        open=State.ruling_for.id != "", on_open_change=State.close_ruling,
    )
