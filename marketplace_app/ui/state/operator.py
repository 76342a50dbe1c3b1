"""The operator's overview and profile pages: onboarding checklist, skills, availability and KYC.

Every read and write runs a service in one unit of work off the event loop and hands the
page plain strings, booleans and lists.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.catalogue.service import active_skills
from marketplace_app.core.errors import Forbidden, HandoffError, Unauthorized, ValidationFailed
from marketplace_app.earnings import service as earnings
from marketplace_app.kyc import service as kyc
from marketplace_app.operators import service as operators
from marketplace_app.operators.models import KycStatus
from marketplace_app.ui.state.base import AppState, role_page
from marketplace_app.ui.state.display import label, money, when
from marketplace_app.ui.state.forms import UploadProgress, clean_text, read_upload
from marketplace_app.uploads import service as uploads
from marketplace_app.work import service as work

KYC_UPLOAD_ID = "kyc-document"
MAX_NAME_CHARACTERS = 100


def overview_snapshot(session: Session, *, user_id: str) -> dict[str, Any]:
    """The checklist and the quick numbers of the overview page."""
    profile = operators.get_profile(session, user_id=user_id)
    latest = kyc.latest_for(session, user_id=user_id)
    totals = earnings.summary(session, operator_id=user_id)
    try:
        feed_count, feed_blocked = str(len(work.feed(session, operator_id=user_id))), ""
    except Forbidden as exc:
        feed_count, feed_blocked = "—", exc.message
    return {
        "skills": ", ".join(label(skill) for skill in profile.skills), "kyc_status": profile.kyc_status,
        "kyc_reason": (latest.reason or "") if latest is not None else "", "available": profile.available,
        "available_money": money(totals.available_cents), "pending_money": money(totals.pending_cents),
        "feed_count": feed_count, "feed_blocked": feed_blocked,
    }


def profile_snapshot(session: Session, *, user_id: str) -> dict[str, Any]:
    """The profile form's values, the skill catalogue and the KYC state."""
    profile = operators.get_profile(session, user_id=user_id)
    latest = kyc.latest_for(session, user_id=user_id)
    return {
        "display_name": profile.display_name, "skills": list(profile.skills),
        "languages": ", ".join(profile.languages), "country": profile.country or "",
        "available": profile.available, "kyc_status": profile.kyc_status,
        "kyc_reason": (latest.reason or "") if latest is not None else "",
        "kyc_submitted": when(latest.submitted_at) if latest is not None else "",
        "catalogue": [{"name": skill.name, "title": skill.title, "description": skill.description}
                      for skill in active_skills(session)],
    }


def save_document(session: Session, *, user_id: str, filename: str, data: bytes) -> dict[str, str]:
    """Store a KYC document; return its id and name."""
    upload = uploads.save_upload(session, owner_user_id=user_id, purpose=uploads.UploadPurpose.kyc_document,
                                 filename=filename, data=data)
    return {"id": upload.id, "name": upload.filename}


def parse_languages(text: str) -> list[str]:
    """"en, es" → ["en", "es"] (the service checks the codes)."""
    return [code.strip().lower() for code in text.replace(";", ",").split(",") if code.strip()]


def parse_birth_date(text: str) -> date:
    """A date from the form's date input.

    Raises:
        ValidationFailed: Not a YYYY-MM-DD date.
    """
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValidationFailed("date_of_birth must be a date such as 1990-04-21") from exc


class OperatorState(AppState):
    """What every operator page shares: acting as the signed-in operator."""

    async def _operator_id(self) -> str:
        """The operator's id after re-reading the session cookie (a sign-out elsewhere ends it here too).

        Raises:
            Unauthorized: The session is gone or belongs to someone who is not an operator.
        """
        user = await self._load_user()
        if user is None or user.role != "operator":
            raise Unauthorized("Your session has ended; please sign in again")
        return user.id


class OperatorOverviewState(OperatorState):
    """The onboarding checklist and the quick numbers."""

    skills: str = ""
    kyc_status: str = ""
    kyc_reason: str = ""
    available: bool = False
    available_money: str = ""
    pending_money: str = ""
    feed_count: str = ""
    feed_blocked: str = ""
    loaded: bool = False

    @rx.var
    def steps_done(self) -> int:
        """How many of the three onboarding steps are complete."""
        return sum((bool(self.skills), self.kyc_status == KycStatus.verified, self.available))

    @rx.event
    @role_page("operator")
    async def load(self):
        """Guard the page for operators, then read the checklist and numbers."""
        snapshot = await self._call(overview_snapshot, user_id=self._user_id)
        for name, value in snapshot.items():
            setattr(self, name, value)
        self.loaded = True
        return None


class OperatorProfileState(OperatorState, UploadProgress):
    """Profile, skills, availability and the KYC form."""

    display_name: str = ""
    skills: list[str] = []
    languages: str = ""
    country: str = ""
    available: bool = False
    catalogue: list[dict[str, str]] = []
    kyc_status: str = ""
    kyc_reason: str = ""
    kyc_submitted: str = ""
    profile_error: str = ""
    profile_saved: bool = False
    saving: bool = False
    kyc_error: str = ""
    kyc_busy: bool = False
    document_id: str = ""
    document_name: str = ""
    loaded: bool = False

    @rx.var
    def may_submit_kyc(self) -> bool:
        """Whether the KYC form is open (never sent, or rejected)."""
        return self.kyc_status in (KycStatus.not_started, KycStatus.rejected)

    @rx.event
    @role_page("operator")
    async def load(self):
        """Guard the page for operators, then read the profile and the catalogue."""
        self._apply(await self._call(profile_snapshot, user_id=self._user_id))
        self.profile_error = self.kyc_error = ""
        self.profile_saved = self.saving = self.kyc_busy = False
        self.loaded = True
        return None

    def _apply(self, snapshot: dict[str, Any]) -> None:
        for name, value in snapshot.items():
            setattr(self, name, value)

    @rx.event
    def set_display_name(self, value: str):
        """Controlled input."""
        self.display_name, self.profile_saved = value, False

    @rx.event
    def set_languages(self, value: str):
        """Controlled input."""
        self.languages, self.profile_saved = value, False

    @rx.event
    def set_country(self, value: str):
        """Controlled input (upper-cased as typed)."""
        self.country, self.profile_saved = value.strip().upper()[:2], False

    @rx.event
    def set_skills(self, names: list[str]):
        """The chosen skill chips (saved with the profile)."""
        self.skills, self.profile_saved = sorted(set(names)), False

    @rx.event
    async def save_profile(self):
        """Save name, skills, languages and country."""
        self.saving, self.profile_error, self.profile_saved = True, "", False
        yield
        try:
            changes = {"display_name": clean_text(self.display_name, field="display_name",
                                                  maximum=MAX_NAME_CHARACTERS),
                       "skills": list(self.skills), "languages": parse_languages(self.languages),
                       "country": self.country or None}
            operator_id = await self._operator_id()
            await self._call(operators.update_profile, user_id=operator_id, changes=changes)
        except HandoffError as exc:
            self.saving, self.profile_error = False, exc.message
            return
        self.saving, self.profile_saved = False, True
        yield rx.toast.success("Profile saved")

    @rx.event
    async def set_available(self, on: bool):
        """Switch availability on or off, saved at once."""
        operator_id = await self._operator_id()
        await self._call(operators.update_profile, user_id=operator_id, changes={"available": bool(on)})
        self.available = bool(on)
        return rx.toast.success("You are available for work" if on else "You are off duty: no new work")

    @rx.event
    async def upload_document(self, files: list[rx.UploadFile]):
        """Store the dropped ID document (JPEG, PNG, WebP or PDF, at most 10 MiB)."""
        if not files:
            return None
        self.kyc_error = ""
        try:
            operator_id = await self._operator_id()
            data = await read_upload(files[0])
            saved = await self._call(save_document, user_id=operator_id, filename=files[0].name or "document",
                                     data=data)
        except HandoffError as exc:
            self.upload_percent, self.kyc_error = 0, exc.message
            return
        self.document_id, self.document_name = saved["id"], saved["name"]
        self.upload_percent = 0
        return None

    @rx.event
    async def submit_kyc(self, form: dict[str, Any]):
        """Send legal name, country, date of birth and the uploaded document for verification."""
        self.kyc_busy, self.kyc_error = True, ""
        yield
        try:
            if not self.document_id:
                raise ValidationFailed("Upload a photo or scan of your ID document first")
            legal_name = clean_text(form.get("legal_name"), field="legal_name", maximum=200)
            country = clean_text(form.get("kyc_country"), field="country", maximum=2).upper()
            born = parse_birth_date(str(form.get("date_of_birth", "")))
            operator_id = await self._operator_id()
            submission = await self._call(kyc.submit, user_id=operator_id, legal_name=legal_name, country=country,
                                          date_of_birth=born, document_upload_id=self.document_id)
        except HandoffError as exc:
            self.kyc_busy, self.kyc_error = False, exc.message
            return
        self.kyc_status, self.kyc_reason, self.kyc_busy = str(submission.status), "", False
        self.kyc_submitted, self.document_id, self.document_name = when(submission.submitted_at), "", ""
        yield rx.toast.success("Verified: you can take work" if submission.status == KycStatus.verified
                               else "Submitted: staff will review your documents")


__all__ = ["KYC_UPLOAD_ID", "OperatorOverviewState", "OperatorProfileState", "OperatorState"]
