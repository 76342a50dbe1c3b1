"""Staff pages: the scheduler heartbeat and the ledger health check."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import page_header, stat
from marketplace_app.ui.components.data import cell, empty_state, record_card, responsive_table
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import status_badge
from marketplace_app.ui.state.admin import JobRow, LedgerState, SchedulerState

JOB_COLUMNS = ("Job", "Last status", "Last run", "Duration (ms)", "Processed", "Runs", "Failures", "Last error")


@dashboard_page(routes.ADMIN_SCHEDULER, "Scheduler", role="admin", on_load=SchedulerState.load)
def scheduler() -> rx.Component:
    """Every timer job's last run, and which process holds the scheduler lease."""
    return rx.vstack(
        page_header("Scheduler", "Each job's heartbeat, written after every run.",
                    rx.button(rx.icon("refresh-cw", size=16), "Refresh", on_click=SchedulerState.load,
                              variant="soft")),
        lease_card(),
        rx.cond(
            SchedulerState.jobs.length() > 0,
            responsive_table(JOB_COLUMNS, SchedulerState.jobs, _job_row, _job_card, table_id="scheduler-jobs",
                             min_width="56rem"),
            empty_state("timer", "No job has run yet", "Jobs record a heartbeat after their first run."),
        ),
        rx.text("Checked at ", SchedulerState.checked_at, size="1", color_scheme="gray"),
        spacing="5", width="100%",
    )


def lease_card() -> rx.Component:
    """Who leads the scheduler, and until when."""
    lease = SchedulerState.lease
    return rx.card(
        rx.cond(
            lease.holder != "",
            rx.data_list.root(
                _row("Lease holder", rx.hstack(rx.code(lease.holder), _lease_badge(lease.active))),
                _row("Renewed at", lease.renewed_at),
                _row("Expires at", lease.expires_at),
                orientation={"initial": "vertical", "sm": "horizontal"},
            ),
            rx.text("No scheduler has taken the lease yet (it is disabled, or has not started).",
                    color_scheme="gray"),
        ),
        width="100%",
    )


def _lease_badge(active: rx.Var[bool]) -> rx.Component:
    return rx.cond(active, rx.badge("active", color_scheme="green"), rx.badge("expired", color_scheme="amber"))


def _row(label: str, value: rx.Component | rx.Var) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value))


def _job_row(job: rx.Var[JobRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.vstack(
            rx.hstack(rx.code(job.name), rx.badge(job.interval, variant="outline", color_scheme="gray"),
                      align="center", wrap="wrap"),
            rx.text(job.description, size="1", color_scheme="gray"),
            spacing="1", min_width="14rem",
        )),
        cell(status_badge("job", job.status), "status"),
        cell(job.last_run, "last_run"),
        cell(job.duration_ms, "duration_ms", text_align="right"),
        cell(job.processed, "processed", text_align="right"),
        cell(job.runs, "runs", text_align="right"),
        cell(job.failures, "failures", text_align="right"),
        cell(rx.text(job.last_error, size="1", color_scheme="red"), "last_error", max_width="20rem"),
        align="center",
    )


def _job_card(job: rx.Var[JobRow]) -> rx.Component:
    """The same heartbeat as a card, for phones."""
    return record_card(
        rx.vstack(rx.hstack(rx.code(job.name), rx.spacer(), status_badge("job", job.status), width="100%",
                            align="center"),
                  rx.text(job.description, size="1", color_scheme="gray"), spacing="1", width="100%"),
        ("Interval", job.interval),
        ("Last run", job.last_run),
        ("Duration", job.duration_ms + " ms"),
        ("Processed", job.processed),
        ("Runs / failures", job.runs + " / " + job.failures),
        ("Last error", rx.text(rx.cond(job.last_error != "", job.last_error, "—"), color_scheme="red")),
    )


@dashboard_page(routes.ADMIN_LEDGER, "Ledger", role="admin", on_load=LedgerState.load)
def ledger() -> rx.Component:
    """The ledger's invariants, proved from the database."""
    return rx.vstack(
        page_header("Ledger health", "Σ balances = 0, every balance = Σ its entries, escrow = Σ pending holds.",
                    rx.cond(LedgerState.ok, rx.badge("ok", color_scheme="green", size="3"),
                            rx.badge("broken", color_scheme="red", size="3")),
                    rx.button(rx.icon("refresh-cw", size=16), "Check again", on_click=LedgerState.load,
                              variant="soft")),
        rx.callout(
            rx.cond(LedgerState.ok, "Every invariant holds.", "The ledger is out of balance; see the problems below."),
            icon=rx.cond(LedgerState.ok, "circle-check", "triangle-alert"),
            color_scheme=rx.cond(LedgerState.ok, "green", "red"), width="100%", id="ledger-status",
        ),
        rx.grid(
            stat("Σ balances", LedgerState.total, rx.cond(LedgerState.ok, "balanced", "must be zero")),
            stat("Accounts", LedgerState.accounts), stat("Transfers", LedgerState.transfers),
            stat("Entries", LedgerState.entries),
            columns={"initial": "2", "md": "4"}, spacing="4", width="100%",
        ),
        rx.cond(LedgerState.problems.length() > 0, problems_table()),
        rx.text("Checked at ", LedgerState.checked_at, size="1", color_scheme="gray"),
        spacing="5", width="100%",
    )


def problems_table() -> rx.Component:
    """Every broken invariant, one row each."""
    return rx.card(
        rx.table.root(
            rx.table.header(rx.table.row(rx.table.column_header_cell("Check"),
                                         rx.table.column_header_cell("Detail"))),
            rx.table.body(rx.foreach(LedgerState.problems, lambda problem: rx.table.row(
                rx.table.cell(rx.badge(problem["check"], color_scheme="red")),
                rx.table.cell(rx.code(problem["detail"])),
            ))),
            variant="ghost", width="100%",
        ),
        width="100%", overflow_x="auto",
    )
