"""The audit log: who decided what, when, and what it moved (read-only, append-only)."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, page_header
from marketplace_app.ui.components.data import cell, empty_state, pager, record_card, responsive_table
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.state.admin_audit import AuditRow, AuditState

COLUMNS = ("Date", "Staff", "Action", "Subject", "Amount", "Reason / reference")


@dashboard_page(routes.ADMIN_AUDIT, "Audit log", role="admin", on_load=AuditState.load)
def admin_audit() -> rx.Component:
    """Every recorded staff decision, newest first."""
    return rx.vstack(
        page_header("Audit log", "Every manual credit, KYC review and payout settled by hand, with who decided "
                                 "it. Entries are never changed or deleted."),
        rx.cond(AuditState.loaded, audit_list(), loading()),
        spacing="5", width="100%",
    )


def audit_list() -> rx.Component:
    """The entries as a table (cards on a phone) with Newer / Older."""
    return rx.cond(
        AuditState.entries.length() > 0,
        rx.vstack(
            responsive_table(COLUMNS, AuditState.entries, _row, _card, table_id="audit-log", min_width="56rem"),
            pager(AuditState.page, AuditState.has_more, on_previous=AuditState.previous_page,
                  on_next=AuditState.next_page, previous_label="Newer", next_label="Older", pager_id="audit-pager"),
            spacing="3", width="100%",
        ),
        empty_state("scroll-text", "Nothing recorded yet", "Staff decisions appear here as they are made."),
    )


def _row(entry: rx.Var[AuditRow]) -> rx.Component:
    return rx.table.row(
        cell(entry.date, "date", white_space="nowrap"),
        cell(rx.text(entry.staff, size="2"), "staff"),
        cell(rx.text(entry.action, weight="medium", size="2"), "action"),
        cell(rx.vstack(rx.text(entry.subject, size="2"), rx.code(entry.subject_id, size="1"), spacing="1"),
             "subject"),
        cell(rx.text(entry.amount, white_space="nowrap"), "amount", text_align="right"),
        cell(rx.text(entry.note, size="2"), "note", min_width="14rem"),
        align="center", custom_attrs={"data-audit": entry.id},
    )


def _card(entry: rx.Var[AuditRow]) -> rx.Component:
    return record_card(
        rx.text(entry.action, weight="bold", size="2"),
        ("Subject", rx.text(entry.subject, " ", rx.code(entry.subject_id, size="1"), size="2")),
        ("Amount", entry.amount),
        ("Reason", entry.note),
        ("Staff", entry.staff),
        ("Date", entry.date),
        custom_attrs={"data-audit": entry.id},
    )
