"""rxconfig.py decides how many backend workers production runs: several only with Reflex's
state in Redis, as many as WEB_CONCURRENCY asks (one per core when unset)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from marketplace_app.settings import PROJECT_ROOT, Settings

REDIS = "redis://127.0.0.1:6379/0"


def granian_workers_after_loading_rxconfig(**env: str) -> str:
    """Load rxconfig.py in a fresh interpreter, as `reflex run` does, and read GRANIAN_WORKERS."""
    clean = {name: value for name, value in os.environ.items()
             if name not in ("REDIS_URL", "WEB_CONCURRENCY", "GRANIAN_WORKERS")}
    result = subprocess.run([sys.executable, "-c", "import os, rxconfig; print(os.environ['GRANIAN_WORKERS'])"],
                            cwd=PROJECT_ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120,
                            check=True)
    return result.stdout.strip().splitlines()[-1]


def test_without_redis_there_is_one_worker_whatever_is_asked():
    # when
    settings = Settings(redis_url=None, web_concurrency=4)

    # then
    assert settings.backend_workers == 1


def test_with_redis_web_concurrency_sets_the_workers():
    # when
    settings = Settings(redis_url=REDIS, web_concurrency=3)

    # then
    assert settings.backend_workers == 3


def test_with_redis_and_no_web_concurrency_there_is_one_worker_per_core():
    # when
    settings = Settings(redis_url=REDIS, web_concurrency=None)

    # then
    assert settings.backend_workers == (os.cpu_count() or 1)


@pytest.mark.parametrize(("env", "workers"), [
    ({}, "1"),
    ({"WEB_CONCURRENCY": "3", "GRANIAN_WORKERS": "5"}, "1"),
    ({"REDIS_URL": REDIS, "WEB_CONCURRENCY": "3"}, "3"),
])
def test_rxconfig_hands_the_worker_count_to_reflex(env, workers):
    # when
    granian_workers = granian_workers_after_loading_rxconfig(**env)

    # then
    assert granian_workers == workers
