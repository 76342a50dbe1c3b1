"""The public pages: `/` (sends people where they belong), `/login` (password or e-mail) and `/signup`."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading
from marketplace_app.ui.components.forms import inline_error, text_field
from marketplace_app.ui.components.layout import PAGE_TITLE_SUFFIX, centered_page
from marketplace_app.ui.components.nav import brand
from marketplace_app.ui.state.auth import LoginState, SignUpState
from marketplace_app.ui.state.base import AppState
from marketplace_app.ui.state.magic import MagicLinkState, MagicState
from marketplace_app.ui.theme import SOCIAL_IMAGE

ROLE_CHOICES = (
    ("company", "building-2", "Company", "Hand work to verified humans and agents"),
    ("operator", "user-round-check", "Operator", "Do paid tasks and get paid"),
    ("agent_owner", "bot", "Agent owner", "Run agents that sell their work"),
)


@rx.page(route="/", title="Handoff", image=SOCIAL_IMAGE, on_load=AppState.go_home)
def index() -> rx.Component:
    """Nothing to show: the on_load handler redirects to the user's home or to login."""
    return loading("Opening Handoff…")


@rx.page(route=routes.LOGIN, title="Sign in" + PAGE_TITLE_SUFFIX, image=SOCIAL_IMAGE, on_load=LoginState.load)
def login() -> rx.Component:
    """E-mail and password sign-in."""
    return auth_card(
        "Sign in", LoginState,
        rx.text("Welcome back. Use the e-mail you signed up with.", color_scheme="gray", size="2"),
        form_error(LoginState.error),
        field("E-mail", "email", type="email", auto_complete="email", placeholder="you@example.com"),
        field("Password", "password", type="password", auto_complete="current-password"),
        rx.button("Sign in", type="submit", size="3", width="100%", loading=LoginState.busy, id="login-submit"),
        footer=rx.vstack(
            magic_sign_in(),
            rx.text("New to Handoff? ", rx.link("Create an account", href=routes.SIGNUP), size="2"),
            spacing="4", align="center", width="100%"),
    )


@rx.page(route=routes.SIGNUP, title="Create an account" + PAGE_TITLE_SUFFIX, image=SOCIAL_IMAGE,
         on_load=SignUpState.load)
def signup() -> rx.Component:
    """Open a company, operator or agent-owner account."""
    return auth_card(
        "Create your account", SignUpState,
        form_error(SignUpState.error),
        role_choice(),
        field("Your name", "display_name", auto_complete="name", placeholder="Ada Lovelace"),
        rx.cond(SignUpState.role == "company",
                field("Company name", "company_name", auto_complete="organization", placeholder="Acme Ltd",
                      required=False)),
        field("E-mail", "email", type="email", auto_complete="email", placeholder="you@example.com"),
        field("Password", "password", type="password", auto_complete="new-password", hint="At least 10 characters."),
        rx.button("Create account", type="submit", size="3", width="100%", loading=SignUpState.busy,
                  id="signup-submit"),
        footer=rx.text("Already have an account? ", rx.link("Sign in", href=routes.LOGIN), size="2"),
    )


@rx.page(route=routes.MAGIC_LINK, title="Sign in by e-mail" + PAGE_TITLE_SUFFIX, image=SOCIAL_IMAGE,
         on_load=MagicLinkState.load)
def magic_link() -> rx.Component:
    """A mailed sign-in link: whom it signs in, used only when the person clicks (not by mail scanners)."""
    return centered_page(
        brand(),
        rx.card(
            rx.vstack(
                rx.heading("Sign in by e-mail", size="6", as_="h1"),
                rx.cond(
                    MagicLinkState.email != "",
                    rx.vstack(
                        rx.text("Continue as ", rx.text.strong(MagicLinkState.email, id="magic-link-email"), "."),
                        form_error(MagicLinkState.error),
                        rx.button("Sign in", on_click=MagicLinkState.finish, loading=MagicLinkState.busy, size="3",
                                  width="100%", id="magic-link-submit"),
                        spacing="3", width="100%"),
                    rx.vstack(
                        form_error(MagicLinkState.error),
                        rx.link("Ask for a new sign-in link", href=routes.LOGIN, id="magic-link-login"),
                        spacing="3", width="100%"),
                ),
                spacing="4", width="100%"),
            size="4", width="100%",
        ),
    )


def auth_card(heading: str, state: type, *children: rx.Component, footer: rx.Component) -> rx.Component:
    """A signed-out form in a card under the brand, submitting to `state.submit`, with a link below."""
    return centered_page(
        brand(),
        rx.card(
            rx.form(rx.vstack(rx.heading(heading, size="6"), *children, spacing="4", width="100%"),
                    on_submit=state.submit, width="100%"),
            size="4", width="100%",
        ),
        footer,
    )


def field(label: str, name: str, *, hint: str = "", required: bool = True, **props) -> rx.Component:
    """A labelled text input that submits as `name` (the dashboards' field, one size larger)."""
    return text_field(label, name, hint=hint, required=required, size="3", **props)


def form_error(message: rx.Var[str]) -> rx.Component:
    """The service's refusal, shown inside the form."""
    return inline_error(message, error_id="form-error")


def role_choice() -> rx.Component:
    """The kind of account, as three cards."""
    return rx.vstack(
        rx.text("I am signing up as", size="2", weight="medium"),
        rx.radio_cards.root(
            *[rx.radio_cards.item(
                rx.vstack(rx.icon(icon, size=20), rx.text(title, weight="bold", size="2"),
                          rx.text(sentence, size="1", color_scheme="gray"), spacing="1", align="center",
                          text_align="center"),
                value=value, id=f"role-{value}",
            ) for value, icon, title, sentence in ROLE_CHOICES],
            value=SignUpState.role, on_value_change=SignUpState.set_role,
            columns={"initial": "1", "sm": "3"}, spacing="2", width="100%",
        ),
        spacing="1", width="100%",
    )


def magic_sign_in() -> rx.Component:
    """"E-mail me a sign-in link": the e-mail, then "Check your inbox" and the mailed code."""
    return rx.cond(
        MagicState.showing,
        rx.card(rx.cond(MagicState.sent_to != "", _code_step(), _email_step()), size="3", width="100%"),
        rx.button("E-mail me a sign-in link", rx.icon("mail", size=16), on_click=MagicState.start, variant="soft",
                  size="3", width="100%", id="magic-open"),
    )


def _email_step() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Sign in by e-mail", size="4"),
            rx.text("We e-mail you a link and a 6-digit code. No password needed; a new address gets an "
                    "agent-owner account.", size="2", color_scheme="gray"),
            inline_error(MagicState.error, error_id="magic-error"),
            field("E-mail", "magic_email", type="email", auto_complete="email", placeholder="you@example.com"),
            rx.button("Send me a link", type="submit", size="3", width="100%", loading=MagicState.busy,
                      id="magic-send"),
            spacing="3", width="100%"),
        on_submit=MagicState.send, reset_on_submit=False, width="100%",
    )


def _code_step() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Check your inbox", size="4", id="magic-sent"),
            rx.text("We sent a sign-in link and a code to ", rx.text.strong(MagicState.sent_to),
                    ". Open the link, or type the code here.", size="2"),
            inline_error(MagicState.error, error_id="magic-error"),
            field("Code from the e-mail", "magic_code", auto_complete="one-time-code", input_mode="numeric",
                  placeholder="123456", max_length=7),
            rx.button("Sign in", type="submit", size="3", width="100%", loading=MagicState.busy, id="magic-verify"),
            rx.link("Use another e-mail", on_click=MagicState.start, size="2", href="#", id="magic-restart"),
            spacing="3", width="100%"),
        on_submit=MagicState.verify, width="100%",
    )
