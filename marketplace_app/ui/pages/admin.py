"""Staff pages: the overview's numbers at a glance, the scheduler heartbeat and the ledger health check."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, page_header, stat, welcome_header
from marketplace_app.ui.components.data import cell, empty_state, record_card, responsive_table
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import status_badge
from marketplace_app.ui.state.admin import WEBHOOK_DAYS, JobRow, LedgerState, OverviewState, SchedulerState


@dashboard_page(routes.ADMIN_HOME, "Overview", role="admin", on_load=OverviewState.load)
def admin_home() -> rx.Component:
    """The staff console's home: what waits for staff, today's volume, and whether the machinery is sound."""
    return rx.vstack(
        welcome_header(),
        rx.cond(OverviewState.loaded, overview_numbers(), loading()),
        spacing="6", width="100%",
    )


def overview_numbers() -> rx.Component:
    """Queues, today's volume, ledger health and the scheduler, each linking to its page."""
    numbers = OverviewState.overview
    return rx.vstack(
        rx.hstack(rx.heading("Waiting for staff", size="4"), rx.spacer(),
                  rx.button(rx.icon("refresh-cw", size=16), "Refresh", on_click=OverviewState.load, variant="soft"),
                  align="center", width="100%"),
        rx.grid(
            _number(routes.ADMIN_KYC, "KYC to review", numbers["kyc"], "overview-kyc", "identity checks waiting"),
            _number(routes.ADMIN_PAYOUTS, "Payouts to send", numbers["payouts"], "overview-payouts",
                    numbers["payouts_amount"], " in all"),
            _number(routes.ADMIN_DISPUTES, "Disputes to rule", numbers["disputes"], "overview-disputes",
                    "specialist and board · ", numbers["disputes_open"], " open in all"),
            _number(routes.ADMIN_WEBHOOKS, "Webhooks failing", numbers["webhooks_failed"], "overview-webhooks",
                    f"deliveries failed in {WEBHOOK_DAYS} days · ", numbers["webhooks_disabled"],
                    " endpoints disabled"),
            columns={"initial": "1", "sm": "2", "lg": "4"}, spacing="3", width="100%",
        ),
        rx.heading("Today (live, since 00:00 UTC)", size="4"),
        rx.grid(
            stat("Requests created", rx.text(numbers["created"], id="overview-created")),
            stat("Requests completed", rx.text(numbers["completed"], id="overview-completed")),
            stat("Escrowed", rx.text(numbers["escrowed"], id="overview-escrowed"), "max price of today's requests"),
            columns={"initial": "1", "sm": "3"}, spacing="3", width="100%",
        ),
        rx.heading("Machinery", size="4"),
        rx.grid(ledger_glance(), scheduler_glance(), columns={"initial": "1", "md": "2"}, spacing="3",
                width="100%"),
        rx.text("Checked at ", OverviewState.checked_at, size="1", color_scheme="gray"),
        spacing="4", width="100%",
    )


def _number(href: str, label: str, value: rx.Var, number_id: str, *hint: rx.Var | str) -> rx.Component:
    # The hint's parts go into one paragraph (a paragraph holding another is invalid HTML).
    return rx.link(
        rx.card(
            rx.vstack(rx.text(label, size="2", color_scheme="gray", weight="medium"),
                      rx.heading(value, size="7", id=number_id),
                      rx.text(*hint, size="1", color_scheme="gray"), spacing="1"),
            width="100%", height="100%", _hover={"border_color": rx.color("accent", 8)},
        ),
        href=href, underline="none", color="inherit", width="100%",
    )


def ledger_glance() -> rx.Component:
    """Whether every ledger invariant holds (the same check as the ledger page and the API)."""
    return rx.link(
        rx.card(
            rx.hstack(rx.icon("book-open-check", size=22, color=rx.color("accent", 11)),
                      rx.vstack(rx.text("Ledger health", weight="bold", size="3"),
                                rx.text(rx.cond(OverviewState.ledger_ok, "Every invariant holds.",
                                                "Out of balance: open the check."), size="2"),
                                spacing="1"),
                      rx.spacer(),
                      rx.cond(OverviewState.ledger_ok, rx.badge("ok", color_scheme="green", size="2"),
                              rx.badge("broken", color_scheme="red", size="2")),
                      align="center", spacing="3", width="100%"),
            width="100%", height="100%", id="overview-ledger",
        ),
        href=routes.ADMIN_LEDGER, underline="none", color="inherit", width="100%",
    )


def scheduler_glance() -> rx.Component:
    """Who leads the scheduler, and each job's last run."""
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(rx.icon("timer", size=22, color=rx.color("accent", 11)),
                          rx.text("Scheduler", weight="bold", size="3"), rx.spacer(),
                          rx.cond(OverviewState.overview["leader"] != "",
                                  rx.cond(OverviewState.leader_active, rx.badge("leading", color_scheme="green"),
                                          rx.badge("lease expired", color_scheme="amber")),
                                  rx.badge("no leader", color_scheme="gray")),
                          align="center", width="100%"),
                rx.text("Leader: ", rx.code(rx.cond(OverviewState.overview["leader"] != "",
                                                    OverviewState.overview["leader"], "none")),
                        size="2", id="overview-leader"),
                rx.vstack(rx.foreach(OverviewState.jobs, lambda job: rx.hstack(
                    rx.code(job["name"], size="1"), rx.spacer(), rx.text(job["last_run"], size="1",
                                                                         color_scheme="gray"),
                    status_badge("job", job["status"]), align="center", width="100%", wrap="wrap")),
                    spacing="1", width="100%", id="overview-jobs"),
                spacing="2", width="100%",
            ),
            width="100%", height="100%",
        ),
        href=routes.ADMIN_SCHEDULER, underline="none", color="inherit", width="100%",
    )


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
