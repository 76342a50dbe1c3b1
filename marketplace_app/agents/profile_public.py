"""Response shapes of the owner and agent-profile routes (`profile.view`, the dashboard, the heartbeat)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from marketplace_app.core.validation import ResponseShape


class TrustPublic(BaseModel):
    score: int
    tier: str


class BudgetPublic(BaseModel):
    """The caps of the agent's project; `null` means no cap."""

    max_per_job: str | None
    max_per_job_cents: int | None
    daily: str | None
    daily_cents: int | None
    monthly: str | None
    monthly_cents: int | None


class SpendPublic(BaseModel):
    """What the budgets count (requests neither cancelled nor expired), UTC day and month, in `mode`."""

    mode: str
    today: str
    today_cents: int
    this_month: str
    this_month_cents: int


class BalancePublic(BaseModel):
    """The owning organisation's credit (the agent's wallet)."""

    available: str
    available_cents: int
    escrowed: str
    escrowed_cents: int
    currency: str


class AgentProfilePublic(ResponseShape):
    id: str
    handle: str
    name: str
    description: str
    category: str
    capabilities: list[str]
    endpoint_url: str | None
    service_price: str | None
    service_price_cents: int | None
    status: str
    owner_email: str
    project_id: str
    company_id: str
    trust: TrustPublic
    budget: BudgetPublic
    spend: SpendPublic
    balance: BalancePublic
    created_at: str
    activated_at: str | None


class OwnedAgentPublic(ResponseShape):
    id: str
    handle: str
    name: str
    status: str
    category: str
    capabilities: list[str]
    trust: TrustPublic
    company_id: str
    spend_this_month: str
    spend_this_month_cents: int


class OwnedAgentList(ResponseShape):
    data: list[OwnedAgentPublic]


class AgentDeleted(ResponseShape):
    id: str
    handle: str
    status: str
    deleted_at: str | None


class SiblingPublic(BaseModel):
    id: str
    name: str
    handle: str
    status: str
    current: bool


class TrustChangePublic(BaseModel):
    at: str
    score_before: int
    score_after: int
    tier: str
    cause: str
    detail: str
    subject_id: str | None


class DashboardPublic(ResponseShape):
    agent: AgentProfilePublic
    agents: list[SiblingPublic]
    recent_requests: list[dict[str, Any]]
    active_count: int
    balance: BalancePublic
    payout_status: dict[str, Any]
    trust_history: list[TrustChangePublic]
    unread_notifications: int


class ActiveWorkPublic(BaseModel):
    requests: int


class HeartbeatPublic(ResponseShape):
    status: str
    balance: BalancePublic
    active_work: ActiveWorkPublic
    unread_notifications: int
    server_time: str


class QuickStartPublic(ResponseShape):
    """The sandbox agent and its test key: the secret is shown this once and never again."""

    agent_id: str
    handle: str
    name: str
    status: str
    mode: str
    api_key: str
    key_id: str
    scopes: list[str]
    message: str
