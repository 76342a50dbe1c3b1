"""The one status badge, the upload drop zone and the reason dialog shared by the operator, staff and
review pages."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from marketplace_app.ui.components.forms import dialog_footer, field_label
from marketplace_app.uploads.service import MAX_UPLOAD_BYTES

# Colours say how a thing stands, the same way on every page: blue is new, amber waits on someone,
# orange needs a person now, violet is under review, green is done well, red went wrong, gray is over.
NEW, WAITING, ATTENTION, REVIEW, GOOD, BAD, OVER = "blue", "amber", "orange", "violet", "green", "red", "gray"

# The one table: per kind of thing, each status's colour and words. Every status of the domain's
# enums has a row (a test checks), so no page words or colours one on its own.
BADGES: dict[str, dict[str, tuple[str, str]]] = {
    "request": {"matching": (NEW, "matching"), "in_progress": (WAITING, "in progress"),
                "submitted": (REVIEW, "submitted"), "needs_review": (ATTENTION, "needs review"),
                "completed": (GOOD, "completed"), "expired": (OVER, "expired"), "cancelled": (OVER, "cancelled"),
                "disputed": (BAD, "disputed")},
    "dispute": {"ai_review": (NEW, "automated review"), "awaiting_appeal": (WAITING, "awaiting appeal"),
                "jury_review": (REVIEW, "jury review"), "specialist_review": (REVIEW, "specialist review"),
                "board_review": (REVIEW, "board review"), "resolved": (GOOD, "resolved")},
    "earning": {"pending": (WAITING, "pending"), "available": (GOOD, "available"),
                "clawed_back": (BAD, "clawed back")},
    "payout": {"requested": (WAITING, "requested"), "paid": (GOOD, "paid"), "failed": (BAD, "failed")},
    "kyc": {"not_started": (OVER, "not started"), "pending": (WAITING, "pending review"),
            "verified": (GOOD, "verified"), "rejected": (BAD, "rejected")},
    "endpoint": {"enabled": (GOOD, "enabled"), "disabled": (BAD, "disabled"), "deleted": (OVER, "deleted")},
    "delivery": {"pending": (WAITING, "pending"), "delivered": (GOOD, "delivered"), "failed": (BAD, "failed")},
    "key": {"active": (GOOD, "active"), "rotating": (WAITING, "rotating"), "revoked": (BAD, "revoked"),
            "expired": (OVER, "expired")},
    "policy": {"open": (GOOD, "open"), "redacted": (NEW, "redacted"), "sandboxed": (REVIEW, "sandboxed")},
    "job": {"ok": (GOOD, "ok"), "error": (BAD, "error"), "never": (OVER, "never run")},
    "agent": {"pending_verification": (WAITING, "awaiting activation"), "active": (GOOD, "active"),
              "frozen": (BAD, "frozen"), "deleted": (OVER, "deleted")},
    # Trust tiers are standings, not statuses: the colours read as the metals, from low to high.
    "tier": {"bronze": (ATTENTION, "bronze"), "silver": (OVER, "silver"), "gold": (WAITING, "gold"),
             "platinum": (REVIEW, "platinum")},
    "email": {"queued": (WAITING, "queued"), "sent": (GOOD, "sent"), "kept": (NEW, "kept (not sent)"),
              "failed": (BAD, "failed")},
}


def status_label(kind: str, status: str) -> str:
    """A status in the badge's words, for plain text (`status_label("dispute", "ai_review")`)."""
    return BADGES[kind].get(status, (OVER, status.replace("_", " ")))[1]


def status_badge(kind: str, status: rx.Var[str], *, size: str = "2", **props) -> rx.Component:
    """The badge of `status`, a value of one kind of `BADGES` (request, dispute, payout, kyc, …).

    Args:
        kind: Which table row set: the same value may read differently per kind (a KYC "pending"
            is "pending review").
        status: The status value the state holds.
        size: The badge's size.
        **props: Given to the badge (ids, class names).

    Returns:
        One badge whose colour and words follow the table; an unknown value is gray, in its own words.
    """
    return rx.match(
        status,
        *[(value, rx.badge(words, color_scheme=colour, size=size, **props))
          for value, (colour, words) in BADGES[kind].items()],
        rx.badge(status.to(str).replace("_", " "), color_scheme=OVER, size=size, **props),
    )


def upload_zone(upload_id: str, *, on_drop: rx.event.EventType, percent: rx.Var[int], busy: rx.Var[bool],
                prompt: rx.Var[str] | str, multiple: bool = False) -> rx.Component:
    """A drop zone that uploads at once, with a progress bar while the bytes travel."""
    zone = rx.upload.root(
        rx.vstack(
            rx.icon("upload", size=24, color=rx.color("accent", 10)),
            rx.text(prompt, size="2", weight="medium", text_align="center"),
            rx.text(f"JPEG, PNG, WebP or PDF, at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB", size="1",
                    color_scheme="gray"),
            align="center", spacing="1",
        ),
        # The browser refuses a file over the limit at once (with a toast) instead of sending it
        # to be refused with 413; a drop of several files must fit in one upload's limit together.
        id=upload_id, multiple=multiple, max_files=10 if multiple else 1, max_size=MAX_UPLOAD_BYTES,
        accept={"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"], "image/webp": [".webp"],
                "application/pdf": [".pdf"]},
        on_drop=on_drop, width="100%", padding="1.25rem 1rem", cursor="pointer",
        border=f"2px dashed {rx.color('accent', 7)}", border_radius="var(--radius-3)",
        background_color=rx.color("accent", 2),
    )
    _name_file_input(zone, prompt)
    return rx.vstack(
        zone,
        rx.cond(busy, rx.hstack(rx.progress(value=percent, max=100, size="2", width="100%"),
                                rx.text(percent, "%", size="1", color_scheme="gray", min_width="3rem",
                                        text_align="right"),
                                width="100%", align="center", id=f"{upload_id}-progress")),
        spacing="2", width="100%",
    )


def _name_file_input(component: rx.Component, name: rx.Var[str] | str) -> None:
    """Give the drop zone's hidden `<input type=file>` an accessible name: `rx.upload` builds that input
    itself and offers no prop for it, and a screen reader would announce a nameless file button."""
    for child in component.children:
        if getattr(child, "tag", "") == "input":
            child.custom_attrs["aria-label"] = name
        _name_file_input(child, name)


def reason_dialog(*, open_: rx.Var[bool], title: str, description: rx.Var[str] | str, on_submit: Callable,
                  on_close: Callable, error: rx.Var[str], confirm: str, form_id: str) -> rx.Component:
    """A dialog asking for a reason before a refusal (reject, mark failed)."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(title),
            rx.dialog.description(description, size="2", color_scheme="gray"),
            rx.form(
                rx.vstack(
                    rx.cond(error != "", rx.callout(error, icon="triangle-alert", color_scheme="red", width="100%")),
                    field_label("Reason", f"{form_id}-reason"),
                    rx.text_area(name="reason", id=f"{form_id}-reason", required=True, rows="3", width="100%",
                                 placeholder="Say what is wrong, in words the other side can act on"),
                    dialog_footer(rx.button(confirm, type="submit", color_scheme="red", size="3",
                                            id=f"{form_id}-confirm")),
                    spacing="3", width="100%",
                ),
                on_submit=on_submit, reset_on_submit=False, id=form_id,
            ),
            max_width="30rem",
        ),
        open=open_, on_open_change=on_close,
    )


def confirm_dialog(*, open_: rx.Var[bool], title: str, description: rx.Component, on_confirm: Callable,
                   on_close: Callable, confirm: str, confirm_id: str, color_scheme: str = "green") -> rx.Component:
    """An alert dialog before an identity or money decision, naming who and how much."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description, size="2"),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray", size="3")),
                rx.alert_dialog.action(rx.button(confirm, color_scheme=color_scheme, size="3", id=confirm_id,
                                                 on_click=on_confirm)),
                justify="end", spacing="3", width="100%", wrap="wrap", padding_top="1rem",
            ),
            max_width="30rem",
        ),
        open=open_, on_open_change=on_close,
    )

