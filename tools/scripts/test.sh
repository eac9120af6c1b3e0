#!/usr/bin/env bash
# Every test of the project: formatting, lints, the supply-chain checks (cargo deny), all Rust
# tests (with an AWS emulator, moto, for the tests that need SSM or SQS), `php -l` on every plugin file, and the SAM template checks.
# Live tests against a real Moodle run when MOODLE_URL and MOODLE_TOKEN are set; otherwise the test
# runner reports them as ignored, with the reason, and this script says so at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${VENV:-.venv}"
tools/scripts/ensure-tools.sh test
export PATH="$PWD/$venv/bin:$PATH" SAM_CLI_TELEMETRY=0

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo deny: licences, bans (duplicate versions), sources (deny.toml)"
cargo deny --locked check licenses bans sources

step "cargo deny: advisories (RustSec database)"
# The database is a git repository fetched from GitHub. Where it cannot be fetched, the check is
# skipped and says so; with a copy fetched earlier it runs against that copy, and names its date.
advisory_log="$(mktemp)"
if cargo deny --locked check advisories >"$advisory_log" 2>&1; then
    cat "$advisory_log"
elif grep -q "failed to fetch advisory database" "$advisory_log"; then
    db_dir=$(find "${CARGO_HOME:-$HOME/.cargo}/advisory-dbs" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n 1)
    if [ -n "$db_dir" ] && git -C "$db_dir" rev-parse HEAD >/dev/null 2>&1; then
        echo "advisory database not reachable; checking against the local copy of $(git -C "$db_dir" log -1 --format=%cs)"
        cargo deny --offline check advisories
    else
        echo "SKIPPED: advisory check (the RustSec advisory database could not be fetched and there is no local copy)"
    fi
else
    cat "$advisory_log"
    rm -f "$advisory_log"
    exit 1
fi
rm -f "$advisory_log"

step "moto (SSM emulator) on loopback"
moto_port="${MOTO_PORT:-5055}"
moto_server -H 127.0.0.1 -p "$moto_port" >/tmp/mzi-moto.log 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
    curl -fsS "http://127.0.0.1:$moto_port/moto-api/" >/dev/null 2>&1 && break
    sleep 0.2
done
export MOTO_ENDPOINT="http://127.0.0.1:$moto_port"

# Test targets holding tests that are `#[ignore = "<reason prefix>…"]`, as `-p PKG --test NAME`
# arguments: the ignored tests that this script runs itself, found in the sources so a new one
# cannot be forgotten here.
ignored_targets() {
    local file dir pkg
    grep -rlE --include='*.rs' "#\[ignore = \"$1" functions shared tools tests | sort | while read -r file; do
        case "$file" in */tests/*/*) continue ;; */tests/*.rs) ;; *) continue ;; esac
        dir="${file%/tests/*}"
        pkg=$(sed -n 's/^name = "\(.*\)"$/\1/p' "$dir/Cargo.toml" | head -n 1)
        printf -- '-p %s --test %s ' "$pkg" "$(basename "$file" .rs)"
    done
}

step "cargo test (workspace; tests that need moto or a live Moodle are listed as ignored, with the reason)"
cargo test --workspace --locked

step "tests that need moto (SSM, SQS): the ignored 'needs moto' tests, against the moto started above"
# shellcheck disable=SC2046 # word splitting of the -p/--test arguments is intended
cargo test --locked $(ignored_targets "needs moto:") -- --ignored

step "live tests against a real Moodle 4.5 (MOODLE_URL, MOODLE_TOKEN)"
if [ -n "${MOODLE_URL:-}" ] && [ -n "${MOODLE_TOKEN:-}" ]; then
    echo "running the ignored 'live:' tests against $MOODLE_URL"
    # shellcheck disable=SC2046
    cargo test --locked $(ignored_targets "live:") -- --ignored
else
    echo "IGNORED, NOT RUN: MOODLE_URL/MOODLE_TOKEN are not set, so the tests marked"
    echo "  #[ignore = \"live: needs MOODLE_URL and MOODLE_TOKEN …\"] in these targets did not run:"
    echo "  $(ignored_targets "live:")"
    echo "  (cargo test listed each as 'ignored, live: …' above). Set both to run them."
fi

step "php -l on every plugin file"
if [ -d moodle_plugin ]; then
    count=0
    while IFS= read -r -d '' file; do
        php -l "$file" >/dev/null || { php -l "$file"; exit 1; }
        count=$((count + 1))
    done < <(find moodle_plugin -name '*.php' -print0)
    echo "php -l: $count files, no syntax errors"
fi

if [ -f template.yaml ]; then
    step "sam validate --lint"
    sam validate --lint --template template.yaml
    step "cfn-lint with the serverless rules"
    cfn-lint template.yaml -a cfn_lint_serverless.rules
fi

step "all tests passed"
