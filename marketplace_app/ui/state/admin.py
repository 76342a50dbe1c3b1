"""Staff pages: the overview's numbers, the scheduler heartbeat and the ledger health check, as plain
serialisable rows."""

from __future__ import annotations

import dataclasses

import reflex as rx
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.disputes import queries as disputes
from marketplace_app.disputes.models import DisputeStatus
from marketplace_app.earnings import queries as earnings
from marketplace_app.kyc import queries as kyc
from marketplace_app.ledger.health import ledger_health
from marketplace_app.requests import queries as requests
from marketplace_app.scheduler import queries as scheduler
from marketplace_app.scheduler.queries import JobHeartbeat, Leadership
from marketplace_app.ui.state.admin_webhooks import RECENT_DAYS
from marketplace_app.ui.state.base import AppState, role_page
from marketplace_app.ui.state.display import aware, every, money, when
from marketplace_app.webhooks import queries as webhooks


@dataclasses.dataclass
class JobRow:
    """One scheduled job's heartbeat, as the scheduler page shows it."""

    name: str = ""
    description: str = ""
    interval: str = ""
    status: str = ""
    last_run: str = ""
    duration_ms: str = ""
    processed: str = ""
    runs: str = ""
    failures: str = ""
    last_error: str = ""
    holder: str = ""


@dataclasses.dataclass
class LeaseRow:
    """Who holds the scheduler's leadership lease, and whether it is still live."""

    holder: str = ""
    renewed_at: str = ""
    expires_at: str = ""
    active: bool = False

# The overview counts webhook deliveries that failed for good over the same days as the webhooks page.
WEBHOOK_DAYS = RECENT_DAYS
STAFF_DISPUTE_QUEUES = (DisputeStatus.specialist_review, DisputeStatus.board_review)


def overview_snapshot(session: Session) -> dict:
    """The staff overview at a glance: queue sizes, today's live volume (since 00:00 UTC), ledger
    health (the same check as `GET /v1/admin/ledger/health`) and the scheduler's leader and jobs."""
    payouts = earnings.waiting_payouts(session)
    open_disputes = disputes.open_count(session)
    failed, disabled = webhooks.failing_counts(session, days=WEBHOOK_DAYS)
    volume = requests.live_volume_since(session, now().replace(hour=0, minute=0, second=0, microsecond=0))
    lease = _lease_row(scheduler.leadership(session))
    return {
        "kyc": str(kyc.pending_count(session)),
        "payouts": str(payouts.count), "payouts_amount": money(payouts.amount_cents),
        "disputes": str(sum(open_disputes.get(status, 0) for status in STAFF_DISPUTE_QUEUES)),
        "disputes_open": str(sum(open_disputes.values())),
        "webhooks_failed": str(failed), "webhooks_disabled": str(disabled),
        "created": str(volume.created), "completed": str(volume.completed),
        "escrowed": money(volume.escrowed_cents),
        "ledger_ok": ledger_health(session).ok,
        "leader": lease.holder, "leader_active": lease.active,
        "jobs": [{"name": job.name, "status": job.last_status or "never", "last_run": when(job.last_finished_at)}
                 for job in scheduler.heartbeats(session)],
    }


def scheduler_snapshot(session: Session) -> dict:
    """Every job's heartbeat and the leadership lease, worded for the page."""
    jobs = scheduler.heartbeats(session)
    return {"jobs": [_job_row(job) for job in jobs], "lease": _lease_row(scheduler.leadership(session))}


def _job_row(job: JobHeartbeat) -> JobRow:
    return JobRow(
        name=job.name, description=job.description, interval=every(job.interval_seconds),
        status=job.last_status or "never", last_run=when(job.last_finished_at, seconds=True),
        duration_ms=str(job.last_duration_ms), processed=str(job.last_processed), runs=str(job.runs),
        failures=str(job.failures), last_error=job.last_error or "", holder=job.holder or "",
    )


def _lease_row(lease: Leadership | None) -> LeaseRow:
    if lease is None or not lease.holder:
        return LeaseRow()
    return LeaseRow(holder=lease.holder, renewed_at=when(lease.renewed_at, seconds=True),
                    expires_at=when(lease.expires_at, seconds=True), active=aware(lease.expires_at) > now())


def ledger_snapshot(session: Session) -> dict:
    """The ledger health check, rendered as strings for the page."""
    health = ledger_health(session)
    problems = (
        [{"check": "Stored balance ≠ Σ entries", "detail": f"account {a}: stored {s}, entries {c}"}
         for a, s, c in health.balance_mismatches]
        + [{"check": "Negative balance", "detail": f"account {a}: {b}"} for a, b in health.negative_accounts]
        + [{"check": "Transfer without entries", "detail": f"transfer {t}"} for t in health.empty_transfers]
        + [{"check": "Escrow ≠ Σ pending holds", "detail": f"account {a}: balance {b}, held {h}"}
           for a, b, h in health.escrow_mismatches]
    )
    return {"ok": health.ok, "total": money(health.total_cents),
            "accounts": str(health.account_count), "transfers": str(health.transfer_count),
            "entries": str(health.entry_count), "problems": problems}


class SchedulerState(AppState):
    """The scheduler heartbeat for staff."""

    jobs: list[JobRow] = []
    lease: LeaseRow = LeaseRow()
    checked_at: str = ""

    @rx.event
    @role_page("admin")
    async def load(self):
        """Guard the page for admins, then read the heartbeat rows."""
        snapshot = await self._call(scheduler_snapshot)
        self.jobs, self.lease, self.checked_at = snapshot["jobs"], snapshot["lease"], when(now(), seconds=True)
        return None


class LedgerState(AppState):
    """The ledger health check for staff."""

    ok: bool = False
    total: str = ""
    accounts: str = ""
    transfers: str = ""
    entries: str = ""
    problems: list[dict[str, str]] = []
    checked_at: str = ""

    @rx.event
    @role_page("admin")
    async def load(self):
        """Guard the page for admins, then run the health check."""
        snapshot = await self._call(ledger_snapshot)
        self.ok, self.total, self.problems = snapshot["ok"], snapshot["total"], snapshot["problems"]
        self.accounts, self.transfers, self.entries = snapshot["accounts"], snapshot["transfers"], snapshot["entries"]
        self.checked_at = when(now(), seconds=True)
        return None


class OverviewState(AppState):
    """The staff overview's numbers."""

    overview: dict[str, str] = {}
    jobs: list[dict[str, str]] = []
    ledger_ok: bool = False
    leader_active: bool = False
    loaded: bool = False
    checked_at: str = ""

    @rx.event
    @role_page("admin")
    async def load(self):
        """Read every number (the guard lets admins only)."""
        snapshot = await self._call(overview_snapshot)
        self.jobs = snapshot.pop("jobs")
        self.ledger_ok = snapshot.pop("ledger_ok")
        self.leader_active = snapshot.pop("leader_active")
        self.overview = snapshot
        self.checked_at = when(now(), seconds=True)
        self.loaded = True
        return None
