"""Navigation: what each role may open, as a sidebar on wide screens and a drawer on phones."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from marketplace_app.mail.queries import inbox_available
from marketplace_app.ui import routes
from marketplace_app.ui.state.base import AppState
from marketplace_app.ui.theme import BORDER, LOGO, SIDEBAR_WIDTH


@dataclass(frozen=True, slots=True)
class NavItem:
    """One entry of a role's navigation; `href` is None until the page exists."""

    label: str
    icon: str
    href: str | None = None
    details: str | None = None
    """Where this entry's detail pages live, when that is not under `href` (a home that is also a list)."""


NAV_BY_ROLE: dict[str, tuple[NavItem, ...]] = {
    "company": (NavItem("Overview", "layout-dashboard", routes.COMPANY_HOME),
                NavItem("Projects", "folder-kanban", routes.COMPANY_PROJECTS),
                NavItem("Keys", "key-round", routes.COMPANY_KEYS), NavItem("Credits", "wallet", routes.COMPANY_CREDITS),
                NavItem("Requests", "list-checks", routes.COMPANY_REQUESTS),
                NavItem("Review", "clipboard-check", routes.COMPANY_REVIEW),
                NavItem("Disputes", "scale", routes.COMPANY_DISPUTES),
                NavItem("Webhooks", "webhook", routes.COMPANY_WEBHOOKS)),
    "operator": (NavItem("Overview", "layout-dashboard", routes.OPERATOR_HOME),
                 NavItem("Profile", "user-pen", routes.OPERATOR_PROFILE),
                 NavItem("Feed", "radio-tower", routes.OPERATOR_FEED),
                 NavItem("My work", "clipboard-list", routes.OPERATOR_WORK),
                 NavItem("Earnings", "piggy-bank", routes.OPERATOR_EARNINGS),
                 NavItem("My disputes", "scale", routes.OPERATOR_DISPUTES),
                 NavItem("Jury duty", "gavel", routes.OPERATOR_JURY)),
    "agent_owner": (NavItem("Agents", "bot", routes.AGENT_OWNER_HOME, details=routes.AGENT_OWNER_HOME + "/agents"),
                    NavItem("Jobs", "briefcase"),
                    NavItem("Earnings", "piggy-bank")),
    "admin": (NavItem("Overview", "layout-dashboard", routes.ADMIN_HOME), NavItem("KYC", "id-card", routes.ADMIN_KYC),
              NavItem("Payouts", "banknote", routes.ADMIN_PAYOUTS),
              NavItem("Credits", "hand-coins", routes.ADMIN_CREDITS),
              NavItem("Agents", "bot", routes.ADMIN_AGENTS),
              NavItem("Disputes", "scale", routes.ADMIN_DISPUTES),
              NavItem("Webhook failures", "webhook", routes.ADMIN_WEBHOOKS),
              NavItem("Scheduler", "timer", routes.ADMIN_SCHEDULER),
              NavItem("Ledger", "book-open-check", routes.ADMIN_LEDGER),
              NavItem("Audit", "scroll-text", routes.ADMIN_AUDIT),
              NavItem("E-mails", "mail", routes.ADMIN_EMAILS)),
}


def nav_links(role: str) -> rx.Component:
    """The navigation entries of `role`, built pages as links and the rest greyed out."""
    return rx.vstack(*[_nav_entry(item) for item in NAV_BY_ROLE[role]], spacing="1", width="100%",
                     role="navigation", aria_label="Main")


def _nav_entry(item: NavItem) -> rx.Component:
    if item.href is None:
        return rx.hstack(
            rx.icon(item.icon, size=18), rx.text(item.label, size="3"), rx.spacer(),
            rx.badge("soon", variant="soft", color_scheme="gray", size="1"),
            color=rx.color("gray", 9), padding="0.5rem 0.75rem", width="100%", align="center",
            aria_disabled="true", title=f"{item.label} is coming soon", cursor="not-allowed",
        )
    path = rx.State.router.url.path
    active = (path == item.href) | (path == item.href + "/")  # a static export serves `/admin/`
    if item.href not in routes.HOME_BY_ROLE.values():
        active = active | path.startswith(item.href + "/")  # a detail page lights up its list's entry
    if item.details is not None:
        active = active | path.startswith(item.details + "/")
    return rx.link(
        rx.hstack(rx.icon(item.icon, size=18), rx.text(item.label, size="3", weight="medium"),
                  align="center", width="100%"),
        href=item.href, underline="none", width="100%", padding="0.5rem 0.75rem", border_radius="var(--radius-3)",
        color=rx.cond(active, rx.color("accent", 11), rx.color("gray", 12)),
        background_color=rx.cond(active, rx.color("accent", 3), "transparent"),
        _hover={"background_color": rx.color("accent", 4)},
        aria_current=rx.cond(active, "page", ""),
    )


def brand() -> rx.Component:
    """The product name with its mark."""
    return rx.hstack(
        rx.image(src=LOGO, alt="", width="2rem", height="2rem"),
        rx.heading("Handoff", size="5", weight="bold"),
        align="center", spacing="2",
    )


def user_card() -> rx.Component:
    """Who is signed in, with the sign-out button."""
    return rx.vstack(
        rx.hstack(
            rx.avatar(fallback=AppState.user_initial, size="3", radius="full"),
            rx.vstack(rx.text(AppState.user_name, size="2", weight="bold"),
                      rx.text(AppState.user_email, size="1", color_scheme="gray", word_break="break-all"),
                      spacing="0", min_width="0"),
            align="center", width="100%",
        ),
        rx.button(rx.icon("log-out", size=16), "Sign out", on_click=AppState.sign_out, variant="soft",
                  color_scheme="gray", width="100%"),
        dev_inbox_link(),
        spacing="3", width="100%", padding_top="1rem", border_top=BORDER,
    )


def dev_inbox_link() -> rx.Component:
    """Outside production, a small link to the mail kept for the signed-in person (nothing in production)."""
    if not inbox_available():
        return rx.fragment()
    return rx.link(rx.icon("mail", size=14), "Mail kept for you (dev)", href=routes.INBOX, size="1",
                   color=rx.color("gray", 12), underline="always", display="inline-flex", align_items="center",
                   gap="0.35rem", _hover={"color": rx.color("accent", 11)},  # Reflex's default hover is too pale
                   custom_attrs={"data-dev-inbox": "true"})


def sidebar(role: str) -> rx.Component:
    """The fixed navigation column for wide screens."""
    return rx.desktop_only(
        rx.vstack(
            brand(), nav_links(role), rx.spacer(), user_card(),
            spacing="5", padding="1.25rem 1rem", height="100vh", width=SIDEBAR_WIDTH,
            position="sticky", top="0", border_right=BORDER, background_color=rx.color("gray", 2),
        ),
    )


def top_bar(role: str) -> rx.Component:
    """The bar for phones and tablets: brand and a menu button that opens the navigation drawer."""
    return rx.mobile_and_tablet(
        rx.hstack(
            brand(), rx.spacer(), _drawer(role),
            align="center", padding="0.75rem 1rem", border_bottom=BORDER, background_color=rx.color("gray", 2),
            position="sticky", top="0", z_index="10", width="100%",
        ),
    )


def _drawer(role: str) -> rx.Component:
    return rx.drawer.root(
        rx.drawer.trigger(rx.icon_button(rx.icon("menu", size=20), variant="ghost", size="3",
                                         aria_label="Open menu", id="open-menu")),
        rx.drawer.overlay(),
        rx.drawer.portal(
            rx.drawer.content(
                rx.vstack(
                    rx.hstack(brand(), rx.spacer(),
                              rx.drawer.close(rx.icon_button(rx.icon("x", size=20), variant="ghost",
                                                             aria_label="Close menu")),
                              width="100%", align="center"),
                    nav_links(role), rx.spacer(), user_card(),
                    spacing="5", height="100%", width="100%",
                ),
                left="auto", width="min(18rem, 85vw)", padding="1.25rem 1rem", background_color=rx.color("gray", 1),
            ),
        ),
        direction="right",
    )
