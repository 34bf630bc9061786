#!/usr/bin/env bash
# The style gates, before any test: formatting (rustfmt.toml) and clippy with warnings denied, package by
# package. Never `--workspace`: that would unify the frontend's `hydrate` feature into the server's `app`.
# The layering rule (foundation never imports a domain) is a test: app/src/layers.rs.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

log "cargo fmt --check"
cargo fmt --all --check

ensure_build_tools
clippy() { cargo clippy --locked --no-deps "$@" -- -D warnings; }
log "clippy: app (server side, with its tests)"
clippy -p app --features ssr --all-targets
log "clippy: server (with the integration tests and benches)"
clippy -p gwm-crm --all-targets
log "clippy: app and frontend in the browser (wasm)"
clippy -p app --features hydrate --target wasm32-unknown-unknown
clippy -p frontend --target wasm32-unknown-unknown
log "clippy: the pages benchmark's load driver (compiled here so that it cannot rot)"
clippy -p gwm-bench --all-targets
