#!/usr/bin/env bash
# Benchmarks against a private PostgreSQL, release build. Usage: scripts/bench.sh sign-in|pages|documents|sync|imports
#   sign-in    sign-in latency percentiles (benches/sign_in.rs)
#   pages      board, table and project pages at 50 and 500 signed-in sessions, beside their own SQL under
#              pgbench and the same bytes served by nginx (scripts/bench/pages.sh says how)
#   sync       20 tenants x 1,000 pursued opportunities polled against a local SAM.gov-shaped feed: time per
#              cycle and per poll, rows written per unchanged poll, peak memory (benches/sync.rs says how)
#   documents  a 1 GiB upload and download through the server to local disk and to s3s-fs, beside the same
#              file written straight to each, and the server's peak memory (scripts/bench/documents.sh says how)
#   imports    a 50,000-row contacts CSV imported by the background job: rows/s and the server's peak memory
#              above idle (scripts/bench/imports.sh says how)
source "$(dirname "$0")/lib.sh"

case "${1:-}" in
  sign-in | sync) ;;
  pages) exec bash "$ROOT/scripts/bench/pages.sh" ;;
  documents) exec bash "$ROOT/scripts/bench/documents.sh" ;;
  imports) exec bash "$ROOT/scripts/bench/imports.sh" ;;
  *) echo "usage: scripts/bench.sh sign-in|pages|documents|sync|imports" >&2; exit 2 ;;
esac

ensure_build_tools
[ "$1" != sync ] || apt_install time # the sync benchmark reads the server binary's peak memory with GNU time
WORK="$(mktemp -d /tmp/gwm-bench.XXXXXX)"
chmod 755 "$WORK"
trap 'pg_stop "$WORK/pg"; rm -rf "$WORK"' EXIT
log "starting a private PostgreSQL cluster"
# Durable settings (fsync on), as in production: sign-in commits a session and an audit row; a poll commits
# its log rows and what it stored.
pg_start "$WORK/pg" "$WORK/socket" max_connections=200 shared_buffers=256MB
pg_prepare "$WORK/socket" gwm_bench
BENCH="${1//-/_}"
log "cargo bench --bench $BENCH (release)"
mkdir -p "$ROOT/target/bench-results"
BENCH_PG_SOCKET="$WORK/socket" BENCH_DATABASE=gwm_bench RUST_LOG=warn cargo bench --locked --bench "$BENCH" |
  tee "$ROOT/target/bench-results/$1-$(date +%Y%m%d-%H%M%S).txt"
exit "${PIPESTATUS[0]}"
