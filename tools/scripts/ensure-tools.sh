#!/usr/bin/env bash
# Installs what `make test` and `make dev` need on a fresh machine, and nothing that is already
# there: PHP (for `php -l` on the plugin) from Debian, and a Python virtualenv (.venv) with
# cfn-lint, the serverless rules, the SAM CLI and moto from PyPI; cargo-lambda too for `make dev`;
# cargo-deny from crates.io for `make test`.
# Usage: tools/scripts/ensure-tools.sh test|dev
set -euo pipefail
cd "$(dirname "$0")/../.."
purpose="${1:-test}"
venv="${VENV:-.venv}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v php >/dev/null 2>&1; then
    echo "==> installing PHP (php-cli) from Debian"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq php-cli >/dev/null
fi

if [ ! -x "$venv/bin/python" ]; then
    echo "==> creating Python virtualenv $venv"
    python3 -m venv "$venv"
fi
want=()
[ -x "$venv/bin/cfn-lint" ] || want+=(cfn-lint cfn-lint-serverless)
[ -x "$venv/bin/sam" ] || want+=(aws-sam-cli)
[ -x "$venv/bin/moto_server" ] || want+=("moto[server]")
if [ "$purpose" = dev ]; then
    [ -x "$venv/bin/cargo-lambda" ] || want+=(cargo-lambda)
fi
if [ "${#want[@]}" -gt 0 ]; then
    echo "==> pip install ${want[*]}"
    "$venv/bin/pip" install -q --disable-pip-version-check "${want[@]}"
fi

# cargo-deny (supply-chain checks of `make test`) from crates.io, built once into .venv/bin next
# to the other tools: about 4 CPU-minutes (2-3 minutes on two idle cores) the first time.
cargo_deny_version=0.20.2
if [ "$purpose" = test ] && ! "$venv/bin/cargo-deny" --version 2>/dev/null | grep -q " $cargo_deny_version\$"; then
    echo "==> cargo install cargo-deny $cargo_deny_version (first run only)"
    cargo install --locked --quiet cargo-deny --version "$cargo_deny_version" --root "$venv"
fi
