#!/usr/bin/env bash
# Benchmarks against a private PostgreSQL, release build. Usage: scripts/bench.sh sign-in
source "$(dirname "$0")/lib.sh"

case "${1:-}" in
  sign-in) ;;
  *) echo "usage: scripts/bench.sh sign-in" >&2; exit 2 ;;
esac

ensure_build_tools
WORK="$(mktemp -d /tmp/gwm-bench.XXXXXX)"
chmod 755 "$WORK"
trap 'pg_stop "$WORK/pg"; rm -rf "$WORK"' EXIT
log "starting a private PostgreSQL cluster"
# Durable settings (fsync on), as in production: sign-in commits a session and an audit row.
pg_start "$WORK/pg" "$WORK/socket" max_connections=200 shared_buffers=256MB
pg_prepare "$WORK/socket" gwm_bench
log "cargo bench --bench sign_in (release)"
BENCH_PG_SOCKET="$WORK/socket" BENCH_DATABASE=gwm_bench RUST_LOG=warn cargo bench --locked --bench sign_in
