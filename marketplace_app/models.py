"""Imports every table so `SQLModel.metadata` is complete (Alembic and tests use this)."""

from marketplace_app.catalogue.models import Skill
from marketplace_app.companies.models import ApiKey, Company, CompanyMember, Project
from marketplace_app.events.models import Event
from marketplace_app.idempotency.models import IdempotencyRecord
from marketplace_app.identity.models import AuthSession, LoginTicket, User
from marketplace_app.ledger.models import LedgerAccount, LedgerEntry, LedgerHold, LedgerTransfer
from marketplace_app.operators.models import OperatorProfile
from marketplace_app.ratelimit.models import RateLimitCounter
from marketplace_app.requests.models import Request, RequestEvent
from marketplace_app.scheduler.models import SchedulerJob, SchedulerLease
from marketplace_app.waitlist.models import WaitlistEntry

__all__ = [
    "ApiKey", "AuthSession", "Company", "CompanyMember", "Event", "IdempotencyRecord", "LedgerAccount",
    "LedgerEntry", "LedgerHold", "LedgerTransfer", "LoginTicket", "OperatorProfile", "Project",
    "RateLimitCounter", "Request", "RequestEvent", "SchedulerJob", "SchedulerLease", "Skill", "User",
    "WaitlistEntry",
]
