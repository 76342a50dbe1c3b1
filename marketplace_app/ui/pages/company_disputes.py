"""Disputes in the company dashboard: the list page, and the dispute button and section of a
request's detail page (open, read the rulings, appeal, offer or accept a settlement)."""

from __future__ import annotations

import reflex as rx

from marketplace_app.disputes.models import Party
from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, notice, page_header
from marketplace_app.ui.components.data import cell, data_table, empty_state, pager
from marketplace_app.ui.components.dispute_actions import dispute_actions
from marketplace_app.ui.components.disputes import counted_text_area, dispute_panel
from marketplace_app.ui.components.forms import dialog_footer, inline_error, labelled
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import status_badge
from marketplace_app.ui.state.company_disputes import CompanyDisputesState, RequestDisputeState
from marketplace_app.ui.state.disputes import MAX_REASON_CHARACTERS, company_disputes_empty

State = RequestDisputeState
COLUMNS = ("Request", "Status", "Tier", "Refund", "Opened")


def dispute_button() -> rx.Component:
    """"Dispute" on a completed request while the window is open, with the reason form."""
    return rx.cond(
        State.can_dispute & State.can_write,
        rx.dialog.root(
            rx.dialog.trigger(rx.button(rx.icon("scale", size=16), "Dispute", color_scheme="red", variant="soft",
                                        id="open-dispute")),
            rx.dialog.content(
                rx.dialog.title("Dispute this result"),
                rx.dialog.description(
                    rx.text("Say what is wrong with the result. An automated triage rules at once, with its "
                            "reasoning; either side may then appeal to a peer jury. You have ", State.window_left,
                            " left to dispute."), size="2", color_scheme="gray"),
                rx.form(
                    rx.vstack(
                        inline_error(State.open_error, error_id="dispute-error"),
                        labelled("Reason", counted_text_area(
                            name="reason", area_id="dispute-reason", maximum=MAX_REASON_CHARACTERS,
                            length=State.reason_length, on_change=State.count_reason,
                            placeholder="What the result gets wrong or leaves out"), html_for="dispute-reason"),
                        dialog_footer(rx.button("Open dispute", type="submit", color_scheme="red", size="3",
                                                loading=State.busy, id="dispute-submit")),
                        spacing="3", width="100%",
                    ),
                    on_submit=State.open_dispute, reset_on_submit=False,
                ),
                max_width="32rem",
            ),
            open=State.dialog_open, on_open_change=State.set_dialog,
        ),
    )


def dispute_section() -> rx.Component:
    """The request's dispute, when it has one, with the actions the company may take."""
    return rx.cond(
        State.has_dispute,
        rx.card(
            rx.vstack(
                rx.hstack(rx.icon("scale", size=18), rx.heading("Dispute", size="4"), align="center"),
                dispute_panel(State.dispute, State.rulings, State.history),
                rx.cond(State.can_write & State.can_offer, company_actions()),
                spacing="4", width="100%",
            ),
            width="100%", id="request-dispute",
        ),
        rx.cond(State.can_dispute, notice(
            rx.text("Not what you asked for? You can dispute this result for another ", State.window_left, "."),
            icon="scale", color_scheme="gray", width="100%", id="dispute-window")),
    )


def company_actions() -> rx.Component:
    """What the company may do while the dispute is open (the one party-aware component)."""
    return rx.vstack(
        rx.separator(width="100%"),
        dispute_actions(State, Party.company, appeal_error=State.appeal_error, offer_error=State.offer_error),
        spacing="4", width="100%",
    )


@dashboard_page(routes.COMPANY_DISPUTES, "Disputes", role="company", on_load=CompanyDisputesState.load)
def company_disputes() -> rx.Component:
    """The company's disputes, newest first, 20 per page."""
    state = CompanyDisputesState
    return rx.vstack(
        page_header("Disputes", "Results you disputed, with their tier, status and refund."),
        rx.cond(
            state.loaded,
            rx.cond(
                state.rows.length() > 0,
                rx.vstack(
                    data_table(COLUMNS, rx.foreach(state.rows, _dispute_row), table_id="disputes-table",
                               min_width="40rem"),
                    pager(state.page, state.has_more, on_previous=state.previous_page, on_next=state.next_page,
                          pager_id="disputes-pager"),
                    spacing="3", width="100%",
                ),
                empty_state("scale", "No disputes", company_disputes_empty(),
                            rx.link("See your requests", href=routes.COMPANY_REQUESTS))),
            loading(),
        ),
        spacing="5", width="100%",
    )


def _dispute_row(row: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(
            rx.vstack(rx.text(row["title"], weight="medium", size="2"),
                      rx.code(row["request_id"], size="1", variant="ghost", color_scheme="gray"), spacing="0"),
            href=routes.COMPANY_REQUESTS + "/" + row["request_id"], underline="hover", color="inherit",
        ), max_width="22rem"),
        cell(status_badge("dispute", row["status"]), "status"),
        cell(rx.text(row["tier"], white_space="nowrap"), "tier"),
        cell(rx.text(row["shown_refund"], white_space="nowrap"), "refund"),
        cell(rx.text(row["opened"], white_space="nowrap"), "opened"),
        align="center", custom_attrs={"data-dispute": row["id"]},
    )
