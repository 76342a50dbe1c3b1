"""API keys: list, create (the secret is shown once), revoke and rotate with a grace period."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import reflex as rx
from sqlmodel import Session

from marketplace_app.companies import reports
from marketplace_app.companies import service as companies
from marketplace_app.companies.access import CompanyActor
from marketplace_app.companies.models import ApiKey
from marketplace_app.core.errors import HandoffError
from marketplace_app.settings import get_settings
from marketplace_app.ui.state.base import role_page
from marketplace_app.ui.state.company import CompanyState, Pages, when
from marketplace_app.ui.state.forms import ConfirmAction, ShowOnceSecret

KEYS_PER_PAGE = 20
ACTIVE = "active"


@dataclasses.dataclass
class KeyRow:
    """One API key as the table shows it: never its secret."""

    id: str = ""
    name: str = ""
    project: str = ""
    mode: str = ""
    shown: str = ""
    created: str = ""
    last_used: str = ""
    expires: str = ""
    status: str = ""
    actionable: bool = False


def key_row(key: ApiKey, projects: dict[str, str]) -> KeyRow:
    """One key as the table shows it: never its secret; only an active key may be revoked or rotated."""
    status = companies.key_status(key)
    return KeyRow(
        id=key.id, name=key.name, project=projects.get(key.project_id, ""), mode=key.mode,
        shown=f"{key.prefix}…{key.last4}", created=when(key.created_at), last_used=when(key.last_used_at),
        expires=when(key.expires_at) if key.expires_at else "never", status=status, actionable=status == ACTIVE,
    )


def keys_snapshot(session: Session, actor: CompanyActor, *, starting_after: str | None) -> dict[str, Any]:
    """A page of the company's keys and its projects (for the create form)."""
    projects = reports.project_names(session, company_id=actor.company_id)
    page = companies.list_keys(session, actor=actor, limit=KEYS_PER_PAGE, starting_after=starting_after)
    return {"keys": [key_row(key, projects) for key in page.items], "has_more": page.has_more,
            "last_id": page.items[-1].id if page.items else "",
            "projects": [{"id": project_id, "name": name} for project_id, name in projects.items()]}


def create_key(session: Session, actor: CompanyActor, *, project_id: str, name: str, mode: str,
               expires_in_days: int | None) -> str:
    """Issue a key and return its secret (the only copy)."""
    return companies.create_key(session, actor=actor, project_id=project_id, name=name, mode=mode,
                                expires_in_days=expires_in_days).secret


def revoke_key(session: Session, actor: CompanyActor, *, key_id: str) -> str:
    """Revoke a key; returns its name."""
    return companies.revoke_key(session, actor=actor, key_id=key_id).name


def rotate_key(session: Session, actor: CompanyActor, *, key_id: str) -> dict[str, str]:
    """Issue a successor; returns its secret and until when the old key still works."""
    issued, old = companies.rotate_key(session, actor=actor, key_id=key_id)
    return {"secret": issued.secret, "old_until": when(old.expires_at), "name": old.name}


def lifetime_days(value: str) -> int | str | None:
    """Empty means no expiry; digits become an int; anything else reaches the service as typed."""
    value = value.strip()
    if not value:
        return None
    return int(value) if value.isascii() and value.isdigit() else value


class KeysState(ConfirmAction, ShowOnceSecret, Pages, CompanyState):
    """The keys page, its create dialog, the show-once secret dialog and the confirm dialog."""

    keys: list[KeyRow] = []
    projects: list[dict[str, str]] = []
    loaded: bool = False
    create_open: bool = False
    create_error: str = ""
    new_project_id: str = ""
    new_mode: str = "live"
    creating: bool = False
    _copied_message: str = "Key copied to the clipboard"
    grace_hours: int = 24
    _confirmable: ClassVar[frozenset[str]] = frozenset({"revoke", "rotate"})

    @rx.event
    @role_page("company")
    async def load(self):
        """Guard the page for company members, then read the first page of keys."""
        self._first_page()
        self.grace_hours = get_settings().key_rotation_grace_hours
        self.secret, self.secret_open, self.create_open, self.confirm_open = "", False, False, False
        return await self._fetch()

    async def _fetch(self):
        snapshot = await self._as_member(keys_snapshot, starting_after=self._cursor())
        self.keys, self.has_more, self._last_id = snapshot["keys"], snapshot["has_more"], snapshot["last_id"]
        self.projects, self.loaded = snapshot["projects"], True
        return None

    @rx.event
    def open_create(self):
        """Open the create dialog, with the first project chosen."""
        self.create_error, self.new_mode = "", "live"
        self.new_project_id = self.projects[0]["id"] if self.projects else ""
        self.create_open = True

    @rx.event
    def set_create_open(self, is_open: bool):
        """Close the create dialog from its own controls."""
        self.create_open = is_open

    @rx.event
    def set_new_project_id(self, project_id: str):
        """Choose the key's project."""
        self.new_project_id = project_id

    @rx.event
    def set_new_mode(self, mode: str):
        """Choose live or test."""
        self.new_mode = mode

    @rx.event
    async def create(self, form: dict[str, Any]):
        """Issue the key, then show its secret once; a refusal stays in the dialog."""
        self.create_error, self.creating = "", True
        yield
        try:
            secret = await self._as_member(create_key, project_id=self.new_project_id,
                                           name=str(form.get("name", "")), mode=self.new_mode,
                                           expires_in_days=lifetime_days(str(form.get("expires_in_days", ""))))
        except HandoffError as exc:
            self.create_error, self.creating = exc.message, False
            return
        self.creating, self.create_open = False, False
        self._show_secret(secret, "")
        self._first_page()
        yield await self._fetch()

    @rx.event
    async def confirm(self):
        """Revoke or rotate the key the member confirmed."""
        action, key_id = self._take_confirmed()
        yield  # the dialog closes even when the call is refused (the refusal's toast follows)
        yield await (self._revoke(key_id) if action == "revoke" else self._rotate(key_id))
        yield await self._fetch()

    async def _revoke(self, key_id: str):
        name = await self._as_member(revoke_key, key_id=key_id)
        return rx.toast.success(f"Key “{name}” revoked: its next call is refused", close_button=True)

    async def _rotate(self, key_id: str) -> None:
        rotated = await self._as_member(rotate_key, key_id=key_id)
        self._show_secret(rotated["secret"], f"The old key “{rotated['name']}” keeps working for {self.grace_hours} h, "
                                             f"until {rotated['old_until']}: move your agents to this new one.")
