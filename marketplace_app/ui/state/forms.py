"""Reading what people type and upload, refused in the same words the API's schemas use."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from marketplace_app.core.errors import ValidationFailed
from marketplace_app.requests.schemas import reject_control_characters
from marketplace_app.uploads.service import MAX_UPLOAD_BYTES


def clean_text(value: object, *, field: str, maximum: int, multiline: bool = False, required: bool = True) -> str:
    """Trimmed text from a form.

    Raises:
        ValidationFailed: Empty when required, too long, or holding control characters.
    """
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(f"{field} is required")
    if len(text) > maximum:
        raise ValidationFailed(f"{field} must be at most {maximum} characters")
    try:
        reject_control_characters(text, multiline=multiline)
    except ValueError as exc:
        raise ValidationFailed(f"{field} {exc}") from exc
    return text


async def read_upload(file: Any) -> bytes:
    """The bytes of one `rx.UploadFile`, read up to one byte past the limit (the service refuses more)."""
    return await file.read(MAX_UPLOAD_BYTES + 1)


class UploadProgress(rx.State, mixin=True):
    """Upload progress from the browser's events, for every page with a file drop."""

    upload_percent: int = 0

    @rx.var
    def uploading(self) -> bool:
        """Whether bytes are on their way (from the browser's progress events).

        Progress events and the upload handler travel separately (websocket and HTTP), so a
        flag set when the file is dropped could land after the upload finished; the handler
        resets the percentage instead, and a late 100 % event leaves nothing showing.
        """
        return 0 < self.upload_percent < 100

    @rx.event
    def set_upload_progress(self, progress: dict):
        """The upload's progress, from the browser."""
        self.upload_percent = min(int(float(progress.get("progress", 0)) * 100), 100)


class ShowOnceSecret(rx.State, mixin=True):
    """A secret shown once in a dialog (API keys, webhook signing secrets), forgotten on close."""

    secret: str = ""
    secret_open: bool = False
    secret_note: str = ""
    _copied_message: str = "Copied to the clipboard"

    def _show_secret(self, secret: str, note: str) -> None:
        self.secret, self.secret_note, self.secret_open = secret, note, True

    @rx.event
    def set_secret_open(self, is_open: bool):
        """Closing the secret dialog forgets the secret: it is never shown again."""
        if not is_open:
            self.secret, self.secret_note, self.secret_open = "", "", False

    @rx.event
    def copy_secret(self):
        """Put the secret on the clipboard."""
        return [rx.set_clipboard(self.secret), rx.toast.success(self._copied_message)]


class ConfirmAction(rx.State, mixin=True):
    """An action on one row that asks first (revoke a key, delete an endpoint): which action, on
    what, named how in the question. `_confirmable` lists the actions a page may ask about."""

    confirm_open: bool = False
    confirm_action: str = ""
    confirm_subject: str = ""
    _confirm_id: str = ""
    _confirmable: ClassVar[frozenset[str]] = frozenset()

    @rx.event
    def ask(self, action: str, target_id: str, subject: str):
        """Ask to confirm `action` on `target_id`, named `subject` in the question."""
        if action in self._confirmable:
            self.confirm_action, self.confirm_subject, self._confirm_id = action, subject, target_id
            self.confirm_open = True

    @rx.event
    def set_confirm_open(self, is_open: bool):
        """Close the confirm dialog from its own controls."""
        self.confirm_open = is_open

    def _take_confirmed(self) -> tuple[str, str]:
        """The confirmed action and its target, once: the dialog closes and forgets the target."""
        action, target_id = self.confirm_action, self._confirm_id
        self.confirm_open, self._confirm_id = False, ""
        return action, target_id
