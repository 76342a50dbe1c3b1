"""Every page of the dashboards; importing this package registers them with Reflex."""

from marketplace_app.ui.pages import (
    activate,
    admin,
    admin_audit,
    admin_credits,
    admin_disputes,
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
    not_found,
    operator,
    operator_disputes,
    operator_earnings,
    operator_jury,
    operator_work,
    owner,
    owner_agent,
)

__all__ = ["activate", "admin", "admin_audit", "admin_credits",
           "admin_disputes", "admin_queues", "admin_webhooks", "auth", "company", "company_credits",
           "company_disputes", "company_keys", "company_projects", "company_requests", "company_review",
           "company_webhooks", "not_found", "operator", "operator_disputes", "operator_earnings",
           "operator_jury", "operator_work", "owner", "owner_agent"]
