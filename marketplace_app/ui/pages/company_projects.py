"""Projects: each agent project's information policy, allowed skills, budgets, rate limit and webhooks."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, page_header
from marketplace_app.ui.components.data import (
    cell,
    empty_state,
    record_card,
    responsive_table,
)
from marketplace_app.ui.components.forms import inline_error, labelled, money_field, text_field
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import status_badge
from marketplace_app.ui.state.company_projects import ProjectsState

COLUMNS = ("Name", "Policy", "Allowed skills", "Per request", "Daily", "Monthly", "Rate limit", "Webhooks", "")
POLICIES = (
    ("open", "Open", "Operators who match see the full context."),
    ("redacted", "Redacted", "E-mails, phones, IBANs, card numbers, secret URLs and your terms are masked."),
    ("sandboxed", "Sandboxed", "Only skill, price and urgency until accepted; every view is logged."),
)


@dashboard_page(routes.COMPANY_PROJECTS, "Projects", role="company", on_load=ProjectsState.load)
def projects() -> rx.Component:
    """The company's projects, with a dialog to create or edit one."""
    return rx.vstack(
        page_header("Projects", "Each agent works in a project: its policy, skills, budgets and limits.",
                    rx.button(rx.icon("plus", size=16), "New project", on_click=ProjectsState.open_new,
                              id="new-project")),
        rx.cond(
            ProjectsState.loaded,
            rx.cond(ProjectsState.projects.length() > 0, projects_table(),
                    empty_state("folder-kanban", "No projects yet",
                                "A project holds the budget and policy that your agent's API key works under.",
                                rx.button("Create your first project", on_click=ProjectsState.open_new))),
            loading(),
        ),
        rx.cond(ProjectsState.has_more,
                rx.text("Showing your 50 newest projects.", size="1", color_scheme="gray")),
        project_dialog(),
        spacing="5", width="100%",
    )


def projects_table() -> rx.Component:
    """One row per project."""
    return responsive_table(COLUMNS, ProjectsState.projects, _project_row, _project_card, table_id="projects-table",
                            min_width="64rem")


def _project_row(project: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(_project_name(project)),
        cell(status_badge("policy", project["policy"]), "policy"),
        cell(rx.text(project["skills"], size="2"), "skills", max_width="14rem"),
        cell(project["max_per_request"], "max_per_request", white_space="nowrap"),
        cell(project["daily"], "daily", white_space="nowrap"),
        cell(project["monthly"], "monthly", white_space="nowrap"),
        cell(project["rate_limit"], "rate_limit", white_space="nowrap"),
        cell(rx.link(project["webhooks"], href=project["webhooks_href"], size="2", white_space="nowrap"),
             "webhooks"),
        cell(_edit_button(project), "actions"),
        align="center", custom_attrs={"data-project": project["name"]},
    )


def _project_card(project: rx.Var[dict[str, str]]) -> rx.Component:
    return record_card(
        _project_name(project),
        ("Policy", status_badge("policy", project["policy"])),
        ("Allowed skills", project["skills"]),
        ("Per request", project["max_per_request"]),
        ("Daily", project["daily"]),
        ("Monthly", project["monthly"]),
        ("Rate limit", project["rate_limit"]),
        ("Webhooks", rx.link(project["webhooks"], href=project["webhooks_href"])),
        footer=_edit_button(project),
        custom_attrs={"data-project-card": project["name"]},
    )


def _project_name(project: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.vstack(rx.text(project["name"], weight="bold"),
                     rx.text("Created ", project["created"], size="1", color_scheme="gray"), spacing="0")


def _edit_button(project: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.button(rx.icon("pencil", size=14), "Edit", size="1", variant="soft",
                     on_click=ProjectsState.open_edit(project["id"]), aria_label="Edit " + project["name"])


def project_dialog() -> rx.Component:
    """Create or edit one project; refusals stay in the dialog in the service's words."""
    form = ProjectsState.form
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(ProjectsState.editing, "Edit project", "New project")),
            rx.dialog.description("Every field is checked the same way as the dashboard API.", size="2",
                                  color_scheme="gray", margin_bottom="1rem"),
            rx.form(
                rx.vstack(
                    text_field("Name", "name", default_value=form["name"], placeholder="Support agent",
                               max_length=120),
                    policy_choice(form["information_policy"]),
                    skills_choice(),
                    labelled("Redaction terms",
                             rx.text_area(id="redaction_terms", name="redaction_terms",
                                          default_value=form["redaction_terms"], rows="3", width="100%",
                                          placeholder="One per line, e.g. a client's or a person's name"),
                             hint="Masked, with the usual personal data, before an operator reads a redacted request.",
                             html_for="redaction_terms"),
                    budget_fields(),
                    rx.grid(
                        text_field("Rate limit per hour", "rate_limit_per_hour",
                                   default_value=form["rate_limit_per_hour"], input_mode="numeric",
                                   hint="Requests per key per hour."),
                        rx.text("Webhook endpoints are set up on the ",
                                rx.link("Webhooks", href=routes.COMPANY_WEBHOOKS), " page, per project.",
                                size="2", color_scheme="gray", align_self="center"),
                        columns={"initial": "1", "sm": "2"}, spacing="3", width="100%",
                    ),
                    inline_error(ProjectsState.form_error, error_id="project-error"),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray")),
                        rx.button(rx.cond(ProjectsState.editing, "Save changes", "Create project"), type="submit",
                                  loading=ProjectsState.saving, id="project-save"),
                        justify="end", width="100%", spacing="3",
                    ),
                    spacing="4", width="100%",
                ),
                on_submit=ProjectsState.save, reset_on_submit=False, width="100%",
            ),
            max_width="44rem", width="100%",
        ),
        open=ProjectsState.dialog_open, on_open_change=ProjectsState.set_dialog_open,
    )


def policy_choice(default: rx.Var[str]) -> rx.Component:
    """Open, redacted or sandboxed, each with what operators get to see."""
    return labelled(
        "Information policy",
        rx.radio_cards.root(
            *[rx.radio_cards.item(
                rx.vstack(rx.text(title, weight="bold", size="2"), rx.text(sentence, size="1", color_scheme="gray"),
                          spacing="1", width="100%"),
                value=value, id=f"policy-{value}",
            ) for value, title, sentence in POLICIES],
            name="information_policy", default_value=default, columns={"initial": "1", "sm": "3"}, spacing="2",
            width="100%",
        ),
    )


def skills_choice() -> rx.Component:
    """The catalogue's skills as checkboxes; none ticked allows every skill."""
    return labelled(
        "Allowed skills",
        rx.grid(
            rx.foreach(ProjectsState.skills, lambda skill: rx.checkbox(
                skill["title"], name="skill:" + skill["name"], title=skill["description"],
                default_checked=ProjectsState.form_skills.contains(skill["name"]), size="2",
                custom_attrs={"data-skill": skill["name"]},
            )),
            columns={"initial": "1", "sm": "2", "md": "3"}, spacing="2", width="100%",
        ),
        hint="Leave all unticked to allow every skill, including ones added later.",
    )


def budget_fields() -> rx.Component:
    """The three caps, as amounts; empty means no cap."""
    form, currency = ProjectsState.form, ProjectsState.currency
    return labelled(
        "Budget caps",
        rx.grid(
            money_field("Max per request", "budget_max_per_request", currency,
                        default_value=form["budget_max_per_request"], placeholder="no cap"),
            money_field("Daily", "budget_daily", currency, default_value=form["budget_daily"], placeholder="no cap"),
            money_field("Monthly", "budget_monthly", currency, default_value=form["budget_monthly"],
                        placeholder="no cap"),
            columns={"initial": "1", "sm": "3"}, spacing="3", width="100%",
        ),
        hint="Leave a cap empty for no limit. Per request ≤ daily ≤ monthly.",
    )
