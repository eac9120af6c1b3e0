#!/usr/bin/env bash
# `make dev`: every function on http://127.0.0.1:9000 at the production paths
# (/api/v1/webhooks/student-dashboard/<endpoint>), through `cargo lambda watch`.
#
# Configuration comes from the environment and `.env` (see .env.example). Without Zoho
# credentials it starts the Zoho CRM simulator (seeded from fixtures/zoho) and points the
# functions at it. Without MOODLE_URL the functions answer in plan mode: they return the Moodle
# calls they would have made instead of making them.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${VENV:-.venv}"
tools/scripts/ensure-tools.sh dev
export PATH="$PWD/$venv/bin:$PATH"

if [ -f .env ]; then
    set -a; . ./.env; set +a
fi

: "${WEBHOOK_SECRET:=local-dev-secret-0123456789}"
# Failed webhooks are kept here for `mzi replay` (in AWS: the SQS retry queue).
: "${SPOOL_DIR:=$PWD/.spool}"
export WEBHOOK_SECRET SPOOL_DIR
port="${PORT:-9000}"
sim_port="${ZOHO_SIM_PORT:-8787}"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

if [ -z "${ZOHO_REFRESH_TOKEN:-}${ZOHO_REFRESH_TOKEN_PARAM:-}" ]; then
    echo "==> no Zoho credentials configured: starting the Zoho CRM simulator on 127.0.0.1:$sim_port"
    cargo build -q -p zoho-sim --bin zoho-sim
    cargo run -q -p zoho-sim --bin zoho-sim -- --port "$sim_port" --seed-dir fixtures/zoho &
    pids+=($!)
    export ZOHO_ACCOUNTS_URL="http://127.0.0.1:$sim_port" ZOHO_API_DOMAIN="http://127.0.0.1:$sim_port"
    export ZOHO_CLIENT_ID="local-simulator" ZOHO_CLIENT_SECRET="local-simulator-secret" ZOHO_REFRESH_TOKEN="local-simulator-refresh"
fi
if [ -z "${MOODLE_URL:-}" ]; then
    echo "==> MOODLE_URL is not set: PLAN MODE (webhooks answer with the Moodle calls they would make)"
fi

# cargo-lambda rejects empty values, so pass only what is set.
env_vars=()
for name in WEBHOOK_SECRET WEBHOOK_SECRET_PREVIOUS MOODLE_URL MOODLE_TOKEN ZOHO_CLIENT_ID ZOHO_CLIENT_SECRET \
    ZOHO_REFRESH_TOKEN ZOHO_ACCOUNTS_URL ZOHO_API_DOMAIN COLLEGE_UTC_OFFSET_MINUTES SPOOL_DIR RUST_LOG; do
    if [ -n "${!name:-}" ]; then env_vars+=("$name=${!name}"); fi
done
joined="$(IFS=,; echo "${env_vars[*]}")"

echo "==> cargo lambda watch on http://127.0.0.1:$port/api/v1/webhooks/student-dashboard/<endpoint>"
cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$port" --env-var "$joined" &
pids+=($!)
wait "${pids[-1]}"
