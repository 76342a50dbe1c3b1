"""Imports every table so `SQLModel.metadata` is complete (Alembic and tests use this)."""

from marketplace_app.companies.models import ApiKey, Company, CompanyMember, Project
from marketplace_app.identity.models import AuthSession, LoginTicket, User
from marketplace_app.ledger.models import LedgerAccount, LedgerEntry, LedgerHold, LedgerTransfer
from marketplace_app.operators.models import OperatorProfile
from marketplace_app.scheduler.models import SchedulerJob, SchedulerLease

__all__ = [
    "ApiKey", "AuthSession", "Company", "CompanyMember", "LedgerAccount", "LedgerEntry", "LedgerHold",
    "LedgerTransfer", "LoginTicket", "OperatorProfile", "Project", "SchedulerJob", "SchedulerLease", "User",
]
