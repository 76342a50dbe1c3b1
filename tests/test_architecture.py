"""The boundaries STYLE.md promises, checked on the source itself.

Domain code never imports a web framework; the API never imports Reflex and the UI
never imports FastAPI; money code never uses floats; and only the unit of work commits.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import BigInteger, Float

import marketplace_app.models  # noqa: F401  (registers every table)
from marketplace_app.core.db import metadata
from marketplace_app.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "marketplace_app"
FRONT_DOORS = {"api", "ui"}
ENTRY_POINT = PACKAGE / "marketplace_app.py"  # the Reflex app: where the two front doors meet
WEB_FRAMEWORKS = {"reflex", "fastapi", "starlette"}
MONEY_CODE = [PACKAGE / "ledger", PACKAGE / "core" / "money.py", PACKAGE / "fees.py"]
THE_UNIT_OF_WORK = PACKAGE / "core" / "db.py"
ALLOWED_COMMITS = {
    # The advisory lock lives on a dedicated connection outside any unit of work.
    PACKAGE / "scheduler" / "leader.py",
}


def shown(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def python_files(*roots: Path) -> Iterator[Path]:
    for root in roots:
        yield from [root] if root.is_file() else sorted(root.rglob("*.py"))


def domain_roots() -> list[Path]:
    """Every package and top-level module except the front doors and the entry point (new ones included)."""
    packages = [path for path in sorted(PACKAGE.iterdir())
                if path.is_dir() and path.name not in FRONT_DOORS and any(path.rglob("*.py"))]
    modules = [path for path in sorted(PACKAGE.glob("*.py")) if path != ENTRY_POINT]
    return packages + modules


def imported_roots(path: Path) -> set[str]:
    """The top-level names of every module `path` imports (absolute imports only)."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def offending_imports(roots: list[Path], forbidden: set[str]) -> dict[str, set[str]]:
    found = {}
    for path in python_files(*roots):
        bad = imported_roots(path) & forbidden
        if bad:
            found[shown(path)] = bad
    return found


def test_the_domain_discovery_covers_the_known_packages_and_modules():
    # when
    names = {path.name for path in domain_roots()}

    # then
    assert {"core", "ledger", "identity", "companies", "operators", "scheduler", "settings.py", "fees.py",
            "models.py"} <= names
    assert not names & FRONT_DOORS
    assert "marketplace_app.py" not in names


def test_domain_code_never_imports_a_web_framework():
    # then
    assert offending_imports(domain_roots(), WEB_FRAMEWORKS) == {}


def test_the_api_never_imports_reflex():
    # then
    assert offending_imports([PACKAGE / "api"], {"reflex"}) == {}


def test_the_ui_never_imports_fastapi():
    # then
    assert offending_imports([PACKAGE / "ui"], {"fastapi"}) == {}


def test_the_import_check_sees_a_forbidden_import(tmp_path):
    # given
    module = tmp_path / "sneaky.py"
    module.write_text("def handler():\n    from fastapi import Request\n    return Request\n")

    # when
    found = offending_imports([tmp_path], WEB_FRAMEWORKS)

    # then
    assert list(found.values()) == [{"fastapi"}]


def loaded_frameworks(modules: list[str]) -> set[str]:
    """Import `modules` in a fresh interpreter and report which web frameworks came along."""
    script = ("import importlib, sys\n"
              f"for name in {modules!r}: importlib.import_module(name)\n"
              f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {WEB_FRAMEWORKS!r}))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return set(ast.literal_eval(result.stdout.strip().splitlines()[-1]))


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_importing_every_domain_module_pulls_in_no_web_framework():
    # given (transitive imports count too: a domain module importing the API would pull FastAPI in)
    modules = [module_name(path) for path in python_files(*domain_roots())]

    # then
    assert loaded_frameworks(modules) == set()


def test_importing_the_api_pulls_in_no_reflex():
    # then
    assert "reflex" not in loaded_frameworks(["marketplace_app.api.app"])


def float_uses(path: Path) -> list[str]:
    """Every `float` annotation or call, float literal and `Float` column type in `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        where = f"{shown(path)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Name) and node.id in {"float", "Float", "REAL", "DOUBLE", "DOUBLE_PRECISION"}:
            found.append(f"{where} {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in {"Float", "REAL", "DOUBLE", "DOUBLE_PRECISION"}:
            found.append(f"{where} .{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, float):
            found.append(f"{where} literal {node.value!r}")
    return found


def test_money_code_has_no_floats():
    # then
    assert [use for path in python_files(*MONEY_CODE) for use in float_uses(path)] == []


def test_the_float_check_sees_annotations_literals_and_columns(tmp_path):
    # given
    module = tmp_path / "bad_money.py"
    module.write_text("import sqlalchemy as sa\n"
                      "def fee(amount: float) -> int:\n    return int(amount * 0.18)\n"
                      "rate = sa.Column(sa.Float)\n")

    # when
    found = float_uses(module)

    # then
    assert len(found) == 3, found


def test_no_table_has_a_float_column():
    # then
    floats = [f"{table.name}.{column.name}" for table in metadata.sorted_tables for column in table.columns
              if isinstance(column.type, Float)]
    assert floats == []


def test_money_columns_are_64_bit_integers():
    # then
    narrow = [f"{table.name}.{column.name}: {column.type}" for table in metadata.sorted_tables
              for column in table.columns if column.name.endswith("_cents") and not isinstance(column.type, BigInteger)]
    assert narrow == []


def commit_calls(path: Path) -> list[int]:
    """Line numbers of every `something.commit(...)` call in `path`."""
    return [node.lineno for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"]


def test_only_the_unit_of_work_commits():
    # given
    checked = [path for path in python_files(PACKAGE) if path != THE_UNIT_OF_WORK and path not in ALLOWED_COMMITS]

    # then
    assert {shown(path): lines for path in checked if (lines := commit_calls(path))} == {}


@pytest.mark.parametrize("allowed", sorted(ALLOWED_COMMITS | {THE_UNIT_OF_WORK}), ids=lambda path: path.name)
def test_every_allowed_commit_place_still_exists_and_commits(allowed):
    # then (a stale allowance would silently widen the rule)
    assert commit_calls(allowed)


SQL_LIBRARIES = {"sqlalchemy", "sqlmodel"}
STATEMENT_BUILDERS = {"select", "update", "insert", "delete", "text", "union", "union_all", "exists"}
SESSION_QUERIES = {"execute", "exec", "scalar", "scalars", "scalar_one", "scalar_one_or_none", "get", "query",
                   "add", "add_all", "delete", "merge", "flush", "connection"}


def _is_session(node: ast.expr) -> bool:
    """`session`, `self.session`, `db_session`, …: whatever the code calls a session."""
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return name == "session" or name.endswith("_session")


def sql_uses(path: Path) -> list[str]:
    """Every statement builder imported from SQLAlchemy/SQLModel and every query run on a session in `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        where = f"{shown(path)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in SQL_LIBRARIES:
            found += [f"{where} imports {alias.name}" for alias in node.names if alias.name in STATEMENT_BUILDERS]
        elif isinstance(node, ast.Import):
            found += [f"{where} imports {alias.name}" for alias in node.names
                      if alias.name.split(".")[0] in SQL_LIBRARIES and alias.name != "sqlmodel"]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in SESSION_QUERIES and _is_session(node.func.value)):
            found.append(f"{where} session.{node.func.attr}()")
    return found


def test_the_ui_runs_no_sql():
    # then (reads go to <domain>/queries.py, writes to a service; STYLE.md habit 11)
    assert [use for path in python_files(PACKAGE / "ui") for use in sql_uses(path)] == []


def test_the_sql_check_sees_builders_and_session_queries(tmp_path):
    # given
    module = tmp_path / "page_state.py"
    module.write_text("from sqlalchemy import select, update\nfrom sqlmodel import Session, insert\n"
                      "import sqlalchemy.sql\n"
                      "def rows(session: Session):\n"
                      "    session.execute(select(1))\n    session.exec(update(T))\n"
                      "    session.scalars(insert(T))\n    return session.get(T, 1)\n")

    # when
    found = sql_uses(module)

    # then
    assert len(found) == 8, found


def test_the_sql_check_leaves_plain_sessions_and_other_calls_alone(tmp_path):
    # given (passing a session on to a reader is how a page gets its data)
    module = tmp_path / "page_state.py"
    module.write_text("from sqlmodel import Session\nfrom marketplace_app.kyc import queries\n"
                      "def rows(session: Session, state):\n"
                      "    state.select('x')\n    row = {}.get('a')\n"
                      "    return queries.pending(session, limit=row)\n")

    # then
    assert sql_uses(module) == []


MAX_FUNCTION_LINES = 70
MAX_MODULE_LINES = 400


def long_functions(path: Path) -> list[str]:
    """`path:name (N lines)` for every function or method longer than the cap (decorators excluded)."""
    return [f"{shown(path)}:{node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]


def long_module(path: Path) -> list[str]:
    """`path (N lines)` when the module is longer than the cap."""
    lines = len(path.read_text().splitlines())
    return [f"{shown(path)} ({lines} lines)"] if lines > MAX_MODULE_LINES else []


def test_no_function_is_longer_than_70_lines():
    # then
    assert [found for path in python_files(PACKAGE) for found in long_functions(path)] == []


def test_no_module_is_longer_than_400_lines():
    # then
    assert [found for path in python_files(PACKAGE) for found in long_module(path)] == []


def test_the_size_checks_see_a_long_function_and_a_long_module(tmp_path):
    # given
    body = "\n".join(f"    x{index} = {index}" for index in range(MAX_FUNCTION_LINES))
    module = tmp_path / "long.py"
    module.write_text(f"def short():\n    return 1\n\n\ndef long():\n{body}\n" + "\n" * MAX_MODULE_LINES)

    # when
    functions = long_functions(module)
    modules = long_module(module)

    # then
    assert [found.split(":")[-1] for found in functions] == [f"long ({MAX_FUNCTION_LINES + 1} lines)"]
    assert len(modules) == 1
