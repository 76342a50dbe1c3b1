#!/usr/bin/env bash
# Smoke test of the production build: `make run-prod` with ENVIRONMENT=production on a scratch
# SQLite database serves the dashboards, /v1/health and the API on one port; unknown API paths
# are 404 in the envelope; a staff account made by create_staff signs in; production refuses
# test credit and the demo accounts; `reflex run --env prod --backend-only` (the separate backend)
# starts with the project's rxconfig. Exits non-zero on the first failed check.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${SMOKE_PORT:-3999}"
work="$(mktemp -d)"
log="$work/run-prod.log"
export ENVIRONMENT=production
export SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
export JWT_KEYS="smoke:$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')" JWT_CURRENT_KID=smoke
export DATABASE_URL="sqlite:///$work/handoff.db"
export APP_URL="http://localhost:$PORT" API_URL="http://localhost:$PORT"
export SCHEDULER_ENABLED=false
export SMTP_HOST=127.0.0.1 MAIL_FROM="Handoff <no-reply@handoff.test>"  # production refuses to start without them
base="http://127.0.0.1:$PORT"

stop_server() {  # TERM the server's process group, KILL it if it is still there after 20 s
    [ -n "${server:-}" ] || return 0
    kill -- -"$server" 2>/dev/null || true
    for _ in $(seq 20); do kill -0 -- -"$server" 2>/dev/null || break; sleep 1; done
    kill -KILL -- -"$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
}
cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "smoke: FAILED: $*"; echo "--- run-prod log (tail)"; tail -n 40 "$log" || true; exit 1; }

make migrate >/dev/null
HANDOFF_STAFF_PASSWORD="smoke-staff-password-2026" \
    .venv/bin/python -m marketplace_app.identity.create_staff --email staff@smoke.example --name "Smoke staff" </dev/null

serve() {  # serve WHAT SECONDS COMMAND...: start a server in its own process group (so cleanup stops it
           # and its children) and wait until /v1/health answers
    local what="$1" seconds="$2"; shift 2
    set -m
    "$@" >"$log" 2>&1 &
    server=$!
    set +m
    local started
    started=$(date +%s)
    until curl -fsS "$base/v1/health" >/dev/null 2>&1; do
        kill -0 "$server" 2>/dev/null || fail "$what exited"
        [ $(( $(date +%s) - started )) -lt "$seconds" ] || fail "$what did not answer on :$PORT in ${seconds}s"
        sleep 2
    done
    echo "smoke: $what answering after $(( $(date +%s) - started ))s"
}

serve "make run-prod" 900 make run-prod PROD_PORT="$PORT"

check() {  # check NAME EXPECTED_STATUS CURL_ARGS...: the status must match; the body goes to $work/body
    local name="$1" expected="$2"; shift 2
    local status
    status=$(curl -sS -o "$work/body" -w '%{http_code}' "$@")
    [ "$status" = "$expected" ] || fail "$name: HTTP $status, expected $expected: $(head -c 300 "$work/body")"
    echo "smoke: $name -> $status"
}
check "health" 200 "$base/v1/health"
grep -q '"status":"ok"' "$work/body" || fail "health body: $(cat "$work/body")"
check "login page" 200 -L "$base/login"
grep -qi '<html' "$work/body" || fail "the login page is not HTML"
check "unknown API path" 404 "$base/v1/no-such-route"
grep -q '"code":"not_found"' "$work/body" || fail "unknown path body: $(cat "$work/body")"
check "wrong method" 405 -X DELETE "$base/v1/health"
check "staff sign-in" 200 -H 'content-type: application/json' \
    -d '{"email":"staff@smoke.example","password":"smoke-staff-password-2026"}' "$base/v1/auth/login"
check "demo accounts absent" 401 -H 'content-type: application/json' \
    -d '{"email":"company@example.com","password":"handoff-demo-2026"}' "$base/v1/auth/login"
check "company sign-up" 201 -H 'content-type: application/json' \
    -d '{"email":"buyer@smoke.example","password":"smoke-buyer-password-2026","display_name":"Buyer","role":"company","company_name":"Smoke Ltd"}' \
    "$base/v1/auth/register"
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$work/body")
check "no test credit in production" 403 -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"amount":"100.00EUR"}' "$base/v1/credits/deposit-test"
stop_server

# The separate deployment's backend: starts with the project's rxconfig and answers the API alone.
serve "reflex run --env prod --backend-only" 300 env REFLEX_USE_SYSTEM_BUN=1 REFLEX_TELEMETRY_ENABLED=false \
    REFLEX_CHECK_LATEST_VERSION=0 .venv/bin/reflex run --env prod --backend-only --backend-port "$PORT"
check "backend-only health" 200 "$base/v1/health"
check "backend-only unknown API path" 404 "$base/v1/no-such-route"
echo "smoke: production build passed"
