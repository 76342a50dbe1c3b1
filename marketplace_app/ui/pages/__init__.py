"""Every page of the dashboards; importing this package registers them with Reflex."""

from marketplace_app.ui.pages import (
    admin,
    admin_audit,
    admin_credits,
    admin_disputes,
    admin_emails,
    admin_queues,
    admin_webhooks,
    auth,
    company,
    company_credits,
    company_disputes,
    company_keys,
    company_projects,
    company_requests,
    company_review,
    company_webhooks,
    homes,
    inbox,
    not_found,
    operator,
    operator_disputes,
    operator_earnings,
    operator_jury,
    operator_work,
)

__all__ = ["admin", "admin_audit", "admin_credits",
           "admin_disputes", "admin_emails", "admin_queues", "admin_webhooks", "auth", "company", "company_credits",
           "company_disputes", "company_keys", "company_projects", "company_requests", "company_review",
           "company_webhooks", "homes", "inbox", "not_found", "operator", "operator_disputes", "operator_earnings",
           "operator_jury", "operator_work"]
