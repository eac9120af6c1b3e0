# The two commands of the README: `make dev` starts every function locally, `make test` runs
# every test. Both install what they need on a fresh machine.

.PHONY: dev test fmt lint build bench

dev:
	tools/scripts/dev.sh

test:
	tools/scripts/test.sh

fmt:
	cargo fmt --all

lint:
	cargo clippy --workspace --all-targets -- -D warnings

build:
	cargo build --workspace --release

# Performance numbers (docs/PERFORMANCE.md); not part of `make test`.
bench:
	tools/scripts/bench.sh
