"""The one guard: role pages' loaders are guarded by `role_page`, not by copies of its preamble."""

from __future__ import annotations

import ast

from marketplace_app.settings import PROJECT_ROOT

STATE = PROJECT_ROOT / "marketplace_app" / "ui" / "state"
# Loaders that call the guard themselves, on purpose: the task page clears the last task before it
# checks (a generator, so the old brief never flashes), and the dispute section on a request page
# defers the redirect to the page's own loader; the development inbox is for every role (signed in is all).
OWN_GUARD = {"operator_work.py:TaskState.load", "company_disputes.py:RequestDisputeState.load",
             "mail.py:InboxState.load"}


def guard_copies() -> set[str]:
    """`module:Class.method` for every method outside base.py that calls `self._require` itself."""
    found = set()
    for path in sorted(STATE.glob("*.py")):
        if path.name == "base.py":
            continue
        for cls in ast.walk(ast.parse(path.read_text())):
            if not isinstance(cls, ast.ClassDef):
                continue
            methods = [node for node in cls.body if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef)]
            found |= {f"{path.name}:{cls.name}.{method.name}" for method in methods
                      if "self._require(" in ast.unparse(method)}
    return found


def test_role_pages_use_the_one_guard():
    # then
    assert guard_copies() == OWN_GUARD


def test_guarded_loaders_say_their_role():
    # given
    roles = [decorator.args[0].value for path in STATE.glob("*.py")
             for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.AsyncFunctionDef)
             for decorator in node.decorator_list
             if isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "role_page"]

    # then
    assert len(roles) >= 20
    assert set(roles) <= {"company", "operator", "agent_owner", "admin"}
