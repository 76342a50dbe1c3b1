"""Status badges, the upload drop zone and the reason dialog shared by the operator, staff and
review pages."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from marketplace_app.uploads.service import MAX_UPLOAD_BYTES

STATUS_COLOURS = (
    ("matching", "blue"), ("in_progress", "amber"), ("submitted", "amber"), ("needs_review", "orange"),
    ("completed", "green"), ("expired", "gray"), ("cancelled", "gray"), ("disputed", "red"),
    ("pending", "amber"), ("available", "green"), ("clawed_back", "red"),
    ("requested", "amber"), ("paid", "green"), ("failed", "red"),
    ("not_started", "gray"), ("verified", "green"), ("rejected", "red"),
)
KYC_WORDS = (("not_started", "not started"), ("pending", "pending review"), ("verified", "verified"),
             ("rejected", "rejected"))


def status_badge(status: rx.Var[str], *, size: str = "2", **props) -> rx.Component:
    """A coloured badge for any request, earning, payout or KYC status."""
    words = status.to(str).replace("_", " ")
    return rx.match(
        status,
        *[(value, rx.badge(words, color_scheme=colour, size=size, **props)) for value, colour in STATUS_COLOURS],
        rx.badge(words, color_scheme="gray", size=size, **props),
    )


def kyc_badge(status: rx.Var[str], **props) -> rx.Component:
    """The KYC status in words."""
    colours = dict(STATUS_COLOURS)
    return rx.match(
        status,
        *[(value, rx.badge(words, color_scheme=colours[value], size="2", **props)) for value, words in KYC_WORDS],
        rx.badge("unknown", color_scheme="gray", size="2", **props),
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
                    rx.el.label(rx.text("Reason", size="2", weight="medium"), html_for=f"{form_id}-reason"),
                    rx.text_area(name="reason", id=f"{form_id}-reason", required=True, rows="3", width="100%",
                                 placeholder="Say what is wrong, in words the other side can act on"),
                    rx.flex(
                        rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray",
                                                  size="3")),
                        rx.button(confirm, type="submit", color_scheme="red", size="3", id=f"{form_id}-confirm"),
                        justify="end", spacing="3", width="100%", wrap="wrap",
                    ),
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


def empty_card(icon: str, heading: str, sentence: rx.Var[str] | str, *children: rx.Component,
               **props) -> rx.Component:
    """A friendly empty state."""
    return rx.card(
        rx.vstack(
            rx.icon(icon, size=28, color=rx.color("gray", 9)),
            rx.text(heading, weight="bold", size="3"),
            rx.text(sentence, size="2", color_scheme="gray", text_align="center"),
            *children,
            align="center", spacing="2", padding_y="1.5rem",
        ),
        width="100%", **props,
    )


def field_label(text: str, html_for: str) -> rx.Component:
    """A form label."""
    return rx.el.label(rx.text(text, size="2", weight="medium"), html_for=html_for)
