"""Jury duty: the disputes an operator sits on as a juror. Each case shows the brief, the result
and both statements (never who the parties are); the juror votes once, with an optional comment."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import live_badge, notice, page_header
from marketplace_app.ui.components.data import empty_state, list_or_empty
from marketplace_app.ui.components.disputes import counted_text_area
from marketplace_app.ui.components.forms import dialog_footer, field_label, inline_error
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import status_badge
from marketplace_app.ui.state.disputes import MAX_COMMENT_CHARACTERS, jury_intro
from marketplace_app.ui.state.operator_disputes import JuryCase, JuryState

State = JuryState


@dashboard_page(routes.OPERATOR_JURY, "Jury duty", role="operator", on_load=State.load)
def operator_jury() -> rx.Component:
    """The juror's inbox."""
    return rx.vstack(
        page_header("Jury duty", jury_intro(), live_badge(State.live)),
        list_or_empty(
            State.loaded, State.cases,
            rx.vstack(rx.text(State.waiting_count, " case(s) waiting for your vote.", size="2", color_scheme="gray",
                              id="jury-waiting"),
                      rx.foreach(State.cases, case_card),
                      spacing="4", width="100%", id="jury-cases"),
            empty_state("gavel", "No cases", "When you are chosen as a juror, the case appears here."),
        ),
        vote_dialog(),
        spacing="5", width="100%", max_width="52rem",
    )


def _section(title: str, *children: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(title, size="1", weight="bold", color_scheme="gray"), *children, spacing="1",
                     width="100%", padding="0.75rem", border_radius="var(--radius-3)",
                     background_color=rx.color("gray", 2))


def _body(text: rx.Var[str], class_name: str) -> rx.Component:
    return rx.text(text, size="2", white_space="pre-wrap", word_break="break-word", class_name=class_name)


def case_card(case: rx.Var[JuryCase]) -> rx.Component:
    """One case: the brief, the result, both statements, and the vote (or how it was cast)."""
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.flex(rx.badge(case.skill, variant="soft", size="2"),
                        status_badge("dispute", case.status),
                        spacing="2", wrap="wrap", align="center"),
                rx.text(case.price, weight="bold", white_space="nowrap"),
                justify="between", align="center", spacing="3", width="100%",
            ),
            rx.cond(case.time_left != "", rx.text("Votes due ", case.deadline, " (", case.time_left,
                                                      " left)", size="1", color_scheme="gray")),
            _section("The brief", _body(case.context, "case-brief"),
                     rx.cond(case.proof_requirements != "",
                             rx.text("Proof asked for: ", case.proof_requirements, size="1", color_scheme="gray"))),
            _section("The result", _body(case.answer, "case-answer"),
                     rx.text("Confidence: ", case.confidence, size="1", color_scheme="gray"),
                     rx.cond(case.proof_notes != "", rx.text("Proof notes: ", case.proof_notes, size="1",
                                                                color_scheme="gray"))),
            rx.grid(
                _section("The complaint", _body(case.company_statement, "case-company")),
                _section("The operator says", rx.cond(case.operator_statement != "",
                                                      _body(case.operator_statement, "case-operator"),
                                                      rx.text("No statement.", size="2", color_scheme="gray"))),
                columns={"initial": "1", "md": "2"}, spacing="3", width="100%",
            ),
            rx.cond(
                case.my_vote != "",
                notice(rx.text("You voted ", rx.text.strong(case.my_vote_words), "."), icon="circle-check",
                           color_scheme="green", width="100%", class_name="my-vote"),
                rx.cond(case.can_vote, vote_buttons(case),
                        rx.text("The jury has finished with this case.", size="2", color_scheme="gray")),
            ),
            spacing="3", width="100%",
        ),
        width="100%", custom_attrs={"data-case": case.id},
    )


def vote_buttons(case: rx.Var[JuryCase]) -> rx.Component:
    """The two votes; each asks for confirmation and an optional comment."""
    return rx.flex(
        rx.button(rx.icon("building-2", size=16), "Vote for company", size="3", flex="1",
                  on_click=State.start_vote(case.id, "for_company"), class_name="vote-company"),
        rx.button(rx.icon("user-check", size=16), "Vote for operator", size="3", flex="1", variant="soft",
                  on_click=State.start_vote(case.id, "for_operator"), class_name="vote-operator"),
        direction={"initial": "column", "sm": "row"}, spacing="3", width="100%",
    )


def vote_dialog() -> rx.Component:
    """Confirm the vote, with an optional comment (at most 500 characters)."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Vote ", State.voting["words"], "?"),
            rx.dialog.description("Your vote cannot be changed. The third vote decides by majority.", size="2",
                                  color_scheme="gray"),
            rx.form(
                rx.vstack(
                    inline_error(State.vote_error, error_id="vote-error"),
                    field_label("Comment (optional)", "vote-comment"),
                    counted_text_area(name="comment", area_id="vote-comment", maximum=MAX_COMMENT_CHARACTERS,
                                      length=State.comment_length, on_change=State.count_comment,
                                      placeholder="What decided it for you", rows="3", required=False),
                    dialog_footer(rx.button("Cast vote", type="submit", size="3", id="vote-confirm")),
                    spacing="3", width="100%",
                ),
                on_submit=State.vote, reset_on_submit=False,
            ),
            max_width="30rem",
        ),
        open=State.voting.contains("id"), on_open_change=State.close_vote,
    )
