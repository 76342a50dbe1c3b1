"""Leadership instances that always give up leadership when the test ends, and a second process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from marketplace_app.scheduler.leader import Leadership
from marketplace_app.settings import PROJECT_ROOT

SECOND_PROCESS = """
import sys
from marketplace_app.scheduler.leader import Leadership
print(Leadership(sys.argv[1]).hold())
"""


@pytest.fixture
def leadership() -> Iterator[Callable[[str], Leadership]]:
    """Make `Leadership(holder)`s; each releases at teardown so no lock outlives the test."""
    made: list[Leadership] = []

    def make(holder: str) -> Leadership:
        made.append(Leadership(holder))
        return made[-1]

    yield make
    for instance in made:
        instance.release()


@pytest.fixture
def hold_in_another_process(database: str) -> Callable[[str], bool]:
    """Try to lead from a separate Python process that exits right after (no release)."""

    def hold(holder: str) -> bool:
        env = {**os.environ, "DATABASE_URL": database, "SCHEDULER_ENABLED": "false"}
        result = subprocess.run([sys.executable, "-c", SECOND_PROCESS, holder], cwd=PROJECT_ROOT, env=env,
                                capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1] == "True"

    return hold
