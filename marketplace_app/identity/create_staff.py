"""Create a staff (admin) account from the command line: the only way to make the first one in
production, where the demo accounts are never loaded and nobody can sign up as staff.

    python -m marketplace_app.identity.create_staff --email ops@handoff.example --name "Ops Team"

The password is read from the terminal without echo (or from `HANDOFF_STAFF_PASSWORD` when no
terminal is attached, e.g. in a provisioning script), never from the command line.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import HandoffError
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role

PASSWORD_VARIABLE = "HANDOFF_STAFF_PASSWORD"


def create_staff(*, email: str, name: str, password: str) -> str:
    """Open a staff account and return its user id.

    Raises:
        ValidationFailed: Bad e-mail, short password or name.
        Conflict: The e-mail is already registered.
    """
    with unit_of_work() as session:
        form = identity.SignUp(email=email, password=password, display_name=name, role=Role.admin)
        return identity.sign_up(session, form, allow_admin=True).id


def _password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Password for the new staff account: ")
    password = os.environ.get(PASSWORD_VARIABLE, "")
    if not password:
        raise SystemExit(f"No terminal to ask for a password: set {PASSWORD_VARIABLE}.")
    return password


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, create the account and say what happened."""
    parser = argparse.ArgumentParser(description="Create a Handoff staff (admin) account.")
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", required=True, help="the name shown to other staff")
    arguments = parser.parse_args(argv)
    try:
        user_id = create_staff(email=arguments.email, name=arguments.name, password=_password())
    except HandoffError as exc:
        print(f"Not created: {exc.message}", file=sys.stderr)
        return 1
    print(f"Staff account {user_id} created for {arguments.email}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
