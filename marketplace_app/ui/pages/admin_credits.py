"""Staff credit a company by hand for a bank transfer: form → confirmation → recent manual credits."""

from __future__ import annotations

import reflex as rx

from marketplace_app.companies.manual_credits import MAX_REASON_CHARACTERS, MAX_REFERENCE_CHARACTERS
from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, page_header
from marketplace_app.ui.components.data import cell, data_table, empty_state, pager
from marketplace_app.ui.components.forms import inline_error, labelled, money_field
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.state.admin_credits import FIELD_IDS, AdminCreditsState, CreditRow

COLUMNS = ("Date", "Company", "Amount", "Reason", "Reference", "Staff")


@dashboard_page(routes.ADMIN_CREDITS, "Credits", role="admin", on_load=AdminCreditsState.load)
def admin_credits() -> rx.Component:
    """Credit a bank transfer to a company, and every manual credit so far."""
    return rx.vstack(
        page_header("Credits", "A bank transfer arrived: credit it to the company it names. Each credit is one "
                               "ledger transfer, recorded with your name, and a bank reference credits a "
                               "company once."),
        credit_form(),
        rx.heading("Recent manual credits", size="4"),
        rx.cond(AdminCreditsState.loaded, recent_credits(), loading()),
        confirm_dialog(),
        spacing="5", width="100%",
    )


def _input(label: str, name: str, *, hint: str = "", **props) -> rx.Component:
    return labelled(label, rx.input(id=FIELD_IDS[name], name=name, width="100%", required=True, **props),
                    hint=hint, html_for=FIELD_IDS[name])


def credit_form() -> rx.Component:
    """Company, amount, reason and bank reference; checked before the confirmation opens."""
    return rx.card(
        rx.form(
            rx.vstack(
                inline_error(AdminCreditsState.form_error, error_id="credit-error"),
                rx.grid(
                    _input("Company id", "company_id", placeholder="com_…",
                           hint="The reference the company quoted on its transfer"),
                    money_field("Amount", "amount", AdminCreditsState.currency, placeholder="100.00",
                                hint="At most " + AdminCreditsState.maximum, required=True),
                    _input("Bank reference", "reference", max_length=MAX_REFERENCE_CHARACTERS,
                           hint="The transfer's reference or id: it credits this company once"),
                    columns={"initial": "1", "md": "3"}, spacing="4", width="100%",
                ),
                _input("Reason", "reason", max_length=MAX_REASON_CHARACTERS,
                       hint="The company reads it on its statement, after “Credited by Handoff staff:”"),
                rx.flex(rx.button(rx.icon("hand-coins", size=16), "Review credit", type="submit", size="3",
                                  id="credit-review"), justify="end", width="100%"),
                spacing="4", width="100%",
            ),
            on_submit=AdminCreditsState.review, reset_on_submit=False, width="100%", id="credit-form",
        ),
        width="100%",
    )


def confirm_dialog() -> rx.Component:
    """The checked credit, for staff to confirm: the company by name, the amount, the reason."""
    pending = AdminCreditsState.pending
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Credit ", pending.amount, " to ", pending.company, "?"),
            rx.alert_dialog.description(
                "Money moves from Handoff's bank account to the company's available credit at once. A credit "
                "cannot be undone here.", size="2"),
            rx.data_list.root(
                _item("Company", rx.vstack(rx.text(pending.company), rx.code(pending.company_id), spacing="1")),
                _item("Amount", rx.text(pending.amount, weight="bold", id="confirm-amount")),
                _item("Reason", pending.reason),
                _item("Bank reference", rx.code(pending.reference)),
                orientation={"initial": "vertical", "sm": "horizontal"}, size="2", margin_y="1rem",
            ),
            rx.cond(pending.already_credited,
                    rx.callout("This reference was already credited to this company: confirming adds nothing.",
                               icon="info", color_scheme="amber", id="already-credited")),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Back", variant="soft", color_scheme="gray", size="3")),
                rx.button("Credit the company", on_click=AdminCreditsState.confirm, loading=AdminCreditsState.busy,
                          size="3", id="credit-confirm"),
                justify="end", spacing="3", margin_top="1rem",
            ),
            max_width="32rem",
        ),
        open=AdminCreditsState.confirming, on_open_change=AdminCreditsState.close_confirm,
    )


def _item(label: str, value: rx.Component | rx.Var) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label, min_width="8rem"), rx.data_list.value(value))


def recent_credits() -> rx.Component:
    """Manual credits, newest first, with who made them."""
    return rx.cond(
        AdminCreditsState.credits.length() > 0,
        rx.vstack(
            data_table(COLUMNS, rx.foreach(AdminCreditsState.credits, _credit_row), table_id="manual-credits",
                       min_width="56rem"),
            pager(AdminCreditsState.page, AdminCreditsState.has_more, on_previous=AdminCreditsState.previous_page,
                  on_next=AdminCreditsState.next_page, previous_label="Newer", next_label="Older",
                  pager_id="credits-pager"),
            spacing="3", width="100%",
        ),
        empty_state("hand-coins", "No manual credits yet", "Credits you make here are listed with who made them."),
    )


def _credit_row(credit: rx.Var[CreditRow]) -> rx.Component:
    return rx.table.row(
        cell(credit.date, "date", white_space="nowrap"),
        cell(rx.vstack(rx.text(credit.company, size="2"), rx.code(credit.company_id, size="1"), spacing="1"),
             "company"),
        cell(rx.text(credit.amount, weight="medium", white_space="nowrap"), "amount", text_align="right"),
        cell(rx.text(credit.reason, size="2"), "reason", min_width="14rem"),
        cell(rx.code(credit.reference, size="1"), "reference"),
        cell(rx.text(credit.staff, size="2"), "staff"),
        align="center", custom_attrs={"data-credit": credit.id},
    )
