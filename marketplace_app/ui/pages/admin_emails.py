"""Every e-mail the platform wrote, for staff: kept mail in development, sent and failed mail in production."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, page_header
from marketplace_app.ui.components.forms import labelled
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.mail import mail_list, opened_mail
from marketplace_app.ui.state.mail import AdminEmailsState


@dashboard_page(routes.ADMIN_EMAILS, "E-mails", role="admin", on_load=AdminEmailsState.load)
def admin_emails() -> rx.Component:
    """Every mail, newest first; a subject opens the mail."""
    return rx.vstack(
        page_header("E-mails", "Every mail the platform wrote, newest first. Open one to read it as it was sent.",
                    rx.button(rx.icon("refresh-cw", size=16), "Refresh", on_click=AdminEmailsState.load,
                              variant="soft")),
        filters(),
        rx.cond(AdminEmailsState.loaded,
                mail_list(AdminEmailsState, list_id="admin-emails", empty_sentence="Mail appears here when "
                          "someone signs in by link, registers an agent or recovers a key."),
                loading()),
        opened_mail(AdminEmailsState),
        spacing="5", width="100%",
    )


def filters() -> rx.Component:
    """To one address and/or of one kind (`sign in`, `agent activation`, …); empty shows everything."""
    return rx.form(
        rx.flex(
            labelled("To", rx.input(name="to", id="emails-to", placeholder="person@example.com", type="search",
                                    default_value=AdminEmailsState.to, width="100%"), html_for="emails-to"),
            labelled("Kind", rx.input(name="kind", id="emails-kind", placeholder="sign in", type="search",
                                      default_value=AdminEmailsState.kind, width="100%"), html_for="emails-kind"),
            rx.button(rx.icon("search", size=16), "Filter", type="submit", variant="soft", id="emails-filter"),
            spacing="3", align="end", width="100%", direction={"initial": "column", "sm": "row"},
        ),
        on_submit=AdminEmailsState.filter, reset_on_submit=False, width="100%",
    )
