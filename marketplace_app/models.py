"""Imports every table so `SQLModel.metadata` is complete (Alembic and tests use this)."""

from marketplace_app.agents.models import Agent, KeyRecoveryRequest, TrustChange
from marketplace_app.audit.models import AuditEntry
from marketplace_app.catalogue.models import Skill
from marketplace_app.companies.models import ApiKey, Company, CompanyMember, Project
from marketplace_app.disputes.models import Dispute, DisputeJuror, DisputeStep
from marketplace_app.earnings.models import Earning, Payout
from marketplace_app.events.models import Event
from marketplace_app.idempotency.models import IdempotencyRecord
from marketplace_app.identity.models import AuthSession, LoginThrottle, LoginTicket, User
from marketplace_app.kyc.models import KycSubmission
from marketplace_app.ledger.models import LedgerAccount, LedgerEntry, LedgerHold, LedgerTransfer
from marketplace_app.mail.models import EmailMessage, LinkToken
from marketplace_app.operators.models import OperatorProfile
from marketplace_app.ratelimit.models import RateLimitCounter
from marketplace_app.requests.models import BudgetUsage, CompanySpend, Request, RequestEvent
from marketplace_app.scheduler.models import SchedulerJob, SchedulerLease
from marketplace_app.uploads.models import FileAccess, Upload
from marketplace_app.waitlist.models import WaitlistEntry
from marketplace_app.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from marketplace_app.work.models import ContextView, WorkAssignment

__all__ = [
    "Agent",
    "ApiKey",
    "AuditEntry",
    "AuthSession",
    "BudgetUsage",
    "Company",
    "CompanyMember",
    "CompanySpend",
    "ContextView",
    "Dispute",
    "DisputeJuror",
    "DisputeStep",
    "Earning",
    "EmailMessage",
    "Event",
    "FileAccess",
    "IdempotencyRecord",
    "KeyRecoveryRequest",
    "KycSubmission",
    "LedgerAccount",
    "LedgerEntry",
    "LedgerHold",
    "LedgerTransfer",
    "LinkToken",
    "LoginThrottle",
    "LoginTicket",
    "OperatorProfile",
    "Payout",
    "Project",
    "RateLimitCounter",
    "Request",
    "RequestEvent",
    "SchedulerJob",
    "SchedulerLease",
    "Skill",
    "TrustChange",
    "Upload",
    "User",
    "WaitlistEntry",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WorkAssignment",
]
