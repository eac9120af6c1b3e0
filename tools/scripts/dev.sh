#!/usr/bin/env bash
# `make dev`: every function on http://127.0.0.1:9000 at the production paths
# (/api/v1/webhooks/student-dashboard/<endpoint>), through `cargo lambda watch`, behaving like
# production where it changes results:
#
# - several instances per function (DEV_CONCURRENCY, default 8), as Lambda runs concurrent
#   requests side by side instead of queueing them behind one process;
# - one Zoho access token shared by every instance, through the production code path: the SSM
#   token cache (shared/src/zoho/token.rs) against a local SSM (moto) that this script starts and
#   stops, so a burst mints one token as the deployed stack does;
# - everything is built before the server starts, and "ready" is printed only when every function
#   has answered a request.
#
# Configuration comes from the environment and `.env` (see .env.example). Without Zoho
# credentials it starts the Zoho CRM simulator (seeded from fixtures/zoho) and points the
# functions at it. Without MOODLE_URL the functions answer in plan mode: they return the Moodle
# calls they would have made instead of making them.
#
# Ctrl-C or SIGTERM stops everything this script started (each helper runs in its own process
# group, and the whole group is stopped).
#
# Settings: PORT (9000), DEV_CONCURRENCY (8), ZOHO_SIM_PORT (8787), ZOHO_SIM_SEED_DIR (fixtures/zoho),
# DEV_SSM_PORT (5056), DEV_READY_TIMEOUT (seconds, 600), VENV (.venv).
# tools/scripts/dev_burst.py checks a running `make dev` under bursts (tokens minted, races).
set -euo pipefail
cd "$(dirname "$0")/../.."
started_at=$(date +%s)
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
ssm_port="${DEV_SSM_PORT:-5056}"
concurrency="${DEV_CONCURRENCY:-8}"
ready_timeout="${DEV_READY_TIMEOUT:-600}"
case "$concurrency" in '' | *[!0-9]* | 0) echo "DEV_CONCURRENCY must be a positive integer" >&2; exit 2 ;; esac

# Every helper starts in its own process group (`set -m` around each `&`), so stopping a group
# stops its children too (the function instances of `cargo lambda watch`). Foreground commands
# stay in this script's group, where Ctrl-C reaches them and the script.
groups=()
stopping=0
# Every process below `$1`, deepest first (cargo lambda watch starts each function instance in a
# process group of its own, so stopping watch's group alone would rely on watch to stop them).
descendants() {
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        descendants "$child"
        echo "$child"
    done
}
cleanup() {
    [ "$stopping" = 1 ] && return
    stopping=1
    local pgid pid leftover=()
    for pgid in "${groups[@]}"; do leftover+=($(descendants "$pgid")); done
    for pgid in "${groups[@]}"; do kill -TERM -- "-$pgid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        local alive=0
        for pgid in "${groups[@]}"; do kill -0 -- "-$pgid" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for pgid in "${groups[@]}"; do kill -KILL -- "-$pgid" 2>/dev/null || true; done
    # Only those still running in this checkout: a PID reused meanwhile by something else is spared.
    for pid in "${leftover[@]}"; do
        [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$PWD" ] && kill -KILL "$pid" 2>/dev/null || true
    done
    echo "==> make dev stopped everything it started"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$port" "$ssm_port"; do
    port_free "$p" || { echo "port $p on 127.0.0.1 is in use (set PORT / DEV_SSM_PORT)" >&2; exit 1; }
done

# Built one binary at a time, exactly as `cargo lambda watch` will `cargo run --bin <name>` each
# instance: building the packages together would unify their features differently, and every
# instance's `cargo run` would then rebuild instead of starting at once.
echo "==> building every function and the Zoho simulator (first time on a fresh clone: about 10 minutes on 2 cores)"
for bin in dashboard_sync courses enrol btec_units zoho-sim; do
    cargo build --locked --bin "$bin"
done

if [ -z "${ZOHO_REFRESH_TOKEN:-}${ZOHO_REFRESH_TOKEN_PARAM:-}" ]; then
    port_free "$sim_port" || { echo "port $sim_port on 127.0.0.1 is in use (set ZOHO_SIM_PORT)" >&2; exit 1; }
    echo "==> no Zoho credentials configured: starting the Zoho CRM simulator on 127.0.0.1:$sim_port"
    set -m; target/debug/zoho-sim --port "$sim_port" --seed-dir "${ZOHO_SIM_SEED_DIR:-fixtures/zoho}" & set +m
    groups+=($!)
    export ZOHO_ACCOUNTS_URL="http://127.0.0.1:$sim_port" ZOHO_API_DOMAIN="http://127.0.0.1:$sim_port"
    export ZOHO_CLIENT_ID="local-simulator" ZOHO_CLIENT_SECRET="local-simulator-secret" ZOHO_REFRESH_TOKEN="local-simulator-refresh"
fi
if [ -z "${MOODLE_URL:-}" ]; then
    echo "==> MOODLE_URL is not set: PLAN MODE (webhooks answer with the Moodle calls they would make)"
fi

# The shared token cache: production's SSM code path against a local SSM. Credentials and region
# are moto's placeholders; AWS_ENDPOINT_URL_SSM sends only SSM calls there.
echo "==> local SSM (moto) on 127.0.0.1:$ssm_port for the shared Zoho token cache"
set -m; moto_server -H 127.0.0.1 -p "$ssm_port" >"${TMPDIR:-/tmp}/make-dev-moto-$ssm_port.log" 2>&1 & set +m
groups+=($!)
export AWS_ENDPOINT_URL_SSM="http://127.0.0.1:$ssm_port" AWS_REGION="${DEV_AWS_REGION:-us-east-1}"
export AWS_ACCESS_KEY_ID="local-dev" AWS_SECRET_ACCESS_KEY="local-dev"
export ZOHO_TOKEN_CACHE_PARAM="/moodle-zoho-sync-dev/zoho/access_token_cache"
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$ssm_port/moto-api/" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fsS "http://127.0.0.1:$ssm_port/moto-api/" >/dev/null || { echo "moto did not start" >&2; exit 1; }

# cargo-lambda rejects empty values, so pass only what is set.
env_vars=()
for name in WEBHOOK_SECRET WEBHOOK_SECRET_PREVIOUS MOODLE_URL MOODLE_TOKEN ZOHO_CLIENT_ID ZOHO_CLIENT_SECRET \
    ZOHO_REFRESH_TOKEN ZOHO_ACCOUNTS_URL ZOHO_API_DOMAIN ZOHO_TOKEN_CACHE_PARAM AWS_ENDPOINT_URL_SSM AWS_REGION \
    AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY COLLEGE_UTC_OFFSET_MINUTES SPOOL_DIR RUST_LOG; do
    if [ -n "${!name:-}" ]; then env_vars+=("$name=${!name}"); fi
done
joined="$(IFS=,; echo "${env_vars[*]}")"

echo "==> cargo lambda watch, $concurrency instance(s) per function (DEV_CONCURRENCY)"
set -m
cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$port" --concurrency "$concurrency" \
    --env-var "$joined" &
watch_pid=$!
set +m
groups+=("$watch_pid")

# Ready = every function has answered: the health endpoint (dashboard_sync), and for the others a
# GET on one of their endpoints, which the function itself answers 405 with its JSON error.
base="http://127.0.0.1:$port/api/v1/webhooks/student-dashboard"
probes=("dashboard_sync health 200" "courses class_updated 405" "enrol enrollment_updated 405"
    "btec_units btec_definition_updated 405")
deadline=$(($(date +%s) + ready_timeout))
for probe in "${probes[@]}"; do
    read -r function endpoint want <<<"$probe"
    while :; do
        kill -0 "$watch_pid" 2>/dev/null || { echo "cargo lambda watch exited before $function answered" >&2; exit 1; }
        body=$(curl -sS -m 120 -o - -w '\n%{http_code}' "$base/$endpoint" 2>/dev/null || true)
        code="${body##*$'\n'}"
        if [ "$code" = "$want" ] && [[ "$body" == *'{"'* ]]; then
            echo "==> $function answers (GET $endpoint: $code)"
            break
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "$function did not answer within ${ready_timeout}s (last: HTTP $code)" >&2
            exit 1
        fi
        sleep 0.5
    done
done

cat <<EOF

ready in $(($(date +%s) - started_at)) s: every function answers on $base/<endpoint>
  webhook secret: the value of WEBHOOK_SECRET (default local-dev-secret-0123456789)
  Zoho: ${ZOHO_ACCOUNTS_URL:-https://accounts.zoho.com}; Moodle: ${MOODLE_URL:-plan mode}
  one Zoho token for all instances: SSM parameter $ZOHO_TOKEN_CACHE_PARAM on $AWS_ENDPOINT_URL_SSM
  Ctrl-C stops everything.
EOF
wait "$watch_pid"
