"""The registry of scheduled jobs. Each job is a function of a session that handles
whatever is due now and returns how many rows it processed; it must be safe to
run twice (due-time columns and conditional updates, never in-memory timers).
A job that talks to the network between its transactions (webhook delivery) is
`transactional=False`: it is called without a session and opens its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from marketplace_app.agents import trust
from marketplace_app.core import wording
from marketplace_app.disputes import service as disputes
from marketplace_app.earnings import payouts
from marketplace_app.earnings import service as earnings
from marketplace_app.idempotency import service as idempotency
from marketplace_app.identity import service as identity
from marketplace_app.ledger.health import ledger_health
from marketplace_app.mail import sender as mail_sender
from marketplace_app.ratelimit import service as ratelimit
from marketplace_app.requests import expiry, simulator
from marketplace_app.settings import get_settings
from marketplace_app.webhooks import delivery as webhook_delivery
from marketplace_app.work import review, timers


@dataclass(frozen=True, slots=True)
class Job:
    """A periodic job: `run(session)` processes what is due and returns a count."""

    name: str
    description: str
    interval_seconds: int
    run: Callable[[Session], int] | Callable[[], int]
    batch_size: int | Callable[[], int] | None = None  # a callable reads a setting at run time
    transactional: bool = True


def _check_ledger(session: Session) -> int:
    health = ledger_health(session)
    if not health.ok:
        raise RuntimeError(f"ledger invariants broken: {health}")
    return health.transfer_count


def _retry_schedule() -> str:
    """The webhook retry delays as staff read them: each "+<delay>" through `wording.delay`."""
    return ", ".join(f"+{wording.delay(seconds)}" for seconds in get_settings().webhook_retry_seconds)


JOBS: list[Job] = [
    Job("expire_unmatched_requests", "Expire requests nobody accepted in their window; refund escrow", 5,
        expiry.expire_unmatched, batch_size=expiry.batch_size),
    Job("enforce_work_window", "Requeue (once) or expire accepted requests not submitted in time", 15,
        timers.enforce_work_window, batch_size=timers.batch_size),
    Job("auto_approve_reviews", "Approve results left in needs_review past the review window", 60,
        review.auto_approve_due, batch_size=review.BATCH_SIZE),
    Job("release_settlements", "Move rewards from pending to available after the settlement hold", 60,
        earnings.release_due, batch_size=earnings.batch_size),
    Job("deliver_webhooks", f"Send due webhook deliveries (now, {_retry_schedule()}), log each attempt", 2,
        webhook_delivery.deliver_due, batch_size=webhook_delivery.BATCH_SIZE, transactional=False),
    Job("dispute_deadlines", "Finalize unappealed rulings; replace or escalate late juries, specialists, boards", 60,
        disputes.sweep_due, batch_size=disputes.BATCH_SIZE),
    Job("send_payouts", "Hand requested payouts to the payment provider after commit", 5,
        payouts.send_pending, batch_size=payouts.SEND_BATCH, transactional=False),
    Job("simulate_test_mode", "Advance pk_test_ requests with the simulated operator", 1, simulator.simulate),
    Job("purge_rate_limit_windows", "Delete rate-limit counters of past windows", 600, ratelimit.purge_old_windows),
    Job("purge_idempotency_records",
        f"Delete Idempotency-Key records past their {wording.hours(idempotency.DEFAULT_TTL_HOURS)}", 3600,
        idempotency.purge_expired),
    Job("purge_expired_logins", "Delete expired sessions, sign-in tickets and forgotten failed sign-ins", 300,
        identity.purge_expired),
    Job("refresh_agent_trust", "Recompute agents' trust scores when their account age earns a point", 3600,
        trust.refresh_due, batch_size=trust.BATCH_SIZE),
    Job("send_mail", "Send queued e-mail by SMTP (production) or keep it for /inbox (elsewhere); retry refusals", 2,
        mail_sender.send_due, batch_size=mail_sender.BATCH_SIZE, transactional=False),
    Job("ledger_health", "Prove the ledger's invariants (Σ = 0, balances = entries)", 300, _check_ledger),
]


def register(job: Job) -> Job:
    """Add a job to the registry (domain packages call this at import time)."""
    if any(existing.name == job.name for existing in JOBS):
        raise ValueError(f"job {job.name} is already registered")
    JOBS.append(job)
    return job
