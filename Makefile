# The two commands of the README: `make dev` starts every function locally, `make test` runs
# every test. Both install what they need on a fresh machine (.venv, cargo-deny, PHP).

.PHONY: dev test fmt lint build package bench

# Every function on http://127.0.0.1:9000, DEV_CONCURRENCY (8) instances each, one shared Zoho
# token (local SSM); prints "ready" when every function answers. Ctrl-C stops everything.
dev:
	tools/scripts/dev.sh

# fmt, clippy, cargo deny, every Rust test (moto for SSM/SQS), php -l, SAM template checks.
test:
	tools/scripts/test.sh

fmt:
	cargo fmt --all

lint:
	cargo clippy --workspace --all-targets -- -D warnings

# Release binaries for this machine (x86_64): local runs and `make bench`.
build:
	cargo build --workspace --release

# The Lambda zips for Graviton (arm64; ARCH=x86_64 for x86), checked to be at most 5 MB each.
package:
	tools/scripts/package.sh

# Performance numbers (docs/PERFORMANCE.md); not part of `make test`.
bench:
	tools/scripts/bench.sh
