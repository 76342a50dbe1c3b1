"""The company dashboard's shared state and the overview page.

Every read runs as the signed-in member (`resolve_actor`) inside one unit of work and
returns plain dicts of strings, so the page never holds a database object. Amounts are
shown as "8.00 EUR", the way the API's messages word them.

The dashboard shows one mode at a time, as Stripe does: live by default, test after the member
flips the switch in the page shell. The choice is a session cookie (it lasts until the browser
closes), and every request table, figure and action reads and acts in that mode only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import reflex as rx
from sqlmodel import Session

from marketplace_app.companies import credits, reports
from marketplace_app.companies.access import CompanyActor, resolve_actor
from marketplace_app.core.errors import HandoffError
from marketplace_app.requests import service as requests
from marketplace_app.requests.views import shown_status
from marketplace_app.ui.state import live
from marketplace_app.ui.state.base import AppState, role_page
from marketplace_app.ui.state.display import NEVER, money, skill, when

T = TypeVar("T")
RECENT_REQUESTS = 5
LIVE = "live"
TEST = "test"
MODE_COOKIE = "handoff_mode"


def scope(actor: CompanyActor, mode: str, project_id: str | None = None) -> requests.CompanyScope:
    """The requests service's view of a dashboard member in `mode` (the whole company, or one project)."""
    return requests.CompanyScope(company_id=actor.company_id, user_id=actor.user_id, mode=mode,
                                 project_id=project_id, role=actor.role)


def request_row(row: Mapping[str, Any], projects: Mapping[str, str]) -> dict[str, str]:
    """One request as a table row."""
    context = " ".join(str(row["context"]).split())
    return {
        "id": row["id"], "label": row["title"] or (context[:80] + ("…" if len(context) > 80 else "")),
        "status": shown_status(row), "skill": skill(row["skill"]), "urgency": row["urgency"], "mode": row["mode"],
        "price": money(row["max_price_cents"]), "project": projects.get(row["project_id"], ""),
        "created": when(row["created_at"]),
    }


def as_member(session: Session, user_id: str, reader: Callable[..., T], kwargs: Mapping[str, Any]) -> T:
    """Resolve the user's company membership, then run `reader(session, actor, **kwargs)`."""
    return reader(session, resolve_actor(session, user_id), **kwargs)


class CompanyState(AppState):
    """What every company page shares: running services as the signed-in member, in the chosen mode."""

    # The browser's choice, as the cookie carries it; read it through `_mode()` (anything else is live).
    view_mode: str = rx.Cookie(LIVE, name=MODE_COOKIE, path="/", same_site="strict")

    @rx.var
    def test_mode(self) -> bool:
        """Whether the dashboard shows test data."""
        return self.view_mode == TEST

    def _mode(self) -> str:
        return TEST if self.view_mode == TEST else LIVE

    @rx.event
    def set_test_mode(self, on: bool):
        """Flip between test and live data (the page's loader then reads it again in the new mode)."""
        self.view_mode = TEST if on else LIVE

    async def _as_member(self, reader: Callable[..., T], /, **kwargs: Any) -> T:
        """Run `reader(session, actor, **kwargs)` in one unit of work off the event loop."""
        return await self._call(as_member, self._user_id, reader, kwargs)

    async def _company_events(self, request_id: str | None = None) -> live.Matcher | None:
        """A matcher for the request events of the member's company in the shown mode (None once they
        are no member)."""
        try:
            company_id = await asyncio.to_thread(live.company_of, self._user_id)
        except HandoffError:
            return None
        return live.company_events(company_id, mode=self._mode(), request_id=request_id)


class Pages(rx.State, mixin=True):
    """Keyset pagination for a newest-first list: "Next" remembers where each page started.

    Every state using it defines `async def _fetch()`, which reads the page after `_cursor()`
    and sets `has_more` and `_last_id`; the mixin only calls it.
    """

    page: int = 1
    has_more: bool = False
    _cursors: list[str] = []
    _last_id: str = ""

    def _cursor(self) -> str | None:
        return self._cursors[-1] if self._cursors else None

    def _first_page(self) -> None:
        self._cursors, self.page = [], 1

    @rx.event
    async def next_page(self):
        """Show the next (older) page."""
        if not self.has_more or not self._last_id:
            return None
        self._cursors = [*self._cursors, self._last_id]
        self.page = len(self._cursors) + 1
        return await self._fetch()

    @rx.event
    async def previous_page(self):
        """Show the previous (newer) page."""
        if not self._cursors:
            return None
        self._cursors = self._cursors[:-1]
        self.page = len(self._cursors) + 1
        return await self._fetch()


def overview_snapshot(session: Session, actor: CompanyActor, *, mode: str) -> dict[str, Any]:
    """Balances, this month's spend per day, the open count and the latest requests, in `mode`.

    Test mode moves no credits, so it shows no balance (a dash) rather than the live one."""
    balance = credits.balance(session, actor=actor) if mode == LIVE else None
    days = reports.spend_this_month(session, company_id=actor.company_id, mode=mode)
    projects = reports.project_names(session, company_id=actor.company_id)
    recent = requests.list_requests(session, ctx=scope(actor, mode), limit=RECENT_REQUESTS).rows
    return {
        "available": money(balance.available_cents) if balance else NEVER,
        "escrowed": money(balance.escrowed_cents) if balance else NEVER,
        "month_total": money(sum(day.cents for day in days)),
        "month": days[-1].day.strftime("%B %Y"),
        "spend": [{"day": day.day.strftime("%-d %b"), "cents": day.cents, "amount": money(day.cents)}
                  for day in days],
        "open_count": reports.open_request_count(session, company_id=actor.company_id, mode=mode),
        "recent": [request_row(row, projects) for row in recent],
        "has_projects": bool(projects),
    }


class OverviewState(live.LiveUpdates, CompanyState):
    """The company's overview: credit, spend this month, open and recent requests (kept live)."""

    available: str = ""
    escrowed: str = ""
    month_total: str = ""
    month: str = ""
    spend: list[dict[str, str | int]] = []
    has_spend: bool = False
    open_count: int = 0
    recent: list[dict[str, str]] = []
    has_projects: bool = True
    loaded: bool = False

    @rx.event
    @role_page("company")
    async def load(self):
        """Guard the page for company members, then read the figures."""
        await self._live_refresh()
        return self._follow()

    async def _live_matcher(self) -> live.Matcher | None:
        return await self._company_events()

    async def _live_refresh(self) -> None:
        snapshot = await self._as_member(overview_snapshot, mode=self._mode())
        self.available, self.escrowed = snapshot["available"], snapshot["escrowed"]
        self.month_total, self.month, self.spend = snapshot["month_total"], snapshot["month"], snapshot["spend"]
        self.has_spend = any(day["cents"] for day in snapshot["spend"])
        self.open_count, self.recent = snapshot["open_count"], snapshot["recent"]
        self.has_projects, self.loaded = snapshot["has_projects"], True
