#!/usr/bin/env bash
# `make package`: the Lambda zips of every function for Graviton (arm64, the template's default
# Architecture), cross-compiled on this machine with cargo-lambda and zig (both from PyPI, in
# .venv), then a check that each zip is at most 5 MB (5,000,000 bytes). Prints one line per zip.
#
# The four webhook functions build from the workspace root with the release profile of Cargo.toml
# (opt-level 3: they answer Zoho while it waits). The worker builds from its own directory, as
# `sam build` does (CodeUri ./functions/worker), so functions/worker/.cargo/config.toml applies:
# opt-level "s" for every crate it links. It links the processing of all four functions and at
# opt-level 3 its zip is over 5 MB (5.5 MB measured); it runs off the webhook path (retry queue,
# schedule). The two profiles share no compiled dependency, so a cold run compiles them twice.
#
# ARCH=x86_64 builds the x86 zips instead (for a stack deployed with Architecture=x86_64).
# PACKAGE_TARGET_DIR (default target/package) keeps these release builds out of the debug target
# directory that `make dev` and `make test` use, so neither waits for the other's cargo lock.
# Not part of `make test`: a cold cross-build of five functions with fat LTO takes longer than a
# CI run should spend on it (see README, "Packaging").
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${VENV:-.venv}"
arch="${ARCH:-arm64}"
# Absolute: the worker is built from its own directory.
target_dir=$(realpath -m "${PACKAGE_TARGET_DIR:-target/package}")
limit_bytes=5000000
webhook_functions=(dashboard_sync courses enrol btec_units)
functions=("${webhook_functions[@]}" worker)

tools/scripts/ensure-tools.sh dev
export PATH="$(realpath "$venv")/bin:$PATH"  # VENV may be relative or absolute

case "$arch" in
    arm64) triple=aarch64-unknown-linux-gnu; arch_flag=--arm64 ;;
    x86_64) triple=x86_64-unknown-linux-gnu; arch_flag=--x86-64 ;;
    *) echo "ARCH must be arm64 or x86_64, not '$arch'" >&2; exit 2 ;;
esac
if ! rustup target list --installed 2>/dev/null | grep -qx "$triple"; then
    echo "==> rustup target add $triple"
    rustup target add "$triple" || {
        echo "the Rust standard library for $triple cannot be installed here; build with ARCH=x86_64 and deploy with Architecture=x86_64" >&2
        exit 1
    }
fi

packages=()
for f in "${webhook_functions[@]}"; do packages+=(-p "$f"); done
echo "==> cargo lambda build --release $arch_flag --output-format zip ${packages[*]} (target dir $target_dir)"
started=$(date +%s)
CARGO_TARGET_DIR="$target_dir" cargo lambda build --release "$arch_flag" --output-format zip --locked "${packages[@]}"
echo "==> built in $(($(date +%s) - started)) s"
echo "==> (cd functions/worker && cargo lambda build --release $arch_flag --output-format zip --bin worker)"
started=$(date +%s)
(cd functions/worker && CARGO_TARGET_DIR="$target_dir" cargo lambda build --release "$arch_flag" --output-format zip --locked --bin worker)
echo "==> built in $(($(date +%s) - started)) s"

status=0
printf '\n%-16s %-8s %12s %12s  %s\n' FUNCTION ARCH "ZIP BYTES" "BOOTSTRAP" CHECK
for f in "${functions[@]}"; do
    zip="$target_dir/lambda/$f/bootstrap.zip"
    if [ ! -f "$zip" ]; then
        printf '%-16s %-8s %12s %12s  %s\n' "$f" "$arch" - - "MISSING ($zip)"
        status=1
        continue
    fi
    zip_bytes=$(stat -c %s "$zip")
    unpacked=$(python3 -c 'import sys, zipfile; print(sum(i.file_size for i in zipfile.ZipFile(sys.argv[1]).infolist()))' "$zip")
    machine=$(python3 - "$zip" <<'EOF'
import sys, zipfile
data = zipfile.ZipFile(sys.argv[1]).read("bootstrap")[:20]
print({0xB7: "arm64", 0x3E: "x86_64"}.get(int.from_bytes(data[18:20], "little"), "unknown"))
EOF
)
    check=ok
    if [ "$zip_bytes" -gt "$limit_bytes" ]; then check="TOO BIG (limit $limit_bytes)"; status=1; fi
    if [ "$machine" != "$arch" ]; then check="WRONG ARCHITECTURE ($machine)"; status=1; fi
    printf '%-16s %-8s %12s %12s  %s\n' "$f" "$machine" "$zip_bytes" "$unpacked" "$check"
done
exit "$status"
