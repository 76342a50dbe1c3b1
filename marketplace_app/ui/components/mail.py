"""Mail lists and the opened mail, shared by staff's e-mail page and the development inbox."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui.components.data import cell, empty_state, pager, record_card, responsive_table
from marketplace_app.ui.components.status import status_badge
from marketplace_app.ui.state.mail import BodyPart, MailRow

COLUMNS = ("Written", "To", "Subject", "Kind", "Status", "Left")


def mail_list(state: type, *, list_id: str, empty_sentence: str) -> rx.Component:
    """`state`'s mail as a table (cards on a phone) with Newer / Older; a click opens one."""
    return rx.cond(
        state.mails.length() > 0,
        rx.vstack(
            responsive_table(COLUMNS, state.mails, lambda mail: _row(state, mail), lambda mail: _card(state, mail),
                             table_id=list_id, min_width="52rem"),
            pager(state.page, state.has_more, on_previous=state.previous_page, on_next=state.next_page,
                  previous_label="Newer", next_label="Older", pager_id=f"{list_id}-pager"),
            spacing="3", width="100%",
        ),
        empty_state("mail", "No mail yet", empty_sentence),
    )


def _subject_button(state: type, mail: rx.Var[MailRow]) -> rx.Component:
    return rx.link(mail.subject, on_click=state.open_mail(mail.id), href="#", weight="medium",
                   custom_attrs={"data-open-mail": mail.id})


def _row(state: type, mail: rx.Var[MailRow]) -> rx.Component:
    return rx.table.row(
        cell(mail.created, "written", white_space="nowrap"),
        cell(rx.text(mail.recipient, size="2", word_break="break-all"), "to"),
        cell(rx.vstack(_subject_button(state, mail), rx.text(mail.preview, size="1", color_scheme="gray"),
                       spacing="1"), "subject", min_width="16rem"),
        cell(rx.text(mail.kind, size="2"), "kind"),
        cell(status_badge("email", mail.status), "status"),
        cell(rx.text(mail.sent, size="2", white_space="nowrap"), "left"),
        align="center", custom_attrs={"data-mail": mail.id},
    )


def _card(state: type, mail: rx.Var[MailRow]) -> rx.Component:
    return record_card(
        _subject_button(state, mail),
        ("To", mail.recipient),
        ("Kind", mail.kind),
        ("Status", status_badge("email", mail.status)),
        ("Written", mail.created),
        ("Left", mail.sent),
        custom_attrs={"data-mail": mail.id},
    )


def opened_mail(state: type) -> rx.Component:
    """The opened mail: headers, then its plain text with web addresses as links."""
    opened = state.opened
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(opened.subject),
            rx.dialog.description(rx.text.span("To ", opened.recipient, " · ", opened.created,
                                               color=rx.color("gray", 11)), size="2"),
            rx.cond(opened.error != "", rx.callout(opened.error, icon="triangle-alert", color_scheme="red",
                                                   size="1", margin_top="0.75rem")),
            rx.box(rx.foreach(state.body, _part), white_space="pre-wrap", word_break="break-word",
                   font_family="var(--code-font-family)", font_size="0.875rem", padding="1rem",
                   margin_top="1rem", border_radius="var(--radius-3)", background_color=rx.color("gray", 2),
                   id="mail-body"),
            rx.flex(rx.dialog.close(rx.button("Close", variant="soft", size="3")), justify="end", padding_top="1rem"),
            max_width="44rem",
        ),
        open=state.reading, on_open_change=state.set_reading,
    )


def _part(part: rx.Var[BodyPart]) -> rx.Component:
    link = rx.link(part.text, href=part.text, is_external=True, rel="noopener noreferrer", underline="always",
                   _hover={"color": rx.color("accent", 12)})
    return rx.cond(part.is_link, link, rx.text.span(part.text))
