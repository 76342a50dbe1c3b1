"""Projects: list, create and edit (name, information policy, skills, redaction, budgets, rate limit).

Each row also counts the project's webhook endpoints and links to the webhooks page."""

from __future__ import annotations

from collections import Counter
from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.catalogue import service as catalogue
from marketplace_app.companies import service as companies
from marketplace_app.companies.access import CompanyActor
from marketplace_app.companies.models import Project
from marketplace_app.core.errors import HandoffError
from marketplace_app.core.money import format_money
from marketplace_app.settings import get_settings
from marketplace_app.ui import routes
from marketplace_app.ui.state.base import role_page
from marketplace_app.ui.state.company import CompanyState
from marketplace_app.ui.state.display import NEVER, money, rate, when
from marketplace_app.webhooks import service as webhooks

PROJECTS_SHOWN = 50
BUDGET_FIELDS = ("max_per_request", "daily", "monthly")
DEFAULT_RATE_LIMIT = 1000
SKILL_PREFIX = "skill:"
EMPTY_FORM = {"name": "", "information_policy": "redacted", "redaction_terms": "", "budget_max_per_request": "",
              "budget_daily": "", "budget_monthly": "", "rate_limit_per_hour": str(DEFAULT_RATE_LIMIT)}


def project_row(project: Project, titles: dict[str, str], endpoints: int = 0) -> dict[str, str]:
    """One project as the list shows it, with how many webhook endpoints it has."""
    caps = (project.max_per_request_cents, project.daily_budget_cents, project.monthly_budget_cents)
    skills = ", ".join(titles.get(name, name) for name in project.allowed_skills)
    return {
        "id": project.id, "name": project.name, "policy": project.information_policy,
        "skills": skills or "All skills", "redaction": ", ".join(project.redaction_terms) or NEVER,
        "max_per_request": _cap(caps[0]), "daily": _cap(caps[1]), "monthly": _cap(caps[2]),
        "rate_limit": rate(project.rate_limit_per_hour),
        "webhooks": _endpoint_count(endpoints),
        "webhooks_href": routes.company_webhooks(project.id), "created": when(project.created_at),
    }


def _endpoint_count(count: int) -> str:
    if not count:
        return "None yet"
    return "1 endpoint" if count == 1 else f"{count} endpoints"


def _cap(cents: int | None) -> str:
    return money(cents) if cents is not None else "no cap"


def project_form(project: Project) -> dict[str, str]:
    """A project's current values as the edit form's defaults (amounts as "50.00")."""
    currency = get_settings().currency
    amounts = {field: "" if cents is None else format_money(cents, currency)[:-len(currency)] for field, cents in (
        ("max_per_request", project.max_per_request_cents), ("daily", project.daily_budget_cents),
        ("monthly", project.monthly_budget_cents))}
    return {"name": project.name, "information_policy": project.information_policy,
            "redaction_terms": "\n".join(project.redaction_terms),
            **{f"budget_{field}": amounts[field] for field in BUDGET_FIELDS},
            "rate_limit_per_hour": str(project.rate_limit_per_hour)}


def project_fields(form: dict[str, Any]) -> dict[str, Any]:
    """The submitted form as the service's project fields; the service checks every value."""
    def text(name: str) -> str:
        return str(form.get(name, "")).strip()

    return {
        "name": text("name"), "information_policy": text("information_policy") or "redacted",
        "allowed_skills": [key.removeprefix(SKILL_PREFIX) for key, value in form.items()
                           if key.startswith(SKILL_PREFIX) and value not in ("", False, None)],
        "redaction_terms": [line.strip() for line in text("redaction_terms").splitlines() if line.strip()],
        "budget": {field: text(f"budget_{field}") or None for field in BUDGET_FIELDS},
        "rate_limit_per_hour": _whole_number(text("rate_limit_per_hour"), default=DEFAULT_RATE_LIMIT),
    }


def _whole_number(value: str, *, default: int) -> int | str:
    """Digits become an int; anything else goes to the service as typed, which words the refusal."""
    if not value:
        return default
    return int(value) if value.isascii() and value.isdigit() else value


def projects_snapshot(session: Session, actor: CompanyActor) -> dict[str, Any]:
    """The newest projects and the skill catalogue."""
    skills = catalogue.active_skills(session)
    titles = {skill.name: skill.title for skill in skills}
    page = companies.list_projects(session, actor=actor, limit=PROJECTS_SHOWN)
    endpoints = Counter(endpoint.project_id for endpoint in webhooks.list_endpoints(session, actor=actor))
    return {"projects": [project_row(project, titles, endpoints[project.id]) for project in page.items],
            "has_more": page.has_more,
            "skills": [{"name": skill.name, "title": skill.title, "description": skill.description}
                       for skill in skills]}


def edit_form(session: Session, actor: CompanyActor, *, project_id: str) -> dict[str, Any]:
    """The edit form's defaults for one of the company's projects."""
    project = companies.get_project(session, actor=actor, project_id=project_id)
    return {"form": project_form(project), "skills": list(project.allowed_skills)}


def save_project(session: Session, actor: CompanyActor, *, project_id: str, fields: dict[str, Any]) -> str:
    """Create (no `project_id`) or update a project; returns its name."""
    if project_id:
        return companies.update_project(session, actor=actor, project_id=project_id, changes=fields).name
    return companies.add_project(session, actor=actor, fields=fields).name


class ProjectsState(CompanyState):
    """The projects page and its create/edit dialog."""

    projects: list[dict[str, str]] = []
    has_more: bool = False
    skills: list[dict[str, str]] = []
    currency: str = ""
    loaded: bool = False
    dialog_open: bool = False
    editing: bool = False
    form: dict[str, str] = EMPTY_FORM
    form_skills: list[str] = []
    form_error: str = ""
    saving: bool = False
    _editing_id: str = ""

    @rx.event
    @role_page("company")
    async def load(self):
        """Guard the page for company members, then read the projects."""
        self.currency = get_settings().currency
        await self._refresh()
        return None

    async def _refresh(self) -> None:
        snapshot = await self._as_member(projects_snapshot)
        self.projects, self.has_more, self.skills = snapshot["projects"], snapshot["has_more"], snapshot["skills"]
        self.loaded = True

    @rx.event
    def open_new(self):
        """Open the dialog with an empty form."""
        self._editing_id, self.editing, self.form, self.form_skills = "", False, dict(EMPTY_FORM), []
        self.form_error, self.dialog_open = "", True

    @rx.event
    async def open_edit(self, project_id: str):
        """Open the dialog with one project's current settings."""
        found = await self._as_member(edit_form, project_id=project_id)
        self._editing_id, self.editing, self.form, self.form_skills = project_id, True, found["form"], found["skills"]
        self.form_error, self.dialog_open = "", True
        return None

    @rx.event
    def set_dialog_open(self, is_open: bool):
        """Close the dialog from its own controls (Escape, the overlay, Cancel)."""
        self.dialog_open = is_open

    @rx.event
    async def save(self, form: dict[str, Any]):
        """Create or update the project; a refusal stays in the dialog in the service's words."""
        self.form_error, self.saving = "", True
        yield
        try:
            name = await self._as_member(save_project, project_id=self._editing_id, fields=project_fields(form))
        except HandoffError as exc:
            self.form_error, self.saving = exc.message, False
            return
        self.saving, self.dialog_open = False, False
        await self._refresh()
        yield rx.toast.success(f"Project “{name}” saved", close_button=True)
