"""Credits: the balances, how to add credit (test credit in a sandbox, else a bank transfer staff
credit by hand) and every ledger line with its reason."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, page_header, stat
from marketplace_app.ui.components.data import cell, pager, record_card, responsive_table
from marketplace_app.ui.components.forms import inline_error, money_field
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.state.company_credits import CreditsState, LedgerLine

COLUMNS = ("Date", "What happened", "Amount", "Available after")


@dashboard_page(routes.COMPANY_CREDITS, "Credits", role="company", on_load=CreditsState.load)
def credits() -> rx.Component:
    """The company's credit."""
    return rx.vstack(
        page_header("Credits", "Prepaid credit pays for requests; each request's max price is held in escrow "
                    "until it ends."),
        rx.cond(CreditsState.loaded, credits_body(), loading()),
        spacing="5", width="100%",
    )


def credits_body() -> rx.Component:
    """Balances, top-up and ledger, once read."""
    return rx.vstack(
        rx.grid(
            stat("Available credit", rx.text(CreditsState.available, id="credits-available"), "ready to spend"),
            stat("Escrowed", rx.text(CreditsState.escrowed, id="credits-escrowed"), "held for open requests"),
            columns={"initial": "1", "sm": "2"}, spacing="4", width="100%",
        ),
        rx.cond(CreditsState.test_credit, test_credit_card(), bank_transfer_card()),
        rx.heading("Ledger", size="4"),
        rx.cond(
            CreditsState.lines.length() > 0,
            rx.vstack(
                responsive_table(COLUMNS, CreditsState.lines, _line_row, _line_card, table_id="ledger-table",
                                 min_width="44rem"),
                pager(CreditsState.page, CreditsState.has_more, on_previous=CreditsState.previous_page,
                      on_next=CreditsState.next_page, previous_label="Newer", next_label="Older",
                      pager_id="ledger-pager"),
                spacing="3", width="100%",
            ),
            rx.card(rx.text("No movements yet.", color_scheme="gray"), width="100%"),
        ),
        spacing="5", width="100%",
    )


def test_credit_card() -> rx.Component:
    """Test credit, offered only in a sandbox deployment and labelled as not real money."""
    return rx.card(
        rx.form(
            rx.vstack(
                rx.hstack(rx.heading("Add test credit", size="4"),
                          rx.badge("sandbox — test credit, not real money", color_scheme="amber", variant="soft"),
                          align="center", wrap="wrap"),
                rx.text("This deployment is a sandbox: test credit is added at once, for development and demos, "
                        "up to ", CreditsState.test_credit_maximum, " at a time. No card is charged and no money "
                        "moves.", size="2", color_scheme="gray"),
                inline_error(CreditsState.deposit_error, error_id="deposit-error"),
                rx.flex(
                    rx.box(money_field("Amount", "amount", CreditsState.currency, placeholder="25",
                                       hint=CreditsState.amount_hint), flex="1", min_width="12rem"),
                    rx.button(rx.icon("plus", size=16), "Add test credit", type="submit",
                              loading=CreditsState.depositing, id="deposit-submit"),
                    direction={"initial": "column", "sm": "row"}, spacing="3", align={"sm": "end"}, width="100%",
                ),
                spacing="3", width="100%",
            ),
            on_submit=CreditsState.deposit, reset_on_submit=False, width="100%",
        ),
        width="100%", id="test-credit",
    )


def bank_transfer_card() -> rx.Component:
    """How credit is added outside a sandbox: a bank transfer quoting the company id, credited by staff."""
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon("landmark", size=20), rx.heading("Add credit", size="4"), align="center"),
            rx.text(CreditsState.bank_transfer, ".", size="2"),
            rx.data_list.root(
                rx.data_list.item(rx.data_list.label("Reference to quote"),
                                  rx.data_list.value(rx.code(CreditsState.company_id, id="bank-reference"))),
                rx.data_list.item(rx.data_list.label("Pay to"), rx.data_list.value(rx.cond(
                    CreditsState.bank_details != "",
                    rx.text(CreditsState.bank_details, white_space="pre-line", id="bank-details"),
                    rx.text("Ask Handoff support for the bank details.", color_scheme="gray")))),
                orientation={"initial": "vertical", "sm": "horizontal"},
            ),
            rx.text("The credit appears in your ledger as “Credited by Handoff staff”.", size="1",
                    color_scheme="gray"),
            spacing="3", width="100%",
        ),
        width="100%", id="bank-transfer",
    )


def _line_row(line: rx.Var[LedgerLine]) -> rx.Component:
    return rx.table.row(
        cell(line.date, "date", white_space="nowrap"),
        cell(_what(line), "what", min_width="18rem"),
        cell(_amount(line), "amount", text_align="right"),
        cell(rx.text(line.balance, white_space="nowrap"), "balance", text_align="right"),
        align="center",
    )


def _line_card(line: rx.Var[LedgerLine]) -> rx.Component:
    return record_card(
        rx.hstack(rx.text(line.date, size="2", color_scheme="gray"), rx.spacer(), _amount(line),
                  width="100%", align="center"),
        ("What happened", _what(line)),
        ("Available after", line.balance),
    )


def _what(line: rx.Var[LedgerLine]) -> rx.Component:
    return rx.vstack(
        rx.cond(line.request_id != "",
                rx.link(line.what, href=routes.COMPANY_REQUESTS + "/" + line.request_id, size="2"),
                rx.text(line.what, size="2")),
        rx.cond(line.from_held, rx.text("paid from the credit held for it", size="1", color_scheme="gray")),
        spacing="0",
    )


def _amount(line: rx.Var[LedgerLine]) -> rx.Component:
    # Money in is green; Radix's green text reads at 4.28:1 on white, so its high-contrast shade is used.
    return rx.text(line.amount, weight="medium", white_space="nowrap", high_contrast=True,
                   color_scheme=rx.cond(line.direction == "in", "green", "gray"))
