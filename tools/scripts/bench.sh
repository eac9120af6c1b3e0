#!/usr/bin/env bash
# `make bench`: builds the four functions' release binaries (the production profile of the
# workspace Cargo.toml) and the benchmark harness (tools/bench, with its cold-start floor
# `floor_lambda`, a bare lambda_http binary of the same profile), then prints the tables of
# docs/PERFORMANCE.md: size, cold start (environment and SSM, as ratios to the floor; SSM calls
# counted), peak RSS, handler CPU as ratios to in-process floors, critical-path wall time (Zoho
# 50 ms, Moodle 20 ms per call), remote calls, backfill throughput. Not a test: nothing here
# fails the build, and CI does not run it; a failed start is counted in its row, never dropped.
#
# Environment: CARGO_TARGET_DIR (default target/) — a separate one keeps release builds away
# from everyone's debug builds; BENCH_STARTS (30), BENCH_ITERATIONS (1000), BENCH_BACKFILL (500);
# MOODLE_URL and MOODLE_TOKEN add a live Moodle to the backfill table (BENCH_LIVE_BACKFILL, 100).
# BENCH_ONLY=cold,critical prints only those tables (size, cold, ssm, first, rss, handler,
# breakdown, calls, critical, backfill); BENCH_CASES="student_updated;2000 enrolments" keeps only
# the in-process rows whose label contains one of the `;`-separated parts.
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
venv="${VENV:-.venv}"

echo "==> release build of the four functions (target dir $target)" >&2
cargo build --release --locked --bins -p dashboard_sync -p courses -p enrol -p btec_units >&2
echo "==> release build of the benchmark harness and its cold-start floor" >&2
cargo build --release --locked -p bench >&2

moto=()
if [ ! -x "$venv/bin/moto_server" ]; then
    tools/scripts/ensure-tools.sh test >&2 || true
fi
if [ -x "$venv/bin/moto_server" ]; then
    moto=(--moto "$venv/bin/moto_server")
else
    echo "moto_server not found in $venv: the SSM cold-start rows are skipped" >&2
fi

"$target/release/bench" --bins "$target/release" \
    --starts "${BENCH_STARTS:-30}" \
    --iterations "${BENCH_ITERATIONS:-1000}" \
    --backfill "${BENCH_BACKFILL:-500}" \
    --live-backfill "${BENCH_LIVE_BACKFILL:-100}" \
    ${BENCH_ONLY:+--only "$BENCH_ONLY"} \
    "${moto[@]}"
