"""Requests: the filtered, paginated list of the company's requests."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.catalogue import service as catalogue
from marketplace_app.companies import reports
from marketplace_app.companies.access import CompanyActor
from marketplace_app.core.errors import NotFound
from marketplace_app.requests import service as requests
from marketplace_app.requests.models import RequestStatus
from marketplace_app.ui.state.base import role_page
from marketplace_app.ui.state.company import CompanyState, Pages, request_row, scope
from marketplace_app.ui.state.live import LiveUpdates, Matcher

REQUESTS_PER_PAGE = 20
ALL = "all"
OPEN = "open"
STATUS_FILTERS = (ALL, OPEN, *RequestStatus)


def request_page(session: Session, actor: CompanyActor, *, mode: str, status: str, skill: str, project_id: str,
                 starting_after: str | None) -> dict[str, Any]:
    """One page of the company's `mode` requests (newest first) and the filter choices.

    Raises:
        NotFound: The project filter names another company's project.
    """
    projects = reports.project_names(session, company_id=actor.company_id)
    if project_id and project_id not in projects:
        raise NotFound(f"Project {project_id} not found")
    if status == OPEN:
        page = reports.open_requests(session, company_id=actor.company_id, mode=mode, project_id=project_id or None,
                                     skill=skill or None, limit=REQUESTS_PER_PAGE, starting_after=starting_after)
    else:
        page = requests.list_requests(session, ctx=scope(actor, mode, project_id or None), status=status or None,
                                      skill=skill or None, limit=REQUESTS_PER_PAGE, starting_after=starting_after)
    return {"rows": [request_row(row, projects) for row in page.rows], "has_more": page.has_more,
            "last_id": page.rows[-1]["id"] if page.rows else "",
            "projects": [{"id": project_id, "name": name} for project_id, name in projects.items()],
            "skills": [{"name": skill.name, "title": skill.title} for skill in catalogue.active_skills(session)]}


def _choice(value: str) -> str:
    return "" if value == ALL else value


class RequestsState(LiveUpdates, Pages, CompanyState):
    """The requests list with its status, skill and project filters, kept live."""

    rows: list[dict[str, str]] = []
    loaded: bool = False
    status_filter: str = ALL
    skill_filter: str = ALL
    project_filter: str = ALL
    skills: list[dict[str, str]] = []
    projects: list[dict[str, str]] = []

    @rx.event
    @role_page("company")
    async def load(self):
        """Guard the page, take a status filter from the link (`?status=open`), read the first page."""
        status = self.router.url.query_parameters.get("status", ALL)
        self.status_filter = status if status in STATUS_FILTERS else ALL
        self.skill_filter = self.project_filter = ALL
        self._first_page()
        return [event for event in (await self._fetch(), self._follow()) if event is not None]

    async def _live_matcher(self) -> Matcher | None:
        return await self._company_events()

    async def _live_refresh(self):
        return await self._fetch()

    async def _fetch(self):
        snapshot = await self._as_member(
            request_page, mode=self._mode(), status=_choice(self.status_filter), skill=_choice(self.skill_filter),
            project_id=_choice(self.project_filter), starting_after=self._cursor())
        self.rows, self.has_more, self._last_id = snapshot["rows"], snapshot["has_more"], snapshot["last_id"]
        self.projects, self.skills, self.loaded = snapshot["projects"], snapshot["skills"], True
        return None

    @rx.event
    async def set_status_filter(self, status: str):
        """Show only requests in one status (or all, or the open ones)."""
        self.status_filter = status if status in STATUS_FILTERS else ALL
        self._first_page()
        return await self._fetch()

    @rx.event
    async def set_skill_filter(self, skill: str):
        """Show only requests for one skill (or all)."""
        self.skill_filter = skill or ALL
        self._first_page()
        return await self._fetch()

    @rx.event
    async def set_project_filter(self, project_id: str):
        """Show only one project's requests (or all)."""
        self.project_filter = project_id or ALL
        self._first_page()
        return await self._fetch()
