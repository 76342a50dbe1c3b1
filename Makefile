# Handoff: `make run` starts the embedded default; `make test` runs the whole suite.
# Both set everything up from a clean clone (virtualenv, bun from the npm registry,
# the Reflex web skeleton, the database).

SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
BUN_VERSION := 1.4.4
# axe-core: the accessibility rules the browser tests inject into every page (tests/e2e/a11y.py).
AXE_CORE_VERSION := 4.14.1

export PATH := $(CURDIR)/.venv/bin:$(CURDIR)/.tools/node_modules/.bin:$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_HTTP_CLIENT_BIND_ADDRESS := 0.0.0.0
export REFLEX_CHECK_LATEST_VERSION := 0
export REFLEX_TELEMETRY_ENABLED := false
export NPM_CONFIG_REGISTRY ?= $(shell npm config get registry 2>/dev/null)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help browser redis setup migrate demo run run-prod test test-fast test-e2e test-slow test-nightly lint bench clean screenshots

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.venv/.installed: requirements.txt
	$(PYTHON) -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

.tools/.installed:
	npm install --prefix .tools --no-audit --no-fund --loglevel=error bun@$(BUN_VERSION)
	npm install --prefix .tools --no-audit --no-fund --loglevel=error --save-exact axe-core@$(AXE_CORE_VERSION)
	touch $@

.web/.handoff-ready: .venv/.installed .tools/.installed rxconfig.py
	reflex init --no-agents --loglevel warning
	touch $@

# The browser tests drive Debian's Chromium (Playwright cannot download a browser here).
CHROMIUM_PATH ?= /usr/bin/chromium
browser:  ## Install Debian's chromium for the browser tests when it is missing
	@if [ -x "$(CHROMIUM_PATH)" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then \
		echo "The browser tests need Chromium at $(CHROMIUM_PATH): run 'apt-get install chromium' as root" \
		     "(or set CHROMIUM_PATH to a Chromium binary)."; exit 1; fi; \
	echo "installing Debian's chromium for the browser tests"; \
	DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# The shared rate-limiter tests, the several-workers tests and `python -m bench workers` start Debian's
# redis-server on loopback.
REDIS_SERVER ?= /usr/bin/redis-server
redis:  ## Install Debian's redis-server for the rate-limiter and several-workers tests when it is missing
	@if [ -x "$(REDIS_SERVER)" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then \
		echo "The Redis tests need $(REDIS_SERVER): run 'apt-get install redis-server' as root."; exit 1; fi; \
	echo "installing Debian's redis-server for the Redis tests"; \
	DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null

setup: .venv/.installed .tools/.installed .web/.handoff-ready  ## Install everything into the project folder

migrate: .venv/.installed  ## Bring the database to the newest schema
	alembic upgrade head

demo: migrate  ## Load the demo accounts (once)
	python -m marketplace_app.demo.seed

run: setup demo  ## Run Handoff: dashboards on :3000, API on :8000
	reflex run --env dev --frontend-port 3000 --backend-port 8000

# With REDIS_URL set it runs WEB_CONCURRENCY backend workers (one per core when unset) behind the
# one port; without it, one (rxconfig.py hands the count to Reflex).
PROD_PORT ?= 3000
run-prod: setup demo  ## Run the production build on one port (:3000, API under /v1; several workers with REDIS_URL)
	reflex run --env prod --single-port --frontend-port $(PROD_PORT) --backend-port $(PROD_PORT)

test: setup browser redis  ## The whole suite: unit, API and database tests, then browser tests
	python -m pytest -m "not e2e and not slow"
	python -m pytest -m e2e

test-fast: .venv/.installed redis  ## Everything but the browser and slow tests
	python -m pytest -m "not e2e and not slow"

test-e2e: setup browser  ## Browser tests in headless Chromium
	python -m pytest -m e2e

# SLOW_ARGS: more pytest arguments; .ci/run passes --ignore= for the real-clock tests it runs beside the fast suite.
SLOW_ARGS ?=
test-slow: .venv/.installed redis  ## The slow suites at CI size (run by .ci/run; see README "Tests")
	python -m pytest -m slow $(SLOW_ARGS)

test-nightly: .venv/.installed redis  ## The slow suites at full size: 20 race rounds, 500x50 state machine, schemathesis at 1,000
	python -m pytest -m "slow or nightly"

lint: .venv/.installed  ## ruff
	ruff check .

screenshots: setup browser  ## Photograph each role's main pages (desktop, phone) into docs/screenshots/
	python -m tests.e2e.screenshots

bench: setup  ## Benchmarks (print figures; see bench/README.md)
	python -m bench

clean:  ## Remove installed tools and local state (keeps nothing)
	rm -rf .venv .tools .web .states .var
