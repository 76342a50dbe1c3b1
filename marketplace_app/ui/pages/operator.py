"""The operator's overview (onboarding checklist and quick numbers) and profile page (skills,
availability, KYC). Phone first: one column, full-width buttons, big tap targets."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, notice, page_header, stat, welcome_header
from marketplace_app.ui.components.forms import field_label
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import status_badge, upload_zone
from marketplace_app.ui.state.operator import KYC_UPLOAD_ID, OperatorOverviewState, OperatorProfileState

Overview = OperatorOverviewState
Profile = OperatorProfileState


@dashboard_page(routes.OPERATOR_HOME, "Overview", role="operator", on_load=Overview.load)
def operator_home() -> rx.Component:
    """Where an operator stands: what is left to do before taking work, and their money at a glance."""
    return rx.vstack(
        welcome_header(),
        rx.cond(Overview.loaded, rx.vstack(checklist(), numbers(), shortcuts(), spacing="5", width="100%"),
                loading()),
        spacing="5", width="100%",
    )


def checklist() -> rx.Component:
    """The three steps before the feed opens."""
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading("Ready to work", size="4"), rx.spacer(),
                      rx.badge(Overview.steps_done, " of 3 done", size="2",
                               color_scheme=rx.cond(Overview.steps_done == 3, "green", "amber")),
                      width="100%", align="center"),
            _step(Overview.skills != "", "Skills in your profile",
                  rx.cond(Overview.skills != "", Overview.skills, "Choose the kinds of task you can do."),
                  "step-skills"),
            _step(Overview.kyc_status == "verified", "Identity verified",
                  rx.vstack(status_badge("kyc", Overview.kyc_status, id="overview-kyc"),
                            rx.cond(Overview.kyc_reason != "",
                                    rx.text("Reason: ", Overview.kyc_reason, size="2", color_scheme="red")),
                            spacing="1"),
                  "step-kyc"),
            _step(Overview.available, "Available for work",
                  rx.cond(Overview.available, "You are on duty: new requests reach you.",
                          "Switch availability on when you can take tasks."),
                  "step-available"),
            rx.link(rx.button(rx.icon("user-pen", size=18), "Edit profile and verification", size="3",
                              variant="soft", width="100%"),
                    href=routes.OPERATOR_PROFILE, width="100%"),
            spacing="4", width="100%",
        ),
        width="100%", size="3",
    )


def _step(done: rx.Var[bool], title: str, detail: rx.Component | rx.Var | str, step_id: str) -> rx.Component:
    return rx.hstack(
        rx.cond(done, rx.icon("circle-check", size=24, color=rx.color("green", 9)),
                rx.icon("circle", size=24, color=rx.color("gray", 8))),
        rx.vstack(rx.text(title, weight="bold", size="3"),
                  detail if isinstance(detail, rx.Component) else rx.text(detail, size="2", color_scheme="gray"),
                  spacing="1", min_width="0"),
        align="start", spacing="3", width="100%", id=step_id,
        custom_attrs={"data-done": rx.cond(done, "true", "false")},
    )


def numbers() -> rx.Component:
    """Money and open work at a glance."""
    return rx.grid(
        stat("Available", Overview.available_money, "ready to pay out"),
        stat("Pending", Overview.pending_money, "in the settlement hold"),
        rx.box(stat("Open in your feed", Overview.feed_count,
                    rx.cond(Overview.feed_blocked != "", Overview.feed_blocked, "matching requests right now")),
               grid_column=rx.breakpoints(initial="span 2", sm="auto")),
        columns={"initial": "2", "sm": "3"}, spacing="3", width="100%",
    )


def shortcuts() -> rx.Component:
    """The next places to go."""
    return rx.grid(
        _shortcut(routes.OPERATOR_FEED, "radio-tower", "Live feed"),
        _shortcut(routes.OPERATOR_WORK, "clipboard-list", "My work"),
        _shortcut(routes.OPERATOR_EARNINGS, "piggy-bank", "Earnings"),
        columns={"initial": "1", "sm": "3"}, spacing="3", width="100%",
    )


def _shortcut(href: str, icon: str, text: str) -> rx.Component:
    return rx.link(rx.button(rx.icon(icon, size=18), text, size="3", variant="outline", width="100%"),
                   href=href, width="100%")


@dashboard_page(routes.OPERATOR_PROFILE, "Profile", role="operator", on_load=Profile.load)
def operator_profile() -> rx.Component:
    """Availability, the profile with skills, and identity verification."""
    return rx.vstack(
        page_header("Profile & availability", "What you can do, when, and who you are."),
        rx.cond(Profile.loaded, rx.vstack(availability_card(), profile_card(), kyc_card(), spacing="5",
                                          width="100%"),
                loading()),
        spacing="5", width="100%", max_width="44rem",
    )


def availability_card() -> rx.Component:
    """The on-duty switch, saved as soon as it moves."""
    return rx.card(
        rx.el.label(
            rx.hstack(
                rx.vstack(rx.text("Available for work", weight="bold", size="3"),
                          rx.text(rx.cond(Profile.available, "New matching requests appear in your feed.",
                                          "You are off duty: the feed stays closed."),
                                  size="2", color_scheme="gray"),
                          spacing="1", flex="1"),
                rx.switch(checked=Profile.available, on_change=Profile.set_available, size="3",
                          id="available-switch"),
                align="center", width="100%", spacing="4",
            ),
            html_for="available-switch", cursor="pointer", width="100%",
        ),
        width="100%", size="3",
    )


def profile_card() -> rx.Component:
    """Name, skills, languages and country."""
    return rx.card(
        rx.vstack(
            rx.heading("Profile", size="4"),
            rx.cond(Profile.profile_error != "", rx.callout(Profile.profile_error, icon="triangle-alert",
                                                            color_scheme="red", width="100%", id="profile-error")),
            field_label("Display name", "display_name"),
            rx.input(value=Profile.display_name, on_change=Profile.set_display_name, id="display_name", size="3",
                     width="100%", max_length=100),
            rx.text("Skills", size="2", weight="medium"),
            rx.checkbox_cards.root(
                rx.foreach(Profile.catalogue, _skill_chip),
                value=Profile.skills, on_value_change=Profile.set_skills,
                columns={"initial": "1", "sm": "2"}, gap="2", width="100%", size="1",
            ),
            rx.grid(
                rx.vstack(field_label("Languages", "languages"),
                          rx.input(value=Profile.languages, on_change=Profile.set_languages, id="languages",
                                   placeholder="en, es", size="3", width="100%"),
                          rx.text("Two-letter codes, separated by commas.", size="1", color_scheme="gray"),
                          spacing="1", width="100%"),
                rx.vstack(field_label("Country", "country"),
                          rx.input(value=Profile.country, on_change=Profile.set_country, id="country",
                                   placeholder="ES", size="3", width="100%", max_length=2),
                          rx.text("Two-letter code.", size="1", color_scheme="gray"),
                          spacing="1", width="100%"),
                columns={"initial": "1", "sm": "2"}, spacing="3", width="100%",
            ),
            rx.button(rx.cond(Profile.profile_saved, rx.icon("check", size=18), rx.icon("save", size=18)),
                      rx.cond(Profile.profile_saved, "Saved", "Save profile"),
                      on_click=Profile.save_profile, loading=Profile.saving, size="3", width="100%",
                      id="profile-save"),
            spacing="3", width="100%",
        ),
        width="100%", size="3",
    )


def _skill_chip(skill: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.checkbox_cards.item(
        rx.vstack(rx.text(skill["title"], weight="bold", size="2"),
                  rx.text(skill["description"], size="1", color_scheme="gray"), spacing="0"),
        value=skill["name"], id="skill-" + skill["name"],
    )


def kyc_card() -> rx.Component:
    """Identity verification: the status, and the form while it is needed."""
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading("Identity verification", size="4"), rx.spacer(),
                      status_badge("kyc", Profile.kyc_status, id="kyc-status"),
                      width="100%", align="center", wrap="wrap"),
            rx.match(
                Profile.kyc_status,
                ("verified", rx.callout("You are verified. You can see and accept work.", icon="shield-check",
                                        color_scheme="green", width="100%")),
                ("pending", notice(rx.text("Staff are reviewing your documents (sent ", Profile.kyc_submitted,
                                               "). You can take work once they approve."),
                                       icon="hourglass", color_scheme="amber", width="100%")),
                ("rejected", notice(rx.text("Your last submission was rejected: ", Profile.kyc_reason,
                                                ". Fix it and send the form again."), icon="triangle-alert",
                                        color_scheme="red", width="100%")),
                rx.text("We need your legal name, country, date of birth and a photo or scan of an ID document "
                        "before you can take paid work.", size="2", color_scheme="gray"),
            ),
            rx.cond(Profile.may_submit_kyc, kyc_form()),
            spacing="3", width="100%",
        ),
        width="100%", size="3",
    )


def kyc_form() -> rx.Component:
    """Legal name, country, date of birth and the ID document."""
    return rx.form(
        rx.vstack(
            rx.cond(Profile.kyc_error != "", rx.callout(Profile.kyc_error, icon="triangle-alert", color_scheme="red",
                                                        width="100%", id="kyc-error")),
            field_label("Legal name (as on your document)", "legal_name"),
            rx.input(name="legal_name", id="legal_name", required=True, size="3", width="100%",
                     auto_complete="name", max_length=200),
            rx.grid(
                rx.vstack(field_label("Country of the document", "kyc_country"),
                          rx.input(name="kyc_country", id="kyc_country", required=True, size="3", width="100%",
                                   placeholder="ES", max_length=2, default_value=Profile.country),
                          spacing="1", width="100%"),
                rx.vstack(field_label("Date of birth", "date_of_birth"),
                          rx.input(name="date_of_birth", id="date_of_birth", type="date", required=True, size="3",
                                   width="100%"),
                          spacing="1", width="100%"),
                columns={"initial": "1", "sm": "2"}, spacing="3", width="100%",
            ),
            rx.text("ID document", size="2", weight="medium"),
            rx.cond(
                Profile.document_id != "",
                notice(rx.text("Uploaded: ", rx.text.strong(Profile.document_name)), icon="file-check",
                           color_scheme="green", width="100%", id="kyc-document-name"),
            ),
            upload_zone(KYC_UPLOAD_ID,
                        on_drop=Profile.upload_document(rx.upload_files(
                            upload_id=KYC_UPLOAD_ID, on_upload_progress=Profile.set_upload_progress)),
                        percent=Profile.upload_percent, busy=Profile.uploading,
                        prompt=rx.cond(Profile.document_id != "", "Replace the document",
                                       "Tap to take a photo or choose a file")),
            rx.button(rx.icon("send", size=18), "Send for verification", type="submit", size="3", width="100%",
                      loading=Profile.kyc_busy, disabled=Profile.uploading, id="kyc-submit"),
            spacing="3", width="100%",
        ),
        on_submit=Profile.submit_kyc, reset_on_submit=False, width="100%",
    )
